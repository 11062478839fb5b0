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
        let uploads = configuration.uploadsFolder ?? catalog.storeURL.deletingLastPathComponent().appendingPathComponent("uploads")
        media = MediaLibrary(root: root, uploads: uploads)
        files = StaticFiles()
    }

    /// The router with every endpoint: security headers and CORS around the error responder, each route
    /// behind the key check its `RouteAccess` asks for, and `HEAD` answered for every `GET` route.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost first: every response, errors included, gets the security and CORS headers.
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
        return router
    }

    /// An application bound to `configuration.host:port`.
    public func makeApplication(logger: Logger? = nil, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol {
        Application(router: makeRouter(),
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Vitrine"),
                    onServerRunning: onServerRunning, logger: logger)
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
