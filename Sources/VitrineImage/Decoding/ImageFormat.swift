/// The container format of an image file, recognised from its first bytes (never the name).
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case jpeg = "JPEG", png = "PNG"  // the two this module decodes
    case gif = "GIF", webp = "WebP", bmp = "BMP", tiff = "TIFF", heic = "HEIC", avif = "AVIF"
    case jpeg2000 = "JPEG 2000", jpegXL = "JPEG XL", ico = "ICO", psd = "PSD"
    case unknown = "unknown"

    /// Whether this module can decode the format.
    public var isDecodable: Bool { self == .jpeg || self == .png }

    /// MIME type for `Content-Type` (`application/octet-stream` when unknown).
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .bmp: "image/bmp"
        case .tiff: "image/tiff"
        case .heic: "image/heic"
        case .avif: "image/avif"
        case .jpeg2000: "image/jp2"
        case .jpegXL: "image/jxl"
        case .ico: "image/vnd.microsoft.icon"
        case .psd: "image/vnd.adobe.photoshop"
        case .unknown: "application/octet-stream"
        }
    }

    /// File extension for a stored copy of a decodable picture ("jpg", "png"; others by their name).
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue.lowercased().replacingOccurrences(of: " ", with: "") }

    /// Identifies the format from magic bytes; `.unknown` when nothing matches.
    public static func detect<Bytes: Collection>(in bytes: Bytes) -> ImageFormat where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(16))
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(ascii("GIF87a")) || starts(ascii("GIF89a")) { return .gif }
        if starts(ascii("RIFF")) && starts(ascii("WEBP"), at: 8) { return .webp }
        if starts(ascii("BM")) { return .bmp }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if starts([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts([0xFF, 0x4F, 0xFF, 0x51]) {
            return .jpeg2000
        }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jpegXL }
        if starts(ascii("ftyp"), at: 4), head.count >= 12 {
            // ISO base media file: the major brand says which image codec is inside.
            let brand = String(decoding: head[8..<12], as: UTF8.self)
            if brand == "avif" || brand == "avis" { return .avif }
            if ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"].contains(brand) { return .heic }
        }
        if starts([0x00, 0x00, 0x01, 0x00]) { return .ico }
        if starts(ascii("8BPS")) { return .psd }
        return .unknown
    }
}
