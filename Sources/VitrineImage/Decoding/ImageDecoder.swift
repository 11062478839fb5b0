import CVitrineImageShim
import Foundation

/// Options that bound and shape a decode.
public struct ImageDecodingOptions: Sendable, Equatable {
    /// Largest accepted `width × height`, checked from the header before allocating.
    /// The default, 64 megapixels, admits every camera photo and stops decompression bombs.
    public var pixelLimit: Int
    /// When set, a JPEG is decoded with libjpeg's DCT scaling at the smallest N/8 whose short
    /// side is still at least this many pixels, so a 12 MP photo needed at 256 px never exists
    /// at full size. PNG has no such shortcut and ignores it.
    public var minimumShortSide: Int?
    /// Rotate/flip JPEGs as their EXIF Orientation tag says (what a viewer shows).
    public var appliesEXIFOrientation: Bool
    /// Treat libjpeg's recoverable warnings ("Corrupt JPEG data: ...") as errors. When false,
    /// such images are accepted as libjpeg repaired them. Truncation is always an error.
    public var rejectsCorruptJPEGData: Bool

    /// Creates options; every parameter has the documented default.
    public init(
        pixelLimit: Int = 64_000_000,
        minimumShortSide: Int? = nil,
        appliesEXIFOrientation: Bool = true,
        rejectsCorruptJPEGData: Bool = true
    ) {
        self.pixelLimit = pixelLimit
        self.minimumShortSide = minimumShortSide
        self.appliesEXIFOrientation = appliesEXIFOrientation
        self.rejectsCorruptJPEGData = rejectsCorruptJPEGData
    }
}

/// A decoded image with the size its file declares (after EXIF orientation). The two differ
/// when a JPEG was decoded with DCT scaling; resize targets computed from the declared size
/// keep the geometry a full decode would have had.
public struct DecodedImage: Sendable, Equatable {
    /// The pixels as decoded (possibly reduced by DCT scaling).
    public let image: RGBImage
    /// Width declared by the file, after orientation.
    public let sourceWidth: Int
    /// Height declared by the file, after orientation.
    public let sourceHeight: Int
}

/// Decodes JPEG and PNG files into `RGBImage`s, choosing the decoder by magic bytes.
public enum ImageDecoder {
    /// Reads and decodes the file at `url`; errors name `url.path`.
    public static func decode(
        contentsOf url: URL, options: ImageDecodingOptions = ImageDecodingOptions()
    ) throws(ImageDecodingError) -> RGBImage {
        try decodeKeepingSourceSize(contentsOf: url, options: options).image
    }

    /// Decodes in-memory file bytes; `name` is what error messages call the data.
    public static func decode(
        _ bytes: [UInt8], name: String, options: ImageDecodingOptions = ImageDecodingOptions()
    ) throws(ImageDecodingError) -> RGBImage {
        try decodeKeepingSourceSize(bytes, name: name, options: options).image
    }

    /// Like `decode(contentsOf:options:)`, also reporting the size the file declares.
    public static func decodeKeepingSourceSize(
        contentsOf url: URL, options: ImageDecodingOptions = ImageDecodingOptions()
    ) throws(ImageDecodingError) -> DecodedImage {
        try decodeKeepingSourceSize(readFile(url), name: url.path, options: options)
    }

    /// The bytes of the file at `url`; a read failure is `.unreadable` naming `url.path`.
    static func readFile(_ url: URL) throws(ImageDecodingError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
    }

    /// Like `decode(_:name:options:)`, also reporting the size the file declares.
    public static func decodeKeepingSourceSize(
        _ bytes: [UInt8], name: String, options: ImageDecodingOptions = ImageDecodingOptions()
    ) throws(ImageDecodingError) -> DecodedImage {
        guard !bytes.isEmpty else { throw .empty(file: name) }
        let format = ImageFormat.detect(in: bytes)
        switch format {
        case .jpeg:
            return try JPEGDecoding.decode(bytes, name: name, options: options)
        case .png:
            let image = try PNGDecoding.decode(bytes, name: name, options: options)
            return DecodedImage(image: image, sourceWidth: image.width, sourceHeight: image.height)
        default:
            throw .unsupportedFormat(file: name, detected: format)
        }
    }

    /// Decodes in-memory file bytes held in `Data`; `name` is what error messages call the data.
    public static func decode(
        _ data: Data, name: String, options: ImageDecodingOptions = ImageDecodingOptions()
    ) throws(ImageDecodingError) -> RGBImage {
        try decode([UInt8](data), name: name, options: options)
    }

    /// Checks a header's size against the limit without overflowing on hostile values.
    static func checkPixelLimit(width: Int, height: Int, name: String, limit: Int) throws(ImageDecodingError) {
        guard width > 0, height > 0 else {
            throw .corrupt(file: name, detail: "header declares an empty image (\(width)×\(height))")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > limit {
            throw .tooLarge(file: name, width: width, height: height, limit: limit)
        }
    }

    /// Maps a shim status (other than OK) onto the matching error.
    static func error(status: Int32, message: String, name: String) -> ImageDecodingError {
        switch UInt32(bitPattern: status) {
        case VITRINE_STATUS_TRUNCATED.rawValue:
            return .truncated(file: name, detail: message.isEmpty ? "premature end of data" : message)
        case VITRINE_STATUS_OUT_OF_MEMORY.rawValue:
            return .outOfMemory(file: name)
        default:
            return .corrupt(file: name, detail: message.isEmpty ? "decoder failed" : message)
        }
    }
}

extension ImageDecoder {
    /// Runs `body` on the C decoder `open` makes over `bytes`, and frees it with `close` whatever
    /// `body` does; a decoder that cannot be made is `.outOfMemory`. `body` also gets the error for a
    /// failed shim call's status (with the decoder's `message`, naming the file).
    static func withDecoder<T>(over bytes: [UInt8], name: String, open: (UnsafePointer<UInt8>?, Int) -> OpaquePointer?,
                               close: (OpaquePointer) -> Void, message: @escaping (OpaquePointer) -> UnsafePointer<CChar>?,
                               _ body: (OpaquePointer, _ failure: (Int32) -> ImageDecodingError) throws(ImageDecodingError) -> T)
        throws(ImageDecodingError) -> T {
        let result: Result<T, ImageDecodingError> = bytes.withUnsafeBufferPointer { buffer in
            guard let decoder = open(buffer.baseAddress, buffer.count) else { return .failure(.outOfMemory(file: name)) }
            defer { close(decoder) }
            let failure = { (status: Int32) in error(status: status, message: message(decoder).map { String(cString: $0) } ?? "", name: name) }
            return Result { () throws(ImageDecodingError) -> T in try body(decoder, failure) }
        }
        return try result.get()
    }
}
