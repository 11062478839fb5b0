import Foundation
import VitrineCore
import VitrineStore

// Opening a big catalog without re-reading every vector row: the in-memory indexes (image, text
// and fused rows as held, norms, HNSW graphs) are saved beside the SQLite file as `<store>-index`,
// and the next open reads those arrays straight back. Item metadata still comes from the store.
//
// A snapshot is never trusted on its word. It is used only when all of these agree:
//   - the store's catalog generation now (bumped by triggers on every change of items, tags,
//     vectors and current models, in the changing transaction);
//   - the generation written in the snapshot's header, and the one recorded in the store's meta
//     table (`index-snapshot`, written after the file was renamed into place);
//   - the checksum at the file's end, over everything the reader read, and the one in the meta row;
//   - the models, fusion identity, precision and imputer revision it was written for.
// Anything else (a torn file, a kill between rename and meta, a write by any process since, a
// model change) falls back to the full load from the store, and the reason is kept in
// `CatalogInfo.opening`. A kill -9 at any moment therefore costs at most one slow open.

/// How a catalog's in-memory indexes were loaded.
public enum CatalogOpening: Sendable, Equatable, CustomStringConvertible {
    /// Read from the index snapshot beside the store.
    case snapshot
    /// Rebuilt from the store's vector rows; `reason` says why the snapshot was not used.
    case store(reason: String)

    public var description: String {
        switch self {
        case .snapshot: return "from the index snapshot"
        case .store(let reason): return "from the store (\(reason))"
        }
    }
}

/// How one store transaction moved the catalog generation (nil: the store keeps none).
struct GenerationStep: Sendable, Equatable {
    let before: Int64?
    let after: Int64?

    /// The generation memory reflects after `steps`, starting from `known`: each step must start where
    /// the previous one ended, else another process wrote in between and the answer is unknown (nil).
    static func follow(from known: Int64?, _ steps: [GenerationStep]) -> Int64? {
        var generation = known
        for step in steps {
            guard let current = generation, step.before == current else { return nil }
            generation = step.after
        }
        return generation
    }
}

/// The generation steps of the running `serializedWrite` (used only with the catalog's write lock held).
final class WriteSteps: @unchecked Sendable {
    var steps: [GenerationStep] = []
}

/// What a snapshot was written for; all of it must match for the snapshot to be used.
struct SnapshotHeader: Codable, Equatable {
    var format = 1
    var generation: Int64
    var imageModelID: String
    var textModelID: String
    var fusedModelID: String
    var precision: String
    var imputerRevision: Int?
    var itemCount: Int
}

extension Catalog {
    /// Meta key of the snapshot record: `"<generation> <checksum hex>"`.
    static let snapshotMetaKey = "index-snapshot"

    /// The snapshot file of a catalog: beside an SQLite file (`<store>-index`); for a server store, in
    /// `options.indexSnapshotDirectory`, named after the store's location (nil when none is set).
    static func snapshotPath(store: any CatalogStore, options: CatalogOptions) -> String? {
        guard options.usesIndexSnapshot else { return nil }
        if let file = store as? SQLiteStore { return file.path + "-index" }
        guard let directory = options.indexSnapshotDirectory else { return nil }
        let name = String(store.location.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return URL(fileURLWithPath: directory).appendingPathComponent("\(name)-index").path
    }

    /// The snapshot file of this catalog, or nil when it keeps none.
    var snapshotPath: String? { Self.snapshotPath(store: store, options: options) }

    /// How the in-memory indexes were loaded at open (or at the last full reload).
    public var opening: CatalogOpening { state.read { $0.opening } }

    /// Saves the in-memory indexes as the snapshot the next open reads, when they are known to reflect
    /// the store exactly and differ from the saved one. Graphs still being built are not waited for
    /// (call `buildSearchGraphs()` first to include them). Safe at any time: the file is written
    /// beside the old one and renamed over it, and the store records it only afterwards.
    /// - Returns: true when a snapshot was written.
    /// - Throws: `CatalogError.index` when the file cannot be written, `.store` for the meta row.
    @discardableResult
    public func saveIndexSnapshot() throws -> Bool {
        guard let path = snapshotPath else { return false }
        // Taken under the write lock, so no own write is between its commit and its state update.
        let captured = serializedWrite { state.read { $0 } }
        guard let generation = captured.generation else { return false }
        let imputerRevision = try CatalogError.wrapping { try store.latestTrainedModelRevision(named: Self.imputerBlobName)?.revision }
        guard generation != captured.snapshotGeneration || !FileManager.default.fileExists(atPath: path) else { return false }
        let header = SnapshotHeader(generation: generation, imageModelID: encoderProvider.imageModelID, textModelID: encoderProvider.textModelID,
                                    fusedModelID: fusedModelID, precision: options.indexPrecision.rawValue,
                                    imputerRevision: imputerRevision, itemCount: captured.items.count)
        let checksum: UInt64
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var file = try SnapshotFileWriter(path: path)
            do {
                try file.write(string: String(decoding: try JSONEncoder().encode(header), as: UTF8.self))
                try captured.imageIndex.writeSnapshot(to: &file)
                try captured.textIndex.writeSnapshot(to: &file)
                try captured.recommender.index.writeSnapshot(to: &file)
                checksum = try file.commit()
            } catch {
                file.abandon()
                throw error
            }
        } catch {
            throw CatalogError.index(reason: "\(error)")
        }
        try CatalogError.wrapping { try store.setMetaValue("\(generation) \(String(checksum, radix: 16))", for: Self.snapshotMetaKey) }
        state.write { $0.snapshotGeneration = generation }
        return true
    }

    /// The state read from the snapshot, or the reason it cannot be used (the caller then loads from the store).
    static func loadSnapshotState(path: String, store: any CatalogStore, provider: EncoderProvider, fusedModelID: String,
                                  options: CatalogOptions, fusion: VectorFusion, generation: Int64,
                                  storedItems: [StoredItem]) -> Result<CatalogState, SnapshotRejection> {
        guard FileManager.default.fileExists(atPath: path) else { return .failure(SnapshotRejection("no snapshot file yet")) }
        do {
            guard let recorded = try store.metaValue(for: snapshotMetaKey) else {
                return .failure(SnapshotRejection("the store records no snapshot"))
            }
            let fields = recorded.split(separator: " ")
            guard fields.count == 2, let recordedGeneration = Int64(fields[0]), let recordedChecksum = UInt64(fields[1], radix: 16) else {
                return .failure(SnapshotRejection("the store's snapshot record '\(recorded)' is malformed"))
            }
            guard recordedGeneration == generation else {
                return .failure(SnapshotRejection("the store changed since the snapshot (generation \(generation), snapshot \(recordedGeneration))"))
            }
            var file = try SnapshotFileReader(path: path)
            let header = try JSONDecoder().decode(SnapshotHeader.self, from: Data(try file.readString().utf8))
            let expected = SnapshotHeader(generation: generation, imageModelID: provider.imageModelID, textModelID: provider.textModelID,
                                          fusedModelID: fusedModelID, precision: options.indexPrecision.rawValue,
                                          imputerRevision: try store.latestTrainedModelRevision(named: imputerBlobName)?.revision,
                                          itemCount: storedItems.count)
            guard header == expected else { return .failure(SnapshotRejection("it was written for other models, options or items")) }
            let tags = Dictionary(uniqueKeysWithValues: storedItems.map { ($0.id, IndexedAttributes(tags: Set($0.item.tags), category: $0.item.category)) })
            let precision = options.indexPrecision, approximate = options.approximateSearch
            let image = try VectorIndex.readSnapshot(from: &file, dimension: fusion.imageDimension, normalizesVectors: true,
                                                     precision: precision, approximate: approximate) { tags[$0] }
            let text = try VectorIndex.readSnapshot(from: &file, dimension: fusion.textDimension, normalizesVectors: true,
                                                    precision: precision, approximate: approximate) { tags[$0] }
            let fused = try VectorIndex.readSnapshot(from: &file, dimension: fusion.fusedDimension, normalizesVectors: false,
                                                     precision: precision, approximate: approximate) { tags[$0] }
            guard try file.finish() == recordedChecksum else {
                return .failure(SnapshotRejection("its checksum differs from the one the store recorded"))
            }
            var state = try CatalogState(fusion: fusion, precision: precision, approximate: approximate)
            state.imageIndex = image
            state.textIndex = text
            var items: [Item] = [], imputed: [String: [Modality]] = [:]
            for stored in storedItems {
                let item = CatalogItem(stored, hasImage: image.contains(stored.id), hasText: text.contains(stored.id))
                state.items[stored.id] = item
                if fused.contains(stored.id) {
                    items.append(item.item)
                    let flags = (item.hasImage ? [] : [Modality.image]) + (item.hasText ? [] : [Modality.text])
                    if !flags.isEmpty { imputed[stored.id] = flags }
                }
            }
            try state.recommender.restore(index: fused, items: items, imputed: imputed)
            state.generation = generation
            state.snapshotGeneration = generation
            state.opening = .snapshot
            return .success(state)
        } catch {
            return .failure(SnapshotRejection("it cannot be read: \(error)"))
        }
    }
}

/// Why a snapshot was not used.
struct SnapshotRejection: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
