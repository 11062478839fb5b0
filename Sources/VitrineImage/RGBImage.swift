/// An 8-bit RGB image: `width × height` pixels stored row by row, three bytes (R, G, B) each.
///
/// This is the value every decoder produces and every later stage consumes. No colour
/// management is applied: bytes are the file's (sRGB-encoded) values, as Pillow returns them.
public struct RGBImage: Sendable, Equatable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Interleaved R, G, B bytes, `width * height * 3` of them, row-major from the top-left.
    public let pixels: [UInt8]

    /// Wraps interleaved RGB bytes; fails when the count does not match the size.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(ImageProcessingError) {
        guard width > 0, height > 0 else {
            throw .invalidSize(operation: "RGBImage", width: width, height: height)
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area <= Int.max / 3, pixels.count == area * 3 else {
            throw .pixelCountMismatch(width: width, height: height, byteCount: pixels.count)
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Internal initializer for buffers whose size the caller has already established.
    init(uncheckedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The (R, G, B) bytes at column `x`, row `y`; nil outside the image.
    public func pixel(x: Int, y: Int) -> (red: UInt8, green: UInt8, blue: UInt8)? {
        guard x >= 0, x < width, y >= 0, y < height else { return nil }
        let offset = (y * width + x) * 3
        return (pixels[offset], pixels[offset + 1], pixels[offset + 2])
    }
}

/// A problem with the arguments of an image operation (resize, crop, tensor conversion).
public enum ImageProcessingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A requested or given size is not positive, or exceeds the source.
    case invalidSize(operation: String, width: Int, height: Int)
    /// The pixel buffer's length is not `width * height * 3`.
    case pixelCountMismatch(width: Int, height: Int, byteCount: Int)
    /// A normalization parameter is unusable (wrong channel count, zero standard deviation).
    case invalidNormalization(String)
    /// Tensors in a batch do not share one shape.
    case batchShapeMismatch(expected: [Int], found: [Int], index: Int)
    /// An operation ran out of memory.
    case outOfMemory(operation: String)

    /// A sentence that explains the problem without the source code.
    public var description: String {
        switch self {
        case let .invalidSize(operation, width, height):
            return "\(operation): invalid size \(width)×\(height)"
        case let .pixelCountMismatch(width, height, byteCount):
            return "RGB image of \(width)×\(height) needs width × height × 3 bytes, got \(byteCount)"
        case let .invalidNormalization(reason):
            return "invalid normalization: \(reason)"
        case let .batchShapeMismatch(expected, found, index):
            return "batch item \(index) has shape \(found), expected \(expected)"
        case let .outOfMemory(operation):
            return "\(operation): out of memory"
        }
    }
}
