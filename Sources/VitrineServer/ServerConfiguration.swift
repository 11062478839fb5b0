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

    /// Defaults: 127.0.0.1:8080, 16 MiB uploads, 8 images per item, at most 200 results, pictures cached 1 hour.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int = 16 << 20, maxImagesPerItem: Int = 8,
                maxResults: Int = 200, mediaRoot: URL? = nil, uploadsFolder: URL? = nil, imageCacheSeconds: Int = 3600) {
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.maxImagesPerItem = maxImagesPerItem
        self.maxResults = maxResults
        self.mediaRoot = mediaRoot
        self.uploadsFolder = uploadsFolder
        self.imageCacheSeconds = imageCacheSeconds
    }

    /// Store meta key under which the indexed folder's path is recorded for the image endpoint.
    public static let mediaRootMetaKey = "server.media-root"
}
