import Foundation
import HTTPTypes
import Hummingbird

/// CORS for an allow-list of origins (`ServerConfiguration.corsOrigins`). With an empty list nothing is
/// added, so browsers keep other sites' pages from reading the API. A listed `Origin` gets
/// `Access-Control-Allow-Origin` naming it, and its preflight `OPTIONS` is answered here, before routing
/// and before any key check (a preflight never carries the key). Other origins get no CORS headers.
struct CrossOrigin<Context: RequestContext>: RouterMiddleware {
    /// Allowed origins, lowercased (`https://shop.example`).
    let origins: Set<String>

    static var allowedMethods: String { "GET, HEAD, POST, DELETE, OPTIONS" }
    static var allowedHeaders: String { "Authorization, Content-Type" }

    init(origins: [String]) { self.origins = Set(origins.map { $0.lowercased() }) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !origins.isEmpty else { return try await next(request, context) }
        guard let origin = request.headers[.origin], origins.contains(origin.lowercased()) else {
            var response = try await next(request, context)
            // The answer depends on Origin once CORS is on: caches must not hand this one to a listed origin.
            response.headers.append(HTTPField(name: .vary, value: "Origin"))
            return response
        }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent, headers: [
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlMaxAge: "600",
            ])
        } else {
            response = try await next(request, context)
            response.headers[.accessControlExposeHeaders] = "Location, WWW-Authenticate"
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}
