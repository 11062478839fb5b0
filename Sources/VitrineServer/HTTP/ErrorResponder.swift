import Foundation
import Hummingbird
import NIOCore
import VitrineCatalog
import VitrineCore

/// The one place where errors become HTTP statuses: every route throws, this middleware answers
/// `{"error": {"message": ...}}` with the status the error deserves. Bad input is a 4xx, never a 500.
struct ErrorResponder<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, message) = Self.status(for: error)
            if status.code >= 500, !(error is ServerError) { context.logger.error("\(request.method) \(request.uri.path): \(error)") }
            var response = JSONResponse.error(status: status, message: message)
            // RFC 6750: a 401 names the scheme the client should use.
            if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"vitrine\"" }
            // A full encoder queue is overload, not a fault: say when to come back (RFC 9110 §10.2.3), don't log it.
            if case let ServerError.encoderBusy(seconds) = error { response.headers[.retryAfter] = String(seconds) }
            if case CatalogError.store(.unavailable) = error { response.headers[.retryAfter] = "1" }
            return response
        }
    }

    /// Status and client-facing message for any error a route can throw.
    static func status(for error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as ServerError:
            switch error {
            case .invalidParameter, .malformedBody: return (.badRequest, error.description)
            case .bodyTooLarge: return (.contentTooLarge, error.description)
            case .unsupportedMediaType: return (.unsupportedMediaType, error.description)
            case .unknownItem, .noImage: return (.notFound, error.description)
            case .duplicateItem: return (.conflict, error.description)
            case .missingAPIKey, .invalidAPIKey: return (.unauthorized, error.description)
            case .forbidden: return (.forbidden, error.description)
            case .encoderBusy: return (.serviceUnavailable, error.description)
            }
        case let error as CatalogError:
            switch error {
            case .unknownItem: return (.notFound, error.description)
            case .invalidInput, .missingVector: return (.badRequest, error.description)
            case .duplicateItem: return (.conflict, error.description)
            case .encoderUnavailable: return (.serviceUnavailable, error.description)
            // The database is down or restarting: reads are answered from memory, a write cannot be.
            case .store(.unavailable): return (.serviceUnavailable, "the store is unavailable, retry later: \(error.description)")
            case .folderUnreadable, .store, .index: return (.internalServerError, "internal error: \(error.description)")
            }
        case let error as VitrineCoreError:
            switch error {
            case .unknownItem: return (.notFound, error.description)
            case .invalidOption: return (.badRequest, error.description)
            default: return (.internalServerError, "internal error: \(error.description)")
            }
        case is NIOTooManyBytesError:
            return (.contentTooLarge, "request body is larger than the server's upload limit")
        case let error as DecodingError:
            return (.badRequest, "malformed JSON: \(JSONResponse.describe(error))")
        case let error as HTTPError:
            return (error.status, error.body ?? (error.status == .notFound ? "no such endpoint" : error.status.reasonPhrase))
        default:
            return (.internalServerError, "internal error: \(error)")
        }
    }
}
