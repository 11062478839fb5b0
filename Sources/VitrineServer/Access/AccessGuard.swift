import Foundation
import Hummingbird

/// What a route asks of the caller; each route is registered with one (`VitrineServer.routes(_:needing:)`).
enum RouteAccess: Sendable {
    /// Anyone: the web page, its files, `/health`.
    case open
    /// Catalog and user reads (GET, search): anyone, or any valid key with `requireKeyForReads`.
    case read
    /// A key whose role grants `role`, once keys are configured (none configured: open, loopback only).
    case write(APIKeyRole)
}

/// Checks the `Authorization: Bearer KEY` of requests to a group of routes against the server's keys.
/// Failures are thrown as `ServerError` so `ErrorResponder` answers them (401 with `WWW-Authenticate`, 403).
struct AccessGuard<Context: RequestContext>: RouterMiddleware {
    let access: RouteAccess
    let keys: APIKeys
    let requireKeyForReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch access {
        case .open:
            break
        case .read:
            if requireKeyForReads { _ = try role(of: request) }
        case let .write(needed):
            guard !keys.isEmpty else { break }
            guard try role(of: request).grants(needed) else { throw ServerError.forbidden(needed: needed) }
        }
        return try await next(request, context)
    }

    /// The role of the request's bearer key.
    /// - Throws: `.missingAPIKey` without a bearer token, `.invalidAPIKey` for a token that is no key.
    private func role(of request: Request) throws -> APIKeyRole {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw ServerError.missingAPIKey }
        guard let role = keys.role(of: token) else { throw ServerError.invalidAPIKey }
        return role
    }

    /// The token of an `Authorization: Bearer TOKEN` header (scheme case-insensitive, RFC 7235), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

extension VitrineServer {
    /// A group of `router` whose routes need `access`: the one place a route's role is stated.
    func routes(_ router: Router<BasicRequestContext>, needing access: RouteAccess) -> RouterGroup<BasicRequestContext> {
        router.group().add(middleware: AccessGuard(access: access, keys: configuration.apiKeys,
                                                   requireKeyForReads: configuration.requireKeyForReads))
    }
}
