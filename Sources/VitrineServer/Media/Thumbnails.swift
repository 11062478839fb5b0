import Foundation
import VitrineImage

/// A small JPEG of an item's picture, made once for a requested size (`GET /items/{id}/image?size=N`).
struct Thumbnail: Sendable {
    /// The JPEG file.
    let bytes: [UInt8]
    /// Its size in pixels: the picture scaled to fit `N × N`, never enlarged.
    let width: Int
    let height: Int

    /// JPEG quality of thumbnails.
    static let quality = 85

    /// The thumbnail of the picture file `bytes` fitting `size × size`: decoded with the project's decoder
    /// (EXIF orientation applied, a JPEG DCT-scaled so a large photo is never decoded at full size), resized
    /// with its Pillow-exact bicubic resampler (antialiased), written as JPEG.
    /// - Throws: `ImageDecodingError` for a picture that does not decode, `ImageProcessingError`, `ImageEncodingError`.
    static func make(from bytes: [UInt8], size: Int) throws -> Thumbnail {
        let decoded = try ImageDecoder.decodeKeepingSourceSize(bytes, name: "picture", options: ImageDecodingOptions(minimumShortSide: size))
        let target = fittingSize(width: decoded.sourceWidth, height: decoded.sourceHeight, box: size)
        let image = decoded.image
        let scaled = image.width == target.width && image.height == target.height
            ? image : try image.resized(width: target.width, height: target.height, filter: .bicubic)
        return Thumbnail(bytes: try scaled.jpegData(quality: quality), width: scaled.width, height: scaled.height)
    }

    /// `width × height` scaled to fit `box × box` keeping the aspect ratio (the long side becomes `box`,
    /// the short one is rounded, at least 1); unchanged when it already fits.
    static func fittingSize(width: Int, height: Int, box: Int) -> (width: Int, height: Int) {
        let long = max(width, height)
        guard long > box else { return (width, height) }
        let scale = Double(box) / Double(long)
        let scaled = { (side: Int) in side == long ? box : max(1, Int((Double(side) * scale).rounded())) }
        return (scaled(width), scaled(height))
    }
}

/// Thumbnails already made, kept in memory up to `capacityBytes` and dropped least recently used first.
/// Keys name the item's content (its content hash) and the size, so a changed item never gets a stale
/// thumbnail. Concurrent requests for the same missing thumbnail wait for one generation.
final class ThumbnailCache: @unchecked Sendable {
    /// Identity of a thumbnail: the item, the content it was made from, and the size.
    struct Key: Hashable, Sendable {
        let item: String
        let version: String
        let size: Int
    }

    /// Most bytes of JPEG kept; a thumbnail larger than this is served but not kept.
    let capacityBytes: Int

    // `@unchecked Sendable`: `lock` guards every mutable field.
    private let lock = NSLock()
    private var entries: [Key: (thumbnail: Thumbnail, lastUse: UInt64)] = [:]
    private var pending: [Key: Task<Thumbnail, any Error>] = [:]
    private var usedBytes = 0
    private var useCounter: UInt64 = 0
    private var counts = (hits: 0, generated: 0)

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
    }

    /// Thumbnails answered from memory, thumbnails made, bytes and entries kept now (for tests and metrics).
    var statistics: (hits: Int, generated: Int, bytes: Int, entries: Int) {
        lock.withLock { (counts.hits, counts.generated, usedBytes, entries.count) }
    }

    /// The thumbnail for `key`: from memory, from a generation already running, or made now by `make`.
    /// - Throws: whatever `make` throws (nothing is kept then, so a later request tries again).
    func thumbnail(for key: Key, make: @escaping @Sendable () async throws -> Thumbnail) async throws -> Thumbnail {
        enum Lookup { case kept(Thumbnail), wait(Task<Thumbnail, any Error>) }
        let lookup = lock.withLock { () -> Lookup in
            if let entry = entries[key] {
                useCounter += 1
                entries[key]?.lastUse = useCounter
                counts.hits += 1
                return .kept(entry.thumbnail)
            }
            if let running = pending[key] { return .wait(running) }
            counts.generated += 1
            let generation = Task { try await make() }
            pending[key] = generation
            return .wait(generation)
        }
        let task: Task<Thumbnail, any Error>
        switch lookup {
        case let .kept(thumbnail): return thumbnail
        case let .wait(running): task = running
        }
        do {
            let thumbnail = try await task.value
            lock.withLock {
                pending[key] = nil
                keep(thumbnail, for: key)
            }
            return thumbnail
        } catch {
            lock.withLock { pending[key] = nil }
            throw error
        }
    }

    /// Keeps `thumbnail` (once) and evicts the least recently used entries beyond the capacity. Call with `lock` held.
    private func keep(_ thumbnail: Thumbnail, for key: Key) {
        guard entries[key] == nil, thumbnail.bytes.count <= capacityBytes else { return }
        useCounter += 1
        entries[key] = (thumbnail, useCounter)
        usedBytes += thumbnail.bytes.count
        while usedBytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            usedBytes -= oldest.value.thumbnail.bytes.count
            entries[oldest.key] = nil
        }
    }
}
