import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import VitrineServer

/// Request logs and `/metrics`.
@Suite struct ObservabilityTests {
    /// Runs `body` against a router of its own server (its own metrics), logging into `sink`.
    func withServer(_ configuration: ServerConfiguration = ServerConfiguration(), sink: LogSink = LogSink(),
                    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = try ServerFixture.shared.get().server(configuration)
        let logger = Logger(label: "test") { _ in sink.handler() }
        try await Application(router: server.makeRouter(), logger: logger).test(.router) { client in try await body(client) }
    }

    /// The value of the series `name{labels}` in Prometheus text, or nil when it is absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsCountRequestsByRouteTemplateNotRawPath() async throws {
        try await withServer { client in
            for uri in ["/items/baby-tux", "/items/butterfly", "/items/no-such-item", "/nowhere/1", "/nowhere/2", "/items?limit=1"] {
                _ = try await client.execute(uri: uri, method: .get) { $0.status }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(Self.sample(text, #"vitrine_http_requests_total{method="GET",route="/items/{id}",status="200"}"#) == 2)
                #expect(Self.sample(text, #"vitrine_http_requests_total{method="GET",route="/items/{id}",status="404"}"#) == 1)
                #expect(Self.sample(text, #"vitrine_http_requests_total{method="GET",route="unmatched",status="404"}"#) == 2,
                        "\(text.split(separator: "\n").filter { $0.hasPrefix("vitrine_http_requests_total") })")
                #expect(Self.sample(text, #"vitrine_http_requests_total{method="GET",route="/items",status="200"}"#) == 1)
                #expect(!text.contains("baby-tux") && !text.contains("/nowhere"), "raw paths leaked into labels")
                #expect(Self.sample(text, #"vitrine_http_request_duration_seconds_count{method="GET",route="/items/{id}"}"#) == 3)
                #expect(text.contains(#"vitrine_http_request_duration_seconds_bucket{method="GET",route="/items/{id}",le="0.001"}"#))
                #expect(Self.sample(text, #"vitrine_encoder_jobs{state="waiting"}"#) == 0)
                #expect(Self.sample(text, #"vitrine_encoder_jobs{state="running"}"#) == 0)
                #expect((Self.sample(text, "vitrine_catalog_items") ?? 0) >= Double(ServerFixture.itemIDs.count))
                #expect((Self.sample(text, #"vitrine_index_vectors{space="image"}"#) ?? 0) >= Double(ServerFixture.itemIDs.count))
                #expect((Self.sample(text, "vitrine_store_size_bytes") ?? 0) > 0)
                #expect(text.contains("# HELP vitrine_http_requests_total") && text.contains("# TYPE vitrine_http_requests_total counter"))
            }
        }
    }

    @Test func metricsNeedTheAdminKeyWhenKeysAreConfigured() async throws {
        try await withServer(AccessTests.keyed()) { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: AccessTests.bearer(AccessTests.ingestKey)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: AccessTests.bearer(AccessTests.adminKey)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func everyRequestIsLoggedOnceWithRouteStatusDurationAndIDButNeverTheKey() async throws {
        let sink = LogSink()
        try await withServer(AccessTests.keyed(), sink: sink) { client in
            try await client.execute(uri: "/items/baby-tux", method: .get, headers: [.authorization: "Bearer \(AccessTests.adminKey)",
                                                                                   HTTPField.Name("X-Request-ID")!: "proxy-42"]) {
                #expect($0.headers[HTTPField.Name("X-Request-ID")!] == "proxy-42")
            }
            try await client.execute(uri: "/items/ghost", method: .delete, headers: AccessTests.bearer(AccessTests.ingestKey)) {
                #expect($0.status == .forbidden)
                let id = $0.headers[HTTPField.Name("X-Request-ID")!] ?? ""
                #expect(!id.isEmpty && id != "proxy-42")
            }
            // A client id that could forge log lines or fill them is replaced.
            let long = String(repeating: "x", count: 65)
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-ID")!: long]) {
                #expect($0.headers[HTTPField.Name("X-Request-ID")!] != long)
            }
        }
        let requests = sink.entries.filter { $0.message == "request" }
        #expect(requests.count == 3)
        let read = try #require(requests.first { $0.metadata["route"] == "/items/{id}" && $0.metadata["method"] == "GET" })
        #expect(read.metadata["status"] == "200" && read.metadata["request_id"] == "proxy-42" && read.metadata["path"] == "/items/baby-tux")
        #expect(Double(read.metadata["duration_ms"] ?? "") != nil)
        let refused = try #require(requests.first { $0.metadata["method"] == "DELETE" })
        #expect(refused.metadata["status"] == "403" && refused.metadata["route"] == "/items/{id}")
        for entry in sink.entries {
            let text = entry.message + entry.metadata.values.joined(separator: " ")
            #expect(!text.contains(AccessTests.adminKey) && !text.contains(AccessTests.ingestKey), "a key was logged: \(text)")
        }
    }
}

/// Collects log entries (message and metadata as text) from every logger it makes handlers for.
final class LogSink: @unchecked Sendable {
    struct Entry { let level: Logger.Level; let message: String; let metadata: [String: String] }

    // `@unchecked Sendable`: `lock` guards `stored`.
    private let lock = NSLock()
    private var stored: [Entry] = []

    var entries: [Entry] { lock.withLock { stored } }

    func append(_ entry: Entry) { lock.withLock { stored.append(entry) } }

    func handler() -> Handler { Handler(sink: self) }

    struct Handler: LogHandler {
        let sink: LogSink
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.append(Entry(level: event.level, message: event.message.description, metadata: merged.mapValues { $0.description }))
        }
    }
}
