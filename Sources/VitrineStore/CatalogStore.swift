import Foundation
import VitrineCore

/// What a catalog keeps: items with their vectors, the current model of each modality,
/// interaction events, trained model blobs and meta values, with all-or-nothing write transactions.
///
/// `SQLiteStore` (one file, embedded) and `PostgresStore` (shared by replicas and shards) implement
/// it; every implementation passes the one conformance suite in `Tests/VitrineStoreTests/Conformance/`. Reads see committed
/// data only; each read call sees one consistent snapshot. Implementations are thread-safe.
public protocol CatalogStore: AnyObject, Sendable {
    /// Where the store lives (a file path, or a connection address without credentials), for messages.
    var location: String { get }

    /// Runs `body` as one write transaction: everything it does commits together, or — if it throws —
    /// nothing does and the error is rethrown. Writers are serialized; readers are not blocked.
    /// Do not call the store's own write shortcuts from inside `body`; use the transaction.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    // MARK: Items

    /// The item with `id`, or nil.
    func item(id: String) throws -> StoredItem?
    /// A page of items in ascending id order, optionally only those tagged `tag`.
    func items(offset: Int, limit: Int, tag: String?) throws -> [StoredItem]
    /// Number of items, optionally only those tagged `tag`.
    func itemCount(tag: String?) throws -> Int
    /// Content hash per item id, for incremental re-indexing.
    func contentHashes() throws -> [String: String]

    // MARK: Vectors and models

    /// All stored vectors of one item, ordered by modality name.
    func vectors(for itemID: String) throws -> [StoredVector]
    /// Every vector of `modality` (optionally only those from `modelID`) as one row-major matrix in item id order.
    /// - Throws: `.dimensionMismatch` if the vectors disagree on dimension, `.corruptVector` for a bad blob.
    func vectorMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix
    /// The current model for `modality`, if one is registered.
    func currentModel(for modality: Modality) throws -> String?
    /// Items whose `modality` vector comes from a model other than the current one.
    func staleVectors(modality: Modality) throws -> StaleVectorReport
    /// Items with no vector of `modality` (new, or whose stale vector was deleted), ascending.
    func itemsMissingVectors(modality: Modality) throws -> [String]

    // MARK: Events

    /// One user's events in append order.
    func events(for userID: String) throws -> [Interaction]
    /// All events in append order.
    func allEvents() throws -> [Interaction]
    /// Number of events, optionally of one user.
    func eventCount(for userID: String?) throws -> Int
    /// Every user id that has at least one event, ascending.
    func userIDs() throws -> [String]

    // MARK: Trained models, meta, health

    /// The latest saved revision of the blob `name`, or nil.
    func latestTrainedModel(named name: String) throws -> TrainedModelBlob?
    /// Name, revision and configuration of the latest revision of `name`, without its data: cheap
    /// enough to check on every request whether a cached model is still the newest.
    func latestTrainedModelRevision(named name: String) throws -> TrainedModelRevision?
    /// A value from the key/value meta table, or nil.
    func metaValue(for key: String) throws -> String?
    /// Counts and sizes for `vitrine info`.
    func info() throws -> StoreInfo
    /// The store's own consistency checks; the problems found (empty when sound).
    func integrityCheck() throws -> [String]
    /// A counter that every committed change of items, tags, vectors or current models (not events,
    /// trained models or meta) increases, so a snapshot of the in-memory indexes
    /// can tell whether it is still current. nil when the store keeps none (the default; PostgreSQL).
    func catalogGeneration() throws -> Int64?
}

/// The handle a `CatalogStore.write { tx in … }` block writes through. Everything done with it
/// commits together when the block returns, or is rolled back if the block throws. Reads through
/// it see the transaction's own uncommitted writes. It must not outlive the block
/// (then every call throws `.transactionClosed`).
public protocol StoreTransaction: AnyObject {
    /// Adds a new item with its vectors. - Throws: `.duplicateItem` if the id already exists.
    func insert(_ item: StoredItem, vectors: [StoredVector]) throws
    /// Adds or replaces an item and sets its vectors to exactly `vectors` (other modalities are removed).
    /// An existing item keeps its `createdAt`.
    /// - Throws: `.invalidVector` (two vectors of one modality, bad values), `.modelMismatch`.
    func upsert(_ item: StoredItem, vectors: [StoredVector]) throws
    /// Adds or replaces the given modalities' vectors of an existing item, leaving its other vectors alone.
    /// - Throws: `.unknownItem`, `.invalidVector`, `.modelMismatch`.
    func setVectors(_ vectors: [StoredVector], for itemID: String) throws
    /// Deletes an item with its tags, vectors and events; false if there was no such item.
    @discardableResult func deleteItem(id: String) throws -> Bool
    /// Deletes an item's vector of one modality (or all when `modality` is nil); returns how many were deleted.
    @discardableResult func deleteVectors(for itemID: String, modality: Modality?) throws -> Int
    /// The item with `id` as this transaction sees it.
    func item(id: String) throws -> StoredItem?
    /// Content hash per item id as this transaction sees them.
    func contentHashes() throws -> [String: String]

    /// Makes `modelID` the current model for `modality` and reports the vectors it leaves stale
    /// (produced by another model). Stale vectors stay until `deleteStaleVectors` or re-embedding.
    @discardableResult func setCurrentModel(_ modelID: String, for modality: Modality) throws -> StaleVectorReport
    /// The current model for `modality`, if one is registered.
    func currentModel(for modality: Modality) throws -> String?
    /// Deletes the vectors of `modality` not produced by its current model and reports which items lost one.
    @discardableResult func deleteStaleVectors(modality: Modality) throws -> StaleVectorReport

    /// Appends events in order. - Throws: `.unknownItem` naming the first event whose item is missing,
    /// `.invalidArgument` for an event that fails `Interaction.problem` (then the whole block rolls back).
    func append(_ events: [Interaction]) throws
    /// Deletes every event of `userID`; returns how many were deleted.
    @discardableResult func deleteEvents(userID: String) throws -> Int
    /// Saves a new revision of the blob `name`, keeping `keepingPrevious` older revisions and deleting the rest.
    @discardableResult func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int) throws -> TrainedModelBlob
    /// Sets (or, with nil, removes) a meta value.
    func setMetaValue(_ value: String?, for key: String) throws
    /// A meta value as this transaction sees it.
    func metaValue(for key: String) throws -> String?
    /// `CatalogStore.catalogGeneration()` as this transaction sees it (its own writes included).
    func catalogGeneration() throws -> Int64?
}

extension CatalogStore {
    /// No generation counter (see `catalogGeneration()`).
    public func catalogGeneration() throws -> Int64? { nil }
}

extension StoreTransaction {
    /// No generation counter (see `CatalogStore.catalogGeneration()`).
    public func catalogGeneration() throws -> Int64? { nil }
}

/// Defaults shared by every store: the common argument values and one-transaction shortcuts.
extension CatalogStore {
    /// A page of items in ascending id order (100 by default), optionally only those tagged `tag`.
    public func items(offset: Int = 0, limit: Int = 100) throws -> [StoredItem] { try items(offset: offset, limit: limit, tag: nil) }
    /// Number of items.
    public func itemCount() throws -> Int { try itemCount(tag: nil) }
    /// Number of events.
    public func eventCount() throws -> Int { try eventCount(for: nil) }
    /// Every vector of `modality` as one matrix in item id order.
    public func vectorMatrix(modality: Modality) throws -> VectorMatrix { try vectorMatrix(modality: modality, modelID: nil) }

    /// The item's vector of `modality`, or nil.
    public func vector(for itemID: String, modality: Modality) throws -> StoredVector? {
        try vectors(for: itemID).first { $0.modality == modality }
    }

    /// Adds or replaces one item and sets its vectors to exactly `vectors`, atomically.
    public func upsert(_ item: StoredItem, vectors: [StoredVector]) throws { try write { try $0.upsert(item, vectors: vectors) } }

    /// Deletes an item with its tags, vectors and events; false if there was no such item.
    @discardableResult
    public func deleteItem(id: String) throws -> Bool { try write { try $0.deleteItem(id: id) } }

    /// Makes `modelID` current for `modality`; see `StoreTransaction.setCurrentModel`.
    @discardableResult
    public func setCurrentModel(_ modelID: String, for modality: Modality) throws -> StaleVectorReport {
        try write { try $0.setCurrentModel(modelID, for: modality) }
    }

    /// Deletes stale vectors of `modality`; see `StoreTransaction.deleteStaleVectors`.
    @discardableResult
    public func deleteStaleVectors(modality: Modality) throws -> StaleVectorReport {
        try write { try $0.deleteStaleVectors(modality: modality) }
    }

    /// Appends events in one transaction; when this returns they are committed (durably, as the store defines it).
    public func append(_ events: [Interaction]) throws { try write { try $0.append(events) } }

    /// Saves a new revision of the blob `name` (two older revisions kept by default).
    @discardableResult
    public func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int = 2) throws -> TrainedModelBlob {
        try write { try $0.saveTrainedModel(name: name, data: data, configJSON: configJSON, keepingPrevious: keepingPrevious) }
    }

    /// Sets (or, with nil, removes) a meta value.
    public func setMetaValue(_ value: String?, for key: String) throws { try write { try $0.setMetaValue(value, for: key) } }
}

extension StoreTransaction {
    /// Adds a new item without vectors.
    public func insert(_ item: StoredItem) throws { try insert(item, vectors: []) }
    /// Deletes all of an item's vectors; returns how many were deleted.
    @discardableResult public func deleteVectors(for itemID: String) throws -> Int { try deleteVectors(for: itemID, modality: nil) }
    /// Saves a new revision of the blob `name` (two older revisions kept by default).
    @discardableResult
    public func saveTrainedModel(name: String, data: Data, configJSON: String) throws -> TrainedModelBlob {
        try saveTrainedModel(name: name, data: data, configJSON: configJSON, keepingPrevious: 2)
    }
}
