import Foundation
import VitrineCore
import VitrineTensor

/// The in-memory side of a catalog: every item, and the exact indexes over its vectors.
/// Rebuilt from the store on open; updated after every committed write.
struct CatalogState: Sendable {
    /// Fused vectors (and the fusion rule with its imputer), as the recommender uses them.
    var recommender: Recommender
    /// Unit image vectors of items that have a picture.
    var imageIndex: VectorIndex
    /// Unit text vectors of items that have text.
    var textIndex: VectorIndex
    /// Every stored item, including any whose vectors are missing (e.g. after a model change).
    var items: [String: CatalogItem]
    /// How the fused score's weights (`recommender.scoringWeights`) were chosen.
    var fusionFit: FusionWeightFit
    /// Complete items the stored fit saw (0: none stored), to tell when the catalog has drifted from it.
    var fittedItemCount = 0
    /// The store's catalog generation these indexes reflect exactly (nil: unknown, e.g. another process
    /// wrote meanwhile, or the store keeps no generation); only then can they be saved as a snapshot.
    var generation: Int64?
    /// How the indexes were loaded: from the snapshot file, or rebuilt from the store and why.
    var opening = CatalogOpening.store(reason: "not opened yet")
    /// The generation of the snapshot file this process read or wrote last (nothing to save while
    /// `generation` equals it).
    var snapshotGeneration: Int64?

    /// - Parameter precision: how the indexes hold vectors in memory: fp16 when the store keeps fp16
    ///   (its default: the very values the store returns, at half the memory of fp32), else fp32.
    init(fusion: VectorFusion, precision: VectorPrecision, approximate: ApproximateSearchOptions) throws {
        recommender = try Recommender(fusion: fusion, precision: precision, approximate: approximate)
        imageIndex = try VectorIndex(dimension: fusion.imageDimension, precision: precision, approximate: approximate)
        textIndex = try VectorIndex(dimension: fusion.textDimension, precision: precision, approximate: approximate)
        items = [:]
        fusionFit = FusionWeightFit(weights: fusion.weights, source: .balanced)
    }

    /// Inserts or replaces an item with its vectors in every index.
    mutating func put(_ item: CatalogItem, image: [Float]?, text: [Float]?, fused: ItemEmbedding?) throws {
        remove(item.id)
        items[item.id] = item
        if let image { try imageIndex.add(id: item.id, vector: image, tags: item.tags, category: item.category) }
        if let text { try textIndex.add(id: item.id, vector: text, tags: item.tags, category: item.category) }
        if let fused { try recommender.add(item.item, embedding: fused) }
    }

    mutating func remove(_ id: String) {
        items[id] = nil
        imageIndex.remove(id: id)
        textIndex.remove(id: id)
        recommender.remove(id: id)
    }

    /// The index for a space.
    func index(for space: Modality) -> VectorIndex {
        switch space {
        case .image: return imageIndex
        case .text: return textIndex
        case .fused: return recommender.index
        }
    }
}

extension CatalogState {
    /// The spaces whose index is big enough for an HNSW graph but has none yet.
    var spacesNeedingGraphs: [Modality] { Modality.allCases.filter { index(for: $0).needsGraph } }

    /// Takes a graph built on a copy of one space's index; false when that index changed meanwhile.
    mutating func adoptGraph(from built: VectorIndex, space: Modality) -> Bool {
        switch space {
        case .image: return imageIndex.adoptGraph(from: built)
        case .text: return textIndex.adoptGraph(from: built)
        case .fused: return recommender.adoptIndexGraph(from: built)
        }
    }
}

/// Builds the HNSW graphs of a catalog's indexes on a background thread, one run at a time: each
/// index is copied under the read lock (the copy shares its rows), its graph built with no lock
/// held, and adopted under the write lock if the index has not changed since — else the run waits
/// a moment and builds again from the newer rows. Queries stay exact (and correct) meanwhile.
final class SearchGraphBuilder: @unchecked Sendable {
    private let lock = NSLock()
    private var running = false

    func schedule(for catalog: Catalog) {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        running = true
        let thread = Thread { [weak catalog] in
            while let catalog, !catalog.buildPendingSearchGraphs() { Thread.sleep(forTimeInterval: 1) }
            // The graphs are the slow part of opening a big catalog: keep them for the next open.
            _ = try? catalog?.saveIndexSnapshot()
            self.finish()
        }
        thread.qualityOfService = .utility
        thread.start()
    }

    private func finish() {
        lock.lock()
        running = false
        lock.unlock()
    }

    /// True while a build runs (tests wait on it).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }
}

extension Catalog {
    /// Builds the HNSW graph of every index big enough to need one — the image, text and fused graphs
    /// at the same time, one per core — and adopts each unless its index changed meanwhile. Returns
    /// true when no graph is pending any more.
    func buildPendingSearchGraphs() -> Bool {
        let pending = state.read { state in state.spacesNeedingGraphs.map { (space: $0, index: state.index(for: $0)) } }
        let built = Kernels.orderedMap(pending, workers: min(pending.count, ProcessInfo.processInfo.activeProcessorCount)) { $0.index.withGraph() }
        var adoptedAll = true
        for (graph, (space, _)) in zip(built, pending) where !state.write({ $0.adoptGraph(from: graph, space: space) }) { adoptedAll = false }
        return adoptedAll
    }

    /// Builds every pending HNSW graph now (retrying while writes keep changing the indexes) and saves
    /// the index snapshot, so the next open reads graphs instead of building them. `index(folder:)`
    /// does this at its end; a failure to write the snapshot only costs the next open its speed.
    /// - Returns: the problem writing the snapshot, if any.
    @discardableResult
    public func prepareForNextOpen() -> String? {
        while !buildPendingSearchGraphs() {}
        do {
            try saveIndexSnapshot()
            return nil
        } catch {
            return "index snapshot not saved: \(error)"
        }
    }
}

/// Many readers or one writer over a value (pthread read-write lock).
final class ReadWriteLocked<Value>: @unchecked Sendable {
    private var value: Value
    private var lock = pthread_rwlock_t()

    init(_ value: Value) {
        self.value = value
        pthread_rwlock_init(&lock, nil)
    }

    deinit { pthread_rwlock_destroy(&lock) }

    func read<T>(_ body: (Value) throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body(value)
    }

    func write<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body(&value)
    }
}

/// Builds each encoder once, on first use. One lock per encoder, so the two models can load at the
/// same time on different threads.
final class EncoderCache: @unchecked Sendable {
    private let provider: EncoderProvider
    private let image = BuiltOnce<any CatalogImageEncoder>()
    private let text = BuiltOnce<any CatalogTextEncoder>()

    init(provider: EncoderProvider) { self.provider = provider }

    func imageEncoder() throws -> any CatalogImageEncoder { try image.value(provider.makeImageEncoder) }

    func textEncoder() throws -> any CatalogTextEncoder { try text.value(provider.makeTextEncoder) }
}

/// A value made by the first caller that needs it; later callers wait for it and share it
/// (a failed build is not kept, so the next caller tries again).
private final class BuiltOnce<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var built: Value?

    func value(_ build: () throws -> Value) throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let made = try build()
        built = made
        return made
    }
}
