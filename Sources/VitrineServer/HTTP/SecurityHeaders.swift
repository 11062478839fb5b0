import HTTPTypes
import Hummingbird

/// Headers every response carries, page and API alike: the page's content security policy, no MIME
/// sniffing, no referrer, no framing.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    /// The page's own `/static/app.js` and `/static/app.css`, pictures from this server, `fetch` to this
    /// server: nothing inline, nothing from elsewhere, never in a frame. (The page sets its one dynamic style,
    /// the score bar's `--image`, through CSSOM, which `style-src 'self'` allows.)
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    }

    static var fields: HTTPFields { [
        .contentSecurityPolicy: contentSecurityPolicy,
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for field in Self.fields where !response.headers.contains(field.name) { response.headers.append(field) }
        return response
    }
}
