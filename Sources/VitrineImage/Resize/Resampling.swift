import CVitrineImageShim

/// Resampling filters, each identical to Pillow's filter of the same name.
public enum ResamplingFilter: String, Sendable, Equatable, CaseIterable {
    /// Triangle filter (Pillow `Image.BILINEAR`), support widened by the downscale factor.
    case bilinear
    /// Keys cubic, a = −0.5 (Pillow `Image.BICUBIC`), support widened by the downscale factor.
    case bicubic
}

extension RGBImage {
    /// Resizes to exactly `width × height`, matching Pillow's `Image.resize((width, height), filter)`
    /// byte for byte (antialiased: downscaling averages all covered source pixels).
    public func resized(width: Int, height: Int, filter: ResamplingFilter = .bilinear) throws(ImageProcessingError) -> RGBImage {
        guard width > 0, height > 0 else { throw .invalidSize(operation: "resize", width: width, height: height) }
        let count = width * height * 3
        var status: Int32 = 0
        let cFilter = filter == .bilinear ? VITRINE_FILTER_BILINEAR : VITRINE_FILTER_BICUBIC
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            status = pixels.withUnsafeBufferPointer { input in
                vitrine_resample_rgb8(
                    input.baseAddress, Int32(self.width), Int32(self.height),
                    output.baseAddress, Int32(width), Int32(height), Int32(cFilter.rawValue))
            }
            initialized = status == 0 ? count : 0
        }
        guard status == 0 else { throw .outOfMemory(operation: "resize to \(width)×\(height)") }
        return RGBImage(uncheckedWidth: width, height: height, pixels: result)
    }

    /// The centre `cropWidth × cropHeight` of this image resized to `width × height` (placed as
    /// ``centerCropped(width:height:)`` places it), computing only that window: the same pixels as
    /// `resized(...).centerCropped(...)`, with about half the work for a 224 crop of a 256 resize.
    public func resizedCenterCrop(width: Int, height: Int, cropWidth: Int, cropHeight: Int,
                                  filter: ResamplingFilter = .bilinear) throws(ImageProcessingError) -> RGBImage {
        guard width > 0, height > 0 else { throw .invalidSize(operation: "resize", width: width, height: height) }
        guard cropWidth > 0, cropHeight > 0, cropWidth <= width, cropHeight <= height else {
            throw .invalidSize(operation: "center crop of \(width)×\(height) image", width: cropWidth, height: cropHeight)
        }
        let left = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
        let count = cropWidth * cropHeight * 3
        var status: Int32 = 0
        let cFilter = filter == .bilinear ? VITRINE_FILTER_BILINEAR : VITRINE_FILTER_BICUBIC
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            status = pixels.withUnsafeBufferPointer { input in
                vitrine_resample_rgb8_region(
                    input.baseAddress, Int32(self.width), Int32(self.height), Int32(width), Int32(height),
                    Int32(left), Int32(top), Int32(cropWidth), Int32(cropHeight), output.baseAddress, Int32(cFilter.rawValue))
            }
            initialized = status == 0 ? count : 0
        }
        guard status == 0 else { throw .outOfMemory(operation: "resize to \(width)×\(height)") }
        return RGBImage(uncheckedWidth: cropWidth, height: cropHeight, pixels: result)
    }

    /// The size torchvision's `Resize(shortSide)` picks: the short side becomes `shortSide`
    /// and the long side `Int(shortSide * long / short)` (truncated, as Python's `int()` does).
    public func size(forShortSide shortSide: Int) -> (width: Int, height: Int) {
        RGBImage.size(width: width, height: height, forShortSide: shortSide)
    }

    /// `size(forShortSide:)` for an image of `width × height` that need not exist yet.
    public static func size(width: Int, height: Int, forShortSide shortSide: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (shortSide, Int(Double(shortSide * height) / Double(width)))
        }
        return (Int(Double(shortSide * width) / Double(height)), shortSide)
    }

    /// Resizes so the short side is `shortSide`, keeping the aspect ratio (torchvision `Resize(int)`).
    public func resized(shortSide: Int, filter: ResamplingFilter = .bilinear) throws(ImageProcessingError) -> RGBImage {
        guard shortSide > 0 else { throw .invalidSize(operation: "resize short side", width: shortSide, height: shortSide) }
        let target = size(forShortSide: shortSide)
        if target.width == width && target.height == height { return self }
        return try resized(width: target.width, height: target.height, filter: filter)
    }

    /// The central `width × height` region, placed as torchvision's `CenterCrop` does
    /// (offset `round((size − crop) / 2)`, ties to even like Python's `round`).
    public func centerCropped(width cropWidth: Int, height cropHeight: Int) throws(ImageProcessingError) -> RGBImage {
        guard cropWidth > 0, cropHeight > 0, cropWidth <= width, cropHeight <= height else {
            throw .invalidSize(operation: "center crop of \(width)×\(height) image", width: cropWidth, height: cropHeight)
        }
        let left = Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven))
        let rowBytes = cropWidth * 3
        let count = rowBytes * cropHeight
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            pixels.withUnsafeBufferPointer { input in
                guard let source = input.baseAddress, let target = output.baseAddress else { return }
                for row in 0..<cropHeight {
                    let from = source + ((top + row) * width + left) * 3
                    (target + row * rowBytes).update(from: from, count: rowBytes)
                }
            }
            initialized = count
        }
        return RGBImage(uncheckedWidth: cropWidth, height: cropHeight, pixels: result)
    }
}
