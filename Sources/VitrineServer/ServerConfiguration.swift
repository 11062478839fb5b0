import Foundation

/// Settings of one server; `vitrine serve` flags map onto these fields.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Loopback by default so a catalog is never exposed by accident.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Largest accepted request body (uploads and JSON), in bytes; larger bodies get 413.
    public var maxUploadBytes: Int
    /// Most images accepted in one `POST /items`.
    public var maxImagesPerItem: Int
    /// Largest `k` / `limit` a request may ask for.
    public var maxResults: Int
    /// Folder that indexed items' `sourcePaths` are relative to (the indexed catalog folder);
    /// nil = the folder recorded in the store by `vitrine demo` / `vitrine serve --folder`.
    public var mediaRoot: URL?
    /// Folder where pictures of items added through `POST /items` are kept; nil = `uploads/` next to the store.
    public var uploadsFolder: URL?
    /// `Cache-Control` max-age of item pictures, in seconds (they are also validated by ETag).
    public var imageCacheSeconds: Int
    /// Keys for the routes that change things (`--api-key-file`, `VITRINE_API_KEYS`): `admin` for
    /// `POST /items` and `DELETE /items/{id}`, `ingest` (or `admin`) for `POST /users/{id}/events`.
    /// Empty: those routes are open, which `validate()` allows on a loopback address only.
    public var apiKeys: APIKeys
    /// Whether reads (GET routes and `POST /search`) also need a key, of any role (`--require-key-for-reads`).
    /// The page, its files and `/health` stay open.
    public var requireKeyForReads: Bool
    /// Whether to listen on a non-loopback address without keys (`--insecure`), for a port that another
    /// layer (a reverse proxy with its own authentication, a firewall) already guards.
    public var allowsExposureWithoutKeys: Bool
    /// Origins whose pages may call the API from a browser (`--cors-origin`, e.g. `https://shop.example`);
    /// empty = no CORS headers at all.
    public var corsOrigins: [String]
    /// Most encoder jobs (search by picture or text, `POST /items`, onboarding text) running at once
    /// (`--encoder-jobs`); default the machine's core count.
    public var maxRunningEncoderJobs: Int
    /// Most encoder jobs waiting for a free slot (`--encoder-queue`); one more gets 503 with `Retry-After`,
    /// so a flood of uploads never piles up. Default twice `maxRunningEncoderJobs`; 0 = refuse rather than wait.
    public var maxWaitingEncoderJobs: Int
    /// The `Retry-After` of that 503, in seconds (`--busy-retry-after`).
    public var busyRetryAfterSeconds: Int
    /// Largest `N` of `GET /items/{id}/image?size=N`; a larger one gets 400 naming `size`.
    public var maxThumbnailSize: Int
    /// Most bytes of thumbnails kept in memory (`--thumbnail-cache-mb`), least recently used dropped first.
    public var thumbnailCacheBytes: Int
    /// Seconds a connection may stay silent (between requests, or inside a request's head or body) before it is
    /// closed (`--idle-timeout`): a client that opens connections and sends nothing, or stalls an upload, holds
    /// nothing for long.
    public var idleTimeoutSeconds: Int
    /// Seconds from a request's head to the end of its body (`--body-timeout`): a body trickled in a byte at a
    /// time (slow loris), which the idle timeout never sees as silent, is cut off here by closing the connection.
    public var requestBodyTimeoutSeconds: Int
    /// Most connections served at once (`--max-connections`); further ones wait in the listen backlog
    /// (256) until one closes, and beyond that the kernel refuses them.
    public var maxConnections: Int

    /// Defaults: 127.0.0.1:8080, 16 MiB uploads, 8 images per item, at most 200 results, pictures cached
    /// 1 hour, no keys (so loopback only), open reads, no CORS, one encoder job per core with twice as many
    /// waiting, retry after 2 s; thumbnails up to 1024 px with 64 MiB of them cached; connections closed after
    /// 30 s of silence, request bodies cut off 120 s after their head, at most 512 connections.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 16 << 20, maxImagesPerItem: Int = 8,
                maxResults: Int = 200, mediaRoot: URL? = nil, uploadsFolder: URL? = nil, imageCacheSeconds: Int = 3600,
                apiKeys: APIKeys = APIKeys(), requireKeyForReads: Bool = false, allowsExposureWithoutKeys: Bool = false,
                corsOrigins: [String] = [], maxRunningEncoderJobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                maxWaitingEncoderJobs: Int? = nil, busyRetryAfterSeconds: Int = 2, maxThumbnailSize: Int = 1024,
                thumbnailCacheBytes: Int = 64 << 20, idleTimeoutSeconds: Int = 30, requestBodyTimeoutSeconds: Int = 120,
                maxConnections: Int = 512) {
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.maxImagesPerItem = maxImagesPerItem
        self.maxResults = maxResults
        self.mediaRoot = mediaRoot
        self.uploadsFolder = uploadsFolder
        self.imageCacheSeconds = imageCacheSeconds
        self.apiKeys = apiKeys
        self.requireKeyForReads = requireKeyForReads
        self.allowsExposureWithoutKeys = allowsExposureWithoutKeys
        self.corsOrigins = corsOrigins
        self.maxRunningEncoderJobs = maxRunningEncoderJobs
        self.maxWaitingEncoderJobs = maxWaitingEncoderJobs ?? 2 * maxRunningEncoderJobs
        self.busyRetryAfterSeconds = busyRetryAfterSeconds
        self.maxThumbnailSize = maxThumbnailSize
        self.thumbnailCacheBytes = thumbnailCacheBytes
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.requestBodyTimeoutSeconds = requestBodyTimeoutSeconds
        self.maxConnections = maxConnections
    }

    /// Smallest `N` of `?size=N`: below it a thumbnail is no use to anyone.
    public static let minThumbnailSize = 16

    /// Refuses settings that would expose the catalog by mistake; `run()` calls it, and so does the CLI
    /// before it does any work.
    /// - Throws: `.exposedWithoutKeys` for a non-loopback `host` without keys (unless
    ///   `allowsExposureWithoutKeys`), `.readKeysWithoutKeys`, `.invalidCORSOrigin`, `.invalidEncoderQueue`,
    ///   `.invalidLimit` (thumbnails, timeouts, connections).
    public func validate() throws {
        if apiKeys.isEmpty, !allowsExposureWithoutKeys, !Self.isLoopback(host: host) {
            throw ServerConfigurationError.exposedWithoutKeys(host: host)
        }
        if requireKeyForReads, apiKeys.isEmpty { throw ServerConfigurationError.readKeysWithoutKeys }
        if let origin = corsOrigins.first(where: { !Self.isValidOrigin($0) }) {
            throw ServerConfigurationError.invalidCORSOrigin(origin)
        }
        if maxRunningEncoderJobs < 1 { throw ServerConfigurationError.invalidEncoderQueue("--encoder-jobs must be at least 1, got \(maxRunningEncoderJobs)") }
        if maxWaitingEncoderJobs < 0 { throw ServerConfigurationError.invalidEncoderQueue("--encoder-queue must be 0 or more, got \(maxWaitingEncoderJobs)") }
        if busyRetryAfterSeconds < 0 { throw ServerConfigurationError.invalidEncoderQueue("--busy-retry-after must be 0 or more, got \(busyRetryAfterSeconds)") }
        if maxThumbnailSize < Self.minThumbnailSize || maxThumbnailSize > 4096 {
            throw ServerConfigurationError.invalidLimit("maxThumbnailSize must be \(Self.minThumbnailSize)…4096, got \(maxThumbnailSize)")
        }
        if thumbnailCacheBytes < 0 { throw ServerConfigurationError.invalidLimit("--thumbnail-cache-mb must be 0 or more") }
        if idleTimeoutSeconds < 1 { throw ServerConfigurationError.invalidLimit("--idle-timeout must be at least 1 second, got \(idleTimeoutSeconds)") }
        if requestBodyTimeoutSeconds < 1 {
            throw ServerConfigurationError.invalidLimit("--body-timeout must be at least 1 second, got \(requestBodyTimeoutSeconds)")
        }
        if maxConnections < 1 { throw ServerConfigurationError.invalidLimit("--max-connections must be at least 1, got \(maxConnections)") }
    }

    /// Whether `host` only ever reaches this machine: `localhost`, 127.0.0.0/8, `::1` (also `[::1]` and
    /// `::ffff:127.x.x.x`). Any other name may resolve to a public address, so it counts as exposed.
    public static func isLoopback(host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name == "localhost." { return true }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, name, &ipv4) == 1 { return UInt32(bigEndian: ipv4.s_addr) >> 24 == 127 }
        var ipv6 = in6_addr()
        guard inet_pton(AF_INET6, name, &ipv6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: ipv6) { Array($0) }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return bytes.prefix(12).elementsEqual([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]) && bytes[12] == 127
    }

    /// Whether `origin` is what a browser sends as `Origin`: `http(s)://host[:port]`, nothing after.
    static func isValidOrigin(_ origin: String) -> Bool {
        guard let components = URLComponents(string: origin), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return false }
        return components.path.isEmpty && components.query == nil && components.fragment == nil
            && components.user == nil && components.password == nil
    }

    /// Store meta key under which the indexed folder's path is recorded for the image endpoint.
    public static let mediaRootMetaKey = "server.media-root"
}

/// Settings `ServerConfiguration.validate()` refuses, each saying why and what to do instead.
public enum ServerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A non-loopback address without API keys and without `--insecure`.
    case exposedWithoutKeys(host: String)
    /// `--require-key-for-reads` without any key to read with.
    case readKeysWithoutKeys
    /// A CORS origin that no browser would send (a path, a trailing slash, no scheme).
    case invalidCORSOrigin(String)
    /// An encoder queue limit out of range (the message names the flag).
    case invalidEncoderQueue(String)
    /// A thumbnail, timeout or connection limit out of range (the message names the flag).
    case invalidLimit(String)

    public var description: String {
        switch self {
        case let .exposedWithoutKeys(host):
            return "refusing to listen on \(host) without API keys: anyone who can reach the port could add and delete items "
                + "and write user events. Give keys with --api-key-file FILE or \(APIKeys.environmentVariable) (README, "
                + "'Running it for real'), bind 127.0.0.1 and put a reverse proxy in front, or pass --insecure if something "
                + "else already guards the port."
        case .readKeysWithoutKeys:
            return "--require-key-for-reads needs API keys: give them with --api-key-file FILE or \(APIKeys.environmentVariable)"
        case let .invalidCORSOrigin(origin):
            return "--cors-origin '\(origin)' is not an origin: write scheme://host[:port] with nothing after it, e.g. https://shop.example"
        case let .invalidEncoderQueue(reason), let .invalidLimit(reason):
            return reason
        }
    }
}
