import Foundation
import Hummingbird
import Logging
import NIOCore
import VitrineCatalog
import VitrineCore

/// The HTTP front door of a catalog: the JSON API and the web page, on Hummingbird.
///
/// Reads run concurrently (the catalog's indexes are behind a read-write lock); writes (items, events)
/// are serialized by the catalog and the store. Encoder work runs off the cooperative thread pool, through
/// a bounded queue (`encoderQueue`) that answers 503 when it is full.
public struct VitrineServer: Sendable {
    /// The catalog served.
    public let catalog: Catalog
    /// Limits and binding.
    public let configuration: ServerConfiguration
    /// The queue every encoder call goes through; its `depth` is the server's encoder load.
    public let encoderQueue: EncoderQueue
    /// The same kind of bounded queue for making thumbnails (decode + resize + JPEG): a flood of requests for
    /// new sizes gets 503 instead of a pile of full-size decodes.
    let thumbnailQueue: EncoderQueue
    let thumbnails: ThumbnailCache
    let metrics = ServerMetrics()
    let activity: UserActivity
    let media: MediaLibrary
    let files: StaticFiles

    /// Thumbnails answered from memory, thumbnails made, and the bytes and entries the cache holds now.
    public var thumbnailStatistics: (hits: Int, generated: Int, bytes: Int, entries: Int) { thumbnails.statistics }

    /// Prepares a server for `catalog`; nothing listens until `run()`.
    public init(catalog: Catalog, configuration: ServerConfiguration = ServerConfiguration()) {
        self.catalog = catalog
        self.configuration = configuration
        encoderQueue = EncoderQueue(maxRunning: configuration.maxRunningEncoderJobs, maxWaiting: configuration.maxWaitingEncoderJobs,
                                    retryAfterSeconds: configuration.busyRetryAfterSeconds)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        thumbnailQueue = EncoderQueue(maxRunning: cores, maxWaiting: 4 * cores, retryAfterSeconds: configuration.busyRetryAfterSeconds)
        thumbnails = ThumbnailCache(capacityBytes: configuration.thumbnailCacheBytes)
        activity = UserActivity(catalog: catalog)
        let recorded = (try? catalog.setting(ServerConfiguration.mediaRootMetaKey)).flatMap { $0 }
        let root = configuration.mediaRoot ?? recorded.map { URL(fileURLWithPath: $0) }
        // Beside an SQLite file; for a database server, in the working directory's default store folder.
        let uploads = configuration.uploadsFolder ?? (catalog.isStoredInFile ? catalog.storeURL : URL(fileURLWithPath: CatalogOptions.defaultStorePath))
            .deletingLastPathComponent().appendingPathComponent("uploads")
        media = MediaLibrary(root: root, uploads: uploads)
        files = StaticFiles()
    }

    /// The router with every endpoint: security headers and CORS around the error responder, each route
    /// behind the key check its `RouteAccess` asks for, and `HEAD` answered for every `GET` route.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost first: every request is logged and counted with its final status; every response, errors
        // included, gets the security and CORS headers.
        router.add(middleware: RequestObserver(metrics: metrics))
        router.add(middleware: SecurityHeaders())
        router.add(middleware: CrossOrigin(origins: configuration.corsOrigins))
        router.add(middleware: ErrorResponder())
        addItemRoutes(to: router)
        addSearchRoutes(to: router)
        addUserRoutes(to: router)
        let files = files, open = routes(router, needing: .open)
        open.get("/") { _, _ in try files.response(for: "index.html") ?? JSONResponse.make(["status": "no web page bundled"]) }
        open.get("/static/{file}") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let response = files.response(for: name) else { throw HTTPError(.notFound, message: "no static file '\(name)'") }
            return response
        }
        open.get("/health") { [catalog] _, _ in
            try JSONResponse.make(HealthJSON(status: "ok", items: catalog.count))
        }
        // Traffic and catalog sizes say how the shop is used: with keys configured, only an admin key reads them.
        routes(router, needing: .write(.admin)).get("/metrics") { _, _ in
            var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try metricsText())))
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            response.headers[.cacheControl] = "no-store"
            return response
        }
        return router
    }

    /// An application bound to `configuration.host:port`, with its idle and body timeouts and connection cap.
    public func makeApplication(logger: Logger? = nil, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol {
        let logger = logger ?? Self.defaultLogger()
        return Application(router: makeRouter(), server: configuration.httpServer(logger: logger),
                           configuration: configuration.applicationConfiguration, onServerRunning: onServerRunning, logger: logger)
    }

    /// `Vitrine` at `info` (one line per request), or the level in `LOG_LEVEL` (`debug`, `notice`, `error`, …).
    static func defaultLogger() -> Logger {
        var logger = Logger(label: "Vitrine")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        return logger
    }

    /// The Prometheus text of `/metrics`: request counters and latency histograms, plus gauges read now
    /// (encoder and thumbnail queues, thumbnail cache, index and store sizes).
    /// - Throws: `CatalogError.store` when the store's size cannot be read.
    func metricsText() throws -> [UInt8] {
        let info = try catalog.info()
        let encoder = encoderQueue.depth, thumbnailJobs = thumbnailQueue.depth, cache = thumbnails.statistics
        metrics.set("encoder_jobs", Double(encoder.running), labels: [("state", "running")], help: "Encoder jobs running or waiting for a slot.")
        metrics.set("encoder_jobs", Double(encoder.waiting), labels: [("state", "waiting")], help: "Encoder jobs running or waiting for a slot.")
        metrics.set("thumbnail_jobs", Double(thumbnailJobs.running), labels: [("state", "running")], help: "Thumbnail generations running or waiting.")
        metrics.set("thumbnail_jobs", Double(thumbnailJobs.waiting), labels: [("state", "waiting")], help: "Thumbnail generations running or waiting.")
        metrics.set("thumbnail_cache_bytes", Double(cache.bytes), help: "Bytes of thumbnails kept in memory.")
        metrics.set("thumbnail_cache_entries", Double(cache.entries), help: "Thumbnails kept in memory.")
        metrics.set("catalog_items", Double(info.itemCount), help: "Items in the catalog.")
        for (space, count) in [("image", info.imageVectorCount), ("text", info.textVectorCount), ("fused", info.fusedVectorCount)] {
            metrics.set("index_vectors", Double(count), labels: [("space", space)], help: "Vectors in each similarity index.")
        }
        metrics.set("store_events", Double(info.eventCount), help: "Interaction events in the store.")
        metrics.set("store_size_bytes", Double(info.storeSizeBytes), help: "Bytes of the store file and its write-ahead log.")
        return metrics.registry.emitToBuffer()
    }

    /// Serves until the process is interrupted.
    /// - Throws: `ServerConfigurationError` for a configuration `validate()` refuses, before binding.
    public func run() async throws {
        try configuration.validate()
        try await makeApplication().runService()
    }
}

struct HealthJSON: Codable {
    var status: String
    var items: Int
}

extension VitrineServer {
    /// Recommendations for `user` as printable lines ("Title [id] — why"), for the CLI's demo output.
    /// - Throws: catalog and store errors.
    public func sampleRecommendations(for user: String, limit: Int = 5) throws -> [String] {
        let list = try activity.recommendations(for: user, options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: limit)))
        return list.items.map { "\($0.item.title) [\($0.item.id)] — \($0.summary)" }
    }
}
