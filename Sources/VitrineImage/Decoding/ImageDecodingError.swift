/// Why an image file could not be turned into pixels. Every case names the file (the path or
/// the label the caller gave for in-memory bytes) so a message in a log is actionable alone.
public enum ImageDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read at all (missing, permissions, I/O).
    case unreadable(file: String, reason: String)
    /// The file holds zero bytes.
    case empty(file: String)
    /// The data stops before the image is complete.
    case truncated(file: String, detail: String)
    /// The data is malformed (bad markers, broken compressed data, failed checksums).
    case corrupt(file: String, detail: String)
    /// The bytes are a format this module does not decode, or no image format at all.
    case unsupportedFormat(file: String, detected: ImageFormat)
    /// The header declares more pixels than the limit; rejected before any pixel memory is allocated.
    case tooLarge(file: String, width: Int, height: Int, limit: Int)
    /// The decoder could not allocate memory for the image.
    case outOfMemory(file: String)

    /// The file (path or label) the error is about.
    public var file: String {
        switch self {
        case let .unreadable(file, _), let .empty(file), let .truncated(file, _), let .corrupt(file, _),
            let .unsupportedFormat(file, _), let .tooLarge(file, _, _, _), let .outOfMemory(file):
            return file
        }
    }

    /// A sentence that explains the problem without the source code.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read image file (\(reason))"
        case let .empty(file):
            return "\(file): image file is empty (0 bytes)"
        case let .truncated(file, detail):
            return "\(file): image data is truncated (\(detail))"
        case let .corrupt(file, detail):
            return "\(file): image data is corrupt (\(detail))"
        case let .unsupportedFormat(file, detected):
            if detected == .unknown {
                return "\(file): unsupported image format: not a recognised image (unknown format)"
            }
            return "\(file): unsupported image format \(detected.rawValue) (only JPEG and PNG are decoded)"
        case let .tooLarge(file, width, height, limit):
            return "\(file): image of \(width)×\(height) = \(width * height) pixels exceeds the limit of "
                + "\(limit) pixels (possible decompression bomb)"
        case let .outOfMemory(file):
            return "\(file): out of memory while decoding image"
        }
    }
}
