import Foundation

/// Picture formats recognised by their first bytes (never by a client-supplied name or type).
public enum ImageFormat: String, Sendable, Equatable {
    case jpeg, png, gif, webp

    /// The format whose signature starts `bytes`, or nil.
    public init?(sniffing bytes: some Collection<UInt8>) {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { self = .jpeg }
        else if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if head.starts(with: Array("GIF8".utf8)) { self = .gif }
        else if head.count == 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { self = .webp }
        else { return nil }
    }

    /// MIME type for `Content-Type`.
    public var mimeType: String {
        switch self {
        case .jpeg: return "image/jpeg"
        case .png: return "image/png"
        case .gif: return "image/gif"
        case .webp: return "image/webp"
        }
    }

    /// File extension used when storing an upload.
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// True for the formats the image encoder decodes (JPEG, PNG).
    public var isEncodable: Bool { self == .jpeg || self == .png }

    /// Checks an upload: a JPEG or PNG, else `.unsupportedMediaType` naming what was found.
    static func requireEncodable(_ bytes: [UInt8], field: String) throws -> ImageFormat {
        guard let format = ImageFormat(sniffing: bytes) else {
            let shown = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw ServerError.unsupportedMediaType(field: field, detected: bytes.isEmpty ? "empty file" : "unrecognised bytes \(shown)…")
        }
        guard format.isEncodable else { throw ServerError.unsupportedMediaType(field: field, detected: format.mimeType) }
        return format
    }
}
