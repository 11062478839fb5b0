import Foundation

/// Request problems the server itself detects; each maps to one HTTP status in `ErrorResponder`.
public enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A query parameter is missing, not a number, or out of range.
    case invalidParameter(name: String, reason: String)
    /// The body is not the JSON (or form) the endpoint expects.
    case malformedBody(reason: String)
    /// The body exceeds `ServerConfiguration.maxUploadBytes`.
    case bodyTooLarge(limit: Int)
    /// An upload is not a JPEG or PNG (by its first bytes), or the body's content type is not accepted.
    case unsupportedMediaType(field: String, detected: String)
    /// No item with this id.
    case unknownItem(id: String)
    /// The item has no picture the server can send.
    case noImage(id: String)
    /// An item with this id already exists.
    case duplicateItem(id: String)
    /// A route that needs an API key was called without `Authorization: Bearer KEY`.
    case missingAPIKey
    /// The bearer token is none of the server's keys (the token itself is never repeated).
    case invalidAPIKey
    /// A valid key whose role does not grant `needed`.
    case forbidden(needed: APIKeyRole)
    /// The encoder queue is full (`ServerConfiguration.maxRunningEncoderJobs` running and
    /// `maxWaitingEncoderJobs` waiting): 503, with `Retry-After: retryAfterSeconds`.
    case encoderBusy(retryAfterSeconds: Int)

    /// A sentence a client developer understands without the source.
    public var description: String {
        switch self {
        case let .invalidParameter(name, reason): return "invalid parameter '\(name)': \(reason)"
        case let .malformedBody(reason): return "malformed request body: \(reason)"
        case let .bodyTooLarge(limit): return "request body is larger than the limit of \(limit) bytes"
        case let .unsupportedMediaType(field, detected):
            return "\(field): unsupported media type (\(detected)); send a JPEG or PNG picture"
        case let .unknownItem(id): return "no item with id '\(id)'"
        case let .noImage(id): return "item '\(id)' has no picture"
        case let .duplicateItem(id): return "item id '\(id)' already exists"
        case .missingAPIKey: return "this endpoint needs an API key: send 'Authorization: Bearer KEY'"
        case .invalidAPIKey: return "the API key is not valid"
        case let .forbidden(needed):
            return "this API key may not do this: it needs the '\(needed)' role" + (needed == .admin ? "" : " (or 'admin')")
        case let .encoderBusy(seconds):
            return "the server is busy encoding other requests' pictures and texts; retry in \(seconds) s"
        }
    }
}
