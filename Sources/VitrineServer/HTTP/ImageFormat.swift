import Foundation
import VitrineImage

extension ImageFormat {
    /// Checks an upload by its bytes (never a client-supplied name or type): a JPEG or PNG, else
    /// `.unsupportedMediaType` naming what was found.
    static func requireEncodable(_ bytes: [UInt8], field: String) throws -> ImageFormat {
        let format = ImageFormat.detect(in: bytes)
        guard format != .unknown else {
            let shown = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw ServerError.unsupportedMediaType(field: field, detected: bytes.isEmpty ? "empty file" : "unrecognised bytes \(shown)…")
        }
        guard format.isDecodable else { throw ServerError.unsupportedMediaType(field: field, detected: format.mimeType) }
        return format
    }
}
