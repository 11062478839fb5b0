import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

/// The catalog service the CLI and the server share: a store of items and their vectors, the encoders
/// (loaded lazily, once), and exact in-memory indexes built from the store on open.
///
/// Thread-safe: queries run concurrently (a read-write lock guards the in-memory indexes), writes
/// (`index`, `addItem`, `removeItem`) are serialized, and queries keep being answered during an
/// indexing run from the state committed so far.
public final class Catalog: Sendable {
    /// The store file (or, for a store that is not a file, its URL without the password).
    public let storeURL: URL
    /// The options the catalog was opened with.
    public let options: CatalogOptions
    /// Where everything is kept; only the catalog talks to it (the front ends go through `Catalog`).
    let store: any CatalogStore
    /// Encoder identities and factories.
    public let encoderProvider: EncoderProvider
    /// Identity stored with fused vectors: both encoder identities and the fusion weights.
    public let fusedModelID: String
    let state: ReadWriteLocked<CatalogState>
    let encoders: EncoderCache
    let writeLock = NSLock()
    /// Generation steps of the current `serializedWrite` (touched only with `writeLock` held).
    let writeSteps = WriteSteps()
    let searchGraphs = SearchGraphBuilder()
    /// The change-log position the in-memory state reflects (shared stores only; see `catchUp`).
    let replication: ReplicationPosition

    /// Name of the trained-model blob holding the fitted cross-modal imputer.
    static let imputerBlobName = "catalog-imputer"

    /// Opens (creating if needed) the SQLite store at `storeURL` and loads every item's vectors into memory.
    /// - Throws: `CatalogError.store` when the store cannot be opened, `.encoderUnavailable` when the
    ///   default encoders' files are missing.
    public convenience init(storeURL: URL, options: CatalogOptions = CatalogOptions()) throws {
        let directory = storeURL.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CatalogError.store(.openFailed(file: storeURL.path, code: 0, message: "cannot create folder \(directory.path): \(error)"))
        }
        let store = try CatalogError.wrapping { try SQLiteStore(path: storeURL.path, options: options.store) }
        try self.init(store: store, storeURL: storeURL, options: options)
    }

    /// Opens a catalog on any store implementation and loads every item's vectors into memory.
    /// - Parameter storeURL: names the catalog in caches and places its uploads folder beside it
    ///   (default: the store's location as a file path).
    /// - Throws: `CatalogError.store`, `.encoderUnavailable` when the default encoders' files are missing.
    public init(store: any CatalogStore, storeURL: URL? = nil, options: CatalogOptions = CatalogOptions()) throws {
        self.storeURL = storeURL ?? URL(fileURLWithPath: store.location)
        self.options = options
        let provider = try options.encoders ?? EncoderProvider.pretrained(
            imagePrecision: Self.precision(of: .image, store: store, chosen: options.imagePrecision),
            textPrecision: Self.precision(of: .text, store: store, chosen: options.textPrecision))
        encoderProvider = provider
        fusedModelID = "fused[\(provider.imageModelID)|\(provider.textModelID)|w=\(options.fusionWeights.image)]"
        encoders = EncoderCache(provider: provider)
        self.store = store
        // Read before loading, so whatever commits during the load is applied again by `catchUp` (idempotent).
        replication = ReplicationPosition(try CatalogError.wrapping { try (store as? any ChangeLogStore)?.latestChangeSequence() ?? 0 })
        if let weight = options.imageWeight, !(0...1).contains(weight) {
            throw CatalogError.invalidInput(field: "image weight", reason: "must be in [0, 1], got \(weight)")
        }
        let snapshot = Self.snapshotPath(store: store, options: options)
        state = ReadWriteLocked(try Self.loadState(store: store, provider: provider, fusedModelID: fusedModelID, options: options,
                                                   snapshotPath: snapshot))
    }

    /// The precision to open a modality's encoder with: the chosen one, else that of the store's current
    /// model of the modality, else fp32.
    static func precision(of modality: Modality, store: any CatalogStore, chosen: WeightPrecision?) throws -> WeightPrecision {
        if let chosen { return chosen }
        let current = try CatalogError.wrapping { try store.currentModel(for: modality) }
        return current.map(ModelIdentity.precision(of:)) ?? .fp32
    }

    /// Reads items and vectors of the current models — from the index snapshot at `snapshotPath` when
    /// it is current (see Catalog+Snapshot.swift), else from the store's vector rows — and the fitted
    /// fusion weight.
    static func loadState(store: any CatalogStore, provider: EncoderProvider, fusedModelID: String,
                          options: CatalogOptions, snapshotPath: String? = nil) throws -> CatalogState {
        let weights = options.fusionWeights, precision = options.indexPrecision, approximate = options.approximateSearch
        return try CatalogError.wrapping {
            let generation = try store.catalogGeneration()
            var imputer: CrossModalImputer?
            if let blob = try store.latestTrainedModel(named: imputerBlobName), blob.configJSON == fusedModelID {
                imputer = try? JSONDecoder().decode(CrossModalImputer.self, from: blob.data)
            }
            let fusion = VectorFusion(imageDimension: provider.imageDimension, textDimension: provider.textDimension,
                                      weights: weights, imputer: imputer)
            let storedItems = try store.items(offset: 0, limit: Int(Int32.max))
            var reason = generation == nil ? "this store keeps no generation counter" : "index snapshots are off"
            var loaded: CatalogState?
            if let generation, let snapshotPath {
                switch loadSnapshotState(path: snapshotPath, store: store, provider: provider, fusedModelID: fusedModelID,
                                         options: options, fusion: fusion, generation: generation, storedItems: storedItems) {
                case .success(let state):
                    if try store.catalogGeneration() == generation { loaded = state } else { reason = "the store changed while opening" }
                case .failure(let rejection): reason = rejection.reason
                }
            }
            var state: CatalogState
            if let loaded {
                state = loaded
            } else {
                state = try CatalogState(fusion: fusion, precision: precision, approximate: approximate)
                let images = try store.vectorMatrix(modality: .image, modelID: provider.imageModelID)
                let texts = try store.vectorMatrix(modality: .text, modelID: provider.textModelID)
                let fused = try store.vectorMatrix(modality: .fused, modelID: fusedModelID)
                let imageRows = Dictionary(uniqueKeysWithValues: images.itemIDs.enumerated().map { ($1, $0) })
                let textRows = Dictionary(uniqueKeysWithValues: texts.itemIDs.enumerated().map { ($1, $0) })
                let fusedRows = Dictionary(uniqueKeysWithValues: fused.itemIDs.enumerated().map { ($1, $0) })
                for stored in storedItems {
                    let imageRow = imageRows[stored.id], textRow = textRows[stored.id]
                    let item = CatalogItem(stored, hasImage: imageRow != nil, hasText: textRow != nil)
                    let embedding = fusedRows[stored.id].map {
                        ItemEmbedding(vector: fused.row($0), imageImputed: imageRow == nil, textImputed: textRow == nil)
                    }
                    try state.put(item, image: imageRow.map { images.row($0) }, text: textRow.map { texts.row($0) }, fused: embedding)
                }
                // Known to reflect `generation` only if nothing committed while the rows were read.
                state.generation = try store.catalogGeneration() == generation ? generation : nil
                state.opening = .store(reason: reason)
            }
            let fit = try storedFusionFit(store: store, models: "\(provider.imageModelID)|\(provider.textModelID)")
            state.applyFusionFit(fit, override: options.imageWeight)
            return state
        }
    }

    // MARK: Reading

    /// The item with `id`, or nil.
    public func item(_ id: String) -> CatalogItem? {
        state.read { $0.items[id] }
    }

    /// A page of items in ascending id order, optionally only those tagged `tag`.
    public func items(offset: Int = 0, limit: Int = 100, tag: String? = nil) -> [CatalogItem] {
        state.read { state in
            let all = state.items.values.filter { tag == nil || $0.tags.contains(tag ?? "") }.sorted { $0.id < $1.id }
            let start = max(0, offset)
            guard start < all.count, limit > 0 else { return [] }
            // `limit` may be Int.max ("all"): compare against what is left instead of adding.
            return Array(all[start ..< (limit >= all.count - start ? all.count : start + limit)])
        }
    }

    /// Number of items in the catalog.
    public var count: Int { state.read { $0.items.count } }

    /// A snapshot of the fused-space recommender (a value: later writes do not change it).
    public func recommender() -> Recommender {
        let recommender = state.read { $0.recommender }
        if recommender.index.needsGraph { searchGraphs.schedule(for: self) }
        return recommender
    }

    /// True while HNSW graphs are being built in the background (see `CatalogOptions.approximateSearch`).
    public var isBuildingSearchGraphs: Bool { searchGraphs.isRunning }

    /// The raw (unit) image and text vectors of an item, or nil when the item is unknown.
    public func vectors(for id: String) -> ItemVectors? {
        state.read { state in
            guard state.items[id] != nil else { return nil }
            return ItemVectors(image: state.imageIndex.vector(for: id), text: state.textIndex.vector(for: id))
        }
    }

    /// Counts, model identities and store size.
    /// - Throws: `CatalogError.store`.
    public func info() throws -> CatalogInfo {
        let storeInfo = try CatalogError.wrapping { try store.info() }
        return state.read { state in
            CatalogInfo(storePath: storeName, itemCount: state.items.count, imageVectorCount: state.imageIndex.count,
                        textVectorCount: state.textIndex.count, fusedVectorCount: state.recommender.index.count,
                        models: ["image": encoderProvider.imageModelID, "text": encoderProvider.textModelID, "fused": fusedModelID],
                        vectorPrecision: options.vectorPrecision.rawValue, storeSizeBytes: storeInfo.fileSizeBytes,
                        schemaVersion: storeInfo.schemaVersion, eventCount: storeInfo.eventCount, fusion: state.fusionFit,
                        opening: state.opening.description)
        }
    }

    // MARK: Settings

    /// A small named value kept with the catalog (e.g. the server's picture folder), or nil.
    /// - Throws: `CatalogError.store`.
    public func setting(_ key: String) throws -> String? {
        try CatalogError.wrapping { try store.metaValue(for: key) }
    }

    /// Sets (or, with nil, removes) a named value kept with the catalog.
    /// - Throws: `CatalogError.store`.
    public func setSetting(_ value: String?, for key: String) throws {
        try CatalogError.wrapping { try store.setMetaValue(value, for: key) }
    }

    // MARK: Writing

    /// Runs `body` with writes serialized.
    ///
    /// Store transactions inside go through `writeStore`, which notes how each moved the store's
    /// catalog generation; when every one started where the previous ended and `body` succeeded, the
    /// in-memory indexes are known to reflect the store's new generation (`CatalogState.generation`).
    func serializedWrite<T>(_ body: () throws -> T) rethrows -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        writeSteps.steps = []
        do {
            let result = try body()
            let steps = writeSteps.steps
            if !steps.isEmpty { state.write { $0.generation = GenerationStep.follow(from: $0.generation, steps) } }
            return result
        } catch {
            if !writeSteps.steps.isEmpty { state.write { $0.generation = nil } }
            throw error
        }
    }

    /// One store write transaction inside `serializedWrite`, noting the catalog generation before and after it.
    /// - Throws: `CatalogError.store`, and whatever `body` throws.
    func writeStore<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try CatalogError.wrapping {
            try store.write { tx in
                let before = try tx.catalogGeneration()
                let result = try body(tx)
                writeSteps.steps.append(GenerationStep(before: before, after: try tx.catalogGeneration()))
                return result
            }
        }
    }

    /// Removes an item from the store and the indexes; false when there was no such item.
    /// - Throws: `CatalogError.store`.
    @discardableResult
    public func removeItem(_ id: String) throws -> Bool {
        try serializedWrite {
            let removed = try writeStore { try $0.deleteItem(id: id) }
            state.write { $0.remove(id) }
            if removed { try refitFusionWeightsIfDrifted() }
            return removed
        }
    }
}
