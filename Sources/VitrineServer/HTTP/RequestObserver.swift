import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus

/// The server's metrics in Prometheus form (`GET /metrics`): request counts and latencies by route template
/// (`/items/{id}`, never the raw path, so a scan of ten thousand URLs makes one series, not ten thousand),
/// encoder queue depth, index sizes. One registry per server, not the process-wide `MetricsSystem`, so two
/// servers in one process (the tests) never mix their numbers.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Latency buckets, seconds: from a cached read (~1 ms) to an upload encoded behind a queue (seconds).
    static let latencyBuckets: [Duration] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10].map { .seconds($0) }

    /// Counts one finished request.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "vitrine", metricName: "http_requests", unitName: "total",
                                                              helpText: "HTTP requests answered, by method, route template and status."),
                             labels: labels).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "vitrine", metricName: "http_request_duration", unitName: "seconds",
                                             helpText: "Time from request head to response, by method and route template."),
            labels: [("method", method), ("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Sets a gauge (created on first use).
    func set(_ name: String, _ value: Double, labels: [(String, String)] = [], help: String) {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "vitrine", metricName: name, unitName: "", helpText: help),
                           labels: labels).set(value)
    }
}

/// Logs every request once it is answered (method, route template, path, status, duration, request id) and
/// counts it in `ServerMetrics`. Outermost middleware, so it sees the final status of errors too. Headers are
/// never logged: `Authorization` carries the API keys.
struct RequestObserver<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    /// The request id a client may send (`X-Request-ID`, e.g. from a reverse proxy) is kept when it is short and
    /// plain; anything else is replaced, so a log line can never be forged through it.
    static func requestID(from header: String?, fallback: String) -> String {
        guard let header, (1...64).contains(header.utf8.count),
              header.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0)) })
        else { return fallback }
        return header
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let generated = context.logger[metadataKey: "hb.request.id"]?.description ?? UUID().uuidString
        let id = Self.requestID(from: request.headers[.xRequestID], fallback: generated)
        var status = 500
        defer {
            let duration = ContinuousClock.now - start
            // Unmatched paths share one label (Hummingbird names them "NotFound" or nothing): scanners must not
            // create a series per URL.
            let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched"
            let method = request.method == .head ? "HEAD" : request.method.rawValue
            metrics.record(method: method, route: route, status: status, duration: duration)
            let (seconds, attoseconds) = duration.components
            let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            // A 503 is the encoder queue saying "busy": overload worth seeing, not a fault.
            let level: Logger.Level = status == 503 ? .notice : status >= 500 ? .error : .info
            context.logger.log(level: level, "request", metadata: [
                "request_id": .string(id), "method": .string(method), "route": .string(route), "path": .string(request.uri.path),
                "status": .stringConvertible(status), "duration_ms": .string(String(format: "%.2f", milliseconds)),
            ])
        }
        var response = try await next(request, context)
        status = response.status.code
        response.headers[.xRequestID] = id
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`: ties a response to its log line.
    static var xRequestID: Self { .init("X-Request-ID")! }
}
