import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineServer

/// Shared HTTP flags of `serve` and `demo`; they map onto `ServerConfiguration`.
struct ServerFlags: ParsableArguments {
    @Option(help: "Address to bind (127.0.0.1 keeps the server private to this machine; any other address needs API keys or --insecure).")
    var host = ServerConfiguration().host

    @Option(help: "TCP port.")
    var port = ServerConfiguration().port

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted upload, in MiB.")
    var maxUploadMegabytes = ServerConfiguration().maxUploadBytes >> 20

    @Option(help: ArgumentHelp("File of API keys, one 'admin KEY' or 'ingest KEY' per line, # comments (README, 'Running it for real').",
                               discussion: "Keys in \(APIKeys.environmentVariable) (entries separated by ';' or newlines) are accepted too."))
    var apiKeyFile: String?

    @Flag(help: "Reads (GET, search) need a key too, of any role; the page, its files and /health stay open.")
    var requireKeyForReads = false

    @Flag(help: "Allow a non-loopback --host without API keys (only behind something else that guards the port).")
    var insecure = false

    @Option(name: .customLong("cors-origin"), help: "An origin whose pages may call the API from a browser, e.g. https://shop.example (repeatable).")
    var corsOrigins: [String] = []

    @Option(help: "Most encoder jobs (search by picture or text, uploads, onboarding text) running at once.")
    var encoderJobs = ServerConfiguration().maxRunningEncoderJobs

    @Option(help: "Most encoder jobs waiting for a slot; one more gets 503 with Retry-After (default: twice --encoder-jobs).")
    var encoderQueue: Int?

    @Option(help: "Seconds a client told 503 (encoder queue full) should wait, sent as Retry-After.")
    var busyRetryAfter = ServerConfiguration().busyRetryAfterSeconds

    @Option(name: .customLong("thumbnail-cache-mb"), help: "MiB of thumbnails (?size=N pictures) kept in memory.")
    var thumbnailCacheMegabytes = ServerConfiguration().thumbnailCacheBytes >> 20

    @Option(help: "Seconds a connection may stay silent (between requests, or mid-request) before it is closed.")
    var idleTimeout = ServerConfiguration().idleTimeoutSeconds

    @Option(help: "Seconds from a request's head to the end of its body; a body still arriving then is cut off (slow clients).")
    var bodyTimeout = ServerConfiguration().requestBodyTimeoutSeconds

    @Option(help: "Most connections served at once; more wait in the listen backlog.")
    var maxConnections = ServerConfiguration().maxConnections

    /// The configuration these flags describe, with keys from `--api-key-file` and `VITRINE_API_KEYS`, validated.
    func configuration(mediaRoot: URL? = nil) throws -> ServerConfiguration {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard maxUploadMegabytes > 0 else { throw ValidationError("--max-upload-mb must be positive") }
        do {
            let keys = try APIKeys.load(file: apiKeyFile.map { URL(fileURLWithPath: $0) }, environment: ProcessInfo.processInfo.environment)
            let configuration = ServerConfiguration(host: host, port: port, maxUploadBytes: maxUploadMegabytes << 20, mediaRoot: mediaRoot,
                                                    apiKeys: keys, requireKeyForReads: requireKeyForReads,
                                                    allowsExposureWithoutKeys: insecure, corsOrigins: corsOrigins,
                                                    maxRunningEncoderJobs: encoderJobs, maxWaitingEncoderJobs: encoderQueue,
                                                    busyRetryAfterSeconds: busyRetryAfter, thumbnailCacheBytes: thumbnailCacheMegabytes << 20,
                                                    idleTimeoutSeconds: idleTimeout, requestBodyTimeoutSeconds: bodyTimeout,
                                                    maxConnections: maxConnections)
            try configuration.validate()
            return configuration
        } catch let error as APIKeyError {
            Output.standardError("error: \(error.description)")
            throw ExitCode.failure
        } catch let error as ServerConfigurationError {
            Output.standardError("error: \(error.description)")
            throw ExitCode.failure
        }
    }

    /// What `serve` and `demo` print about access when they start (never the keys).
    static func accessSummary(_ configuration: ServerConfiguration) -> String {
        guard !configuration.apiKeys.isEmpty else {
            return "No API keys: anyone who can reach \(configuration.host):\(configuration.port) may add and delete items and record events."
        }
        return "\(configuration.apiKeys) required for writes" + (configuration.requireKeyForReads ? " and reads." : "; reads are open.")
    }
}

/// `vitrine serve`: the JSON API and the web page over an existing store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve a catalog store over HTTP: the JSON API (docs/api.md) and the web page.")

    @OptionGroup var store: CatalogStoreOption

    @Option(help: "Folder the items were indexed from, for their pictures (default: the one recorded in the store).")
    var folder: String?

    @OptionGroup var server: ServerFlags
    @OptionGroup var fusion: ImageWeightOption
    @OptionGroup var graphs: GraphDistancesOption

    func run() async throws {
        // Flags first, like `demo`: a refused --host or a bad key file is reported before the store is opened.
        let configuration = try server.configuration(mediaRoot: folder.map { URL(fileURLWithPath: $0) })
        let catalog = try store.openCatalog(options: graphs.applied(to: fusion.catalogOptions))
        print("Serving \(catalog.count) items from \(catalog.storeLocation) at http://\(configuration.host):\(configuration.port)/")
        print("Indexes loaded \(catalog.opening).")
        print(ServerFlags.accessSummary(configuration))
        // A shared store: follow what other replicas and indexers commit (LISTEN/NOTIFY plus a poll,
        // so a missed notification or a reconnect still catches up); reads keep answering from memory.
        let outage = OutageReporter()
        let follower = catalog.followChanges(pollInterval: 0.5) { error in outage.report(error) }
        if follower != nil { print("Following the store's change log (notifications, and a poll every 0.5 s).") }
        defer { follower?.stop() }
        Output.flush()
        try await VitrineServer(catalog: catalog, configuration: configuration).run()
        // Stopped (SIGINT / SIGTERM): save the indexes as they are, so the next start opens in seconds.
        do { try catalog.saveIndexSnapshot() } catch { Output.standardError("warning: index snapshot not saved: \(error)") }
    }
}

/// Prints catch-up failures (the database down) at most every 30 s instead of every poll.
final class OutageReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var lastReport: Date?

    func report(_ error: CatalogError) {
        lock.lock()
        defer { lock.unlock() }
        if let lastReport, Date().timeIntervalSince(lastReport) < 30 { return }
        lastReport = Date()
        Output.standardError("warning: cannot catch up with the store (answering from memory, writes get 503): \(error)")
    }
}
