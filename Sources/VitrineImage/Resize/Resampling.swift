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
        return try Self.resampledWindow(
            of: pixels, part: (0, 0, self.width, self.height), sourceWidth: self.width, sourceHeight: self.height,
            width: width, height: height, window: (0, 0, width, height), filter: filter)
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
        let origin = Self.centerCropOrigin(width: width, height: height, cropWidth: cropWidth, cropHeight: cropHeight)
        return try Self.resampledWindow(
            of: pixels, part: (0, 0, self.width, self.height), sourceWidth: self.width, sourceHeight: self.height,
            width: width, height: height, window: (origin.left, origin.top, cropWidth, cropHeight), filter: filter)
    }

    /// Where a centre crop of `cropWidth × cropHeight` starts in a `width × height` image, as
    /// torchvision's `CenterCrop` places it: `round((size − crop) / 2)`, ties to even like Python.
    public static func centerCropOrigin(width: Int, height: Int, cropWidth: Int, cropHeight: Int) -> (left: Int, top: Int) {
        (Int((Double(width - cropWidth) / 2).rounded(.toNearestOrEven)),
         Int((Double(height - cropHeight) / 2).rounded(.toNearestOrEven)))
    }

    /// The `window` of a `width × height` resize of a `sourceWidth × sourceHeight` image, from
    /// `pixels` holding the source's `part` (x, y, width, height; packed rows) — the whole image or
    /// a region-decoded JPEG covering what the window reads.
    static func resampledWindow(
        of pixels: [UInt8], part: (x: Int, y: Int, width: Int, height: Int), sourceWidth: Int, sourceHeight: Int,
        width: Int, height: Int, window: (left: Int, top: Int, width: Int, height: Int), filter: ResamplingFilter
    ) throws(ImageProcessingError) -> RGBImage {
        let count = window.width * window.height * 3
        var status: Int32 = 0
        let cFilter = filter == .bilinear ? VITRINE_FILTER_BILINEAR : VITRINE_FILTER_BICUBIC
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            status = pixels.withUnsafeBufferPointer { input in
                var source = vitrine_rgb8_part(pixels: input.baseAddress, stride: part.width * 3, x: Int32(part.x), y: Int32(part.y),
                                               width: Int32(part.width), height: Int32(part.height))
                return vitrine_resample_rgb8_part(
                    &source, Int32(sourceWidth), Int32(sourceHeight), Int32(width), Int32(height), Int32(window.left),
                    Int32(window.top), Int32(window.width), Int32(window.height), output.baseAddress, Int32(cFilter.rawValue))
            }
            initialized = status == 0 ? count : 0
        }
        guard status == 0 else { throw .outOfMemory(operation: "resize to \(width)×\(height)") }
        return RGBImage(uncheckedWidth: window.width, height: window.height, pixels: result)
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
        let (left, top) = Self.centerCropOrigin(width: width, height: height, cropWidth: cropWidth, cropHeight: cropHeight)
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
