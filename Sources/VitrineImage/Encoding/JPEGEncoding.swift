import CVitrineImageShim

/// Why an image could not be written as a file.
public enum ImageEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JPEG quality outside 1…100.
    case invalidQuality(Int)
    /// The image is larger than the format allows (JPEG: 65 500 pixels a side).
    case tooLarge(width: Int, height: Int)
    /// The encoder ran out of memory.
    case outOfMemory(width: Int, height: Int)

    /// A sentence that explains the problem without the source code.
    public var description: String {
        switch self {
        case let .invalidQuality(quality): return "JPEG quality must be 1…100, got \(quality)"
        case let .tooLarge(width, height): return "a \(width)×\(height) image is too large for JPEG (at most 65500 pixels a side)"
        case let .outOfMemory(width, height): return "encoding a \(width)×\(height) JPEG: out of memory"
        }
    }
}

extension RGBImage {
    /// This image as a baseline JPEG file (libjpeg's defaults: 4:2:0 chroma, optimized Huffman tables),
    /// e.g. for thumbnails. No EXIF: the pixels are already upright.
    /// - Parameter quality: libjpeg quality, 1…100 (85 keeps photos free of visible artefacts at about a
    ///   tenth of the size of quality 100).
    public func jpegData(quality: Int = 85) throws(ImageEncodingError) -> [UInt8] {
        guard (1...100).contains(quality) else { throw .invalidQuality(quality) }
        guard width <= 65_500, height <= 65_500 else { throw .tooLarge(width: width, height: height) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let status = pixels.withUnsafeBufferPointer { buffer in
            vitrine_jpeg_encode_rgb(buffer.baseAddress, Int32(width), Int32(height), Int32(quality), &output, &size)
        }
        defer { vitrine_jpeg_free(output) }
        guard status == Int32(VITRINE_STATUS_OK.rawValue), let output else { throw .outOfMemory(width: width, height: height) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
