import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VitrineServer

/// Headers the server adds around every route: CORS, security headers, and `HEAD` for `GET` routes.
@Suite struct ResponseHeaderTests {
    static let shop = "https://shop.example"
    static let corsHeaders: [HTTPField.Name] = [.accessControlAllowOrigin, .accessControlAllowMethods, .accessControlAllowHeaders,
                                                .accessControlExposeHeaders, .accessControlMaxAge, .accessControlAllowCredentials]

    @Test func corsIsOffByDefault() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/items", method: .get, headers: [.origin: Self.shop]) { response in
                #expect(response.status == .ok)
                for name in Self.corsHeaders { #expect(response.headers[name] == nil, "\(name)") }
                #expect(response.headers[.vary] == nil)
            }
            try await client.execute(uri: "/items", method: .options, headers: [.origin: Self.shop, .accessControlRequestMethod: "POST"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func listedOriginIsAllowedAndOthersGetNoCORSHeaders() async throws {
        var configuration = AccessTests.keyed()
        configuration.corsOrigins = [Self.shop, "http://localhost:3000"]
        try await withRouter(configuration) { client in
            try await client.execute(uri: "/items/baby-tux", method: .get, headers: [.origin: Self.shop]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == Self.shop)
                #expect(response.headers[values: .vary].contains("Origin"))
            }
            // A refused write still tells the allowed page why (its script can read the 401).
            try await client.execute(uri: "/items/baby-tux", method: .delete, headers: [.origin: "http://localhost:3000"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            }
            for other in ["https://evil.example", "https://shop.example.evil", "null"] {
                try await client.execute(uri: "/items/baby-tux", method: .get, headers: [.origin: other]) { response in
                    #expect(response.status == .ok)
                    for name in Self.corsHeaders { #expect(response.headers[name] == nil, "\(other): \(name)") }
                }
            }
        }
    }

    @Test func preflightIsAnsweredForListedOriginsOnlyAndNeedsNoKey() async throws {
        var configuration = AccessTests.keyed()
        configuration.corsOrigins = [Self.shop]
        let preflight: HTTPFields = [.origin: Self.shop, .accessControlRequestMethod: "POST",
                                     .accessControlRequestHeaders: "authorization, content-type"]
        try await withRouter(configuration) { client in
            for uri in ["/items", "/items/baby-tux", "/users/someone/events"] {
                try await client.execute(uri: uri, method: .options, headers: preflight) { response in
                    #expect(response.status == .noContent, "\(uri)")
                    #expect(response.headers[.accessControlAllowOrigin] == Self.shop)
                    let methods = response.headers[.accessControlAllowMethods] ?? ""
                    for method in ["GET", "POST", "DELETE"] { #expect(methods.contains(method)) }
                    #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
                    #expect(response.headers[values: .vary].contains("Origin"))
                }
            }
            var foreign = preflight
            foreign[.origin] = "https://evil.example"
            try await client.execute(uri: "/items", method: .options, headers: foreign) { response in
                #expect(response.status != .noContent)
                for name in Self.corsHeaders { #expect(response.headers[name] == nil, "\(name)") }
            }
        }
    }

    @Test func securityHeadersAreOnThePageItsFilesAndTheAPI() async throws {
        try await withRouter { client in
            for uri in ["/", "/static/app.js", "/items", "/items/baby-tux/image", "/nowhere"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let csp = response.headers[.contentSecurityPolicy] ?? ""
                    for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
                        #expect(csp.contains(directive), "\(uri): \(directive)")
                    }
                    #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(uri)")
                    #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(uri)")
                }
            }
        }
    }

    /// The CSP allows no inline script or style: the page must not need any, or the browser blocks it.
    @Test func pageNeedsNothingInlineThatThePolicyBlocks() async throws {
        try await withRouter { client in
            let html = try await client.execute(uri: "/", method: .get) { String(buffer: $0.body) }
            let script = try await client.execute(uri: "/static/app.js", method: .get) { String(buffer: $0.body) }
            #expect(!html.isEmpty && !script.isEmpty)
            for pattern in [#"<style"#, #"\sstyle\s*="#, #"\son[a-z]+\s*="#, #"<script(?![^>]*\ssrc=)"#, #"javascript:"#] {
                #expect(html.range(of: pattern, options: [.regularExpression, .caseInsensitive]) == nil, "index.html has \(pattern)")
            }
            // Style attributes set from script (setAttribute("style", …), or el(…, { style: "…" })) are blocked too.
            for pattern in [#"setAttribute\(\s*["']style"#, #"style:\s*[`"']"#, #"\.innerHTML\s*="#, #"\beval\("#, #"new Function\("#] {
                #expect(script.range(of: pattern, options: .regularExpression) == nil, "app.js has \(pattern)")
            }
        }
    }

    @Test func headAnswersLikeGetWithoutABody() async throws {
        let etag = try await withRouter { client in
            try await client.execute(uri: "/items/butterfly/image", method: .get) { $0.headers[.eTag] ?? "" }
        }
        // Files: every header, Content-Length included, must match the GET's.
        let files: [(String, HTTPFields)] = [
            ("/", [:]), ("/static/app.css", [:]), ("/items/butterfly/image", [:]), ("/items/butterfly/image", [.ifNoneMatch: etag]),
        ]
        // JSON routes over the shared catalog, which other suites write to while this runs (item counts,
        // lists): the status, the header names and the empty body must match; the length may not.
        let dynamic = ["/health", "/items?limit=2", "/items/baby-tux", "/items/no-such-item", "/users/csv-user/recommendations?k=2"]
        try await withRouter { client in
            for (uri, headers) in files {
                let get = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                try await client.execute(uri: uri, method: .head, headers: headers) { head in
                    #expect(head.status == get.status, "\(uri)")
                    #expect(head.body.readableBytes == 0, "\(uri)")
                    #expect(Self.fields(head.headers) == Self.fields(get.headers), "\(uri)")
                    if get.status == .ok { #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(uri)") }
                }
            }
            for uri in dynamic {
                let get = try await client.execute(uri: uri, method: .get) { $0 }
                try await client.execute(uri: uri, method: .head) { head in
                    #expect(head.status == get.status && head.body.readableBytes == 0, "\(uri)")
                    #expect(Set(head.headers.map(\.name)) == Set(get.headers.map(\.name)), "\(uri)")
                    #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                }
            }
        }
    }

    /// Header lines, sorted, without `X-Request-ID` (each request gets its own).
    static func fields(_ headers: HTTPFields) -> [String] {
        headers.filter { $0.name.canonicalName != "x-request-id" }.map { "\($0.name.canonicalName): \($0.value)" }.sorted()
    }
}
