import Foundation

/// Reads (each in its own snapshot on a read connection) and single-transaction write shortcuts.
extension CatalogStore {
    // MARK: Items

    /// The item with `id`, or nil.
    public func item(id: String) throws -> StoredItem? { try read { try $0.fetchItem(id: id) } }

    /// A page of items in ascending id order, optionally only those tagged `tag`.
    public func items(offset: Int = 0, limit: Int = 100, tag: String? = nil) throws -> [StoredItem] {
        try read { try $0.fetchItems(offset: offset, limit: limit, tag: tag) }
    }

    /// Number of items, optionally only those tagged `tag`.
    public func itemCount(tag: String? = nil) throws -> Int { try read { try $0.countItems(tag: tag) } }

    /// Content hash per item id, for incremental re-indexing.
    public func contentHashes() throws -> [String: String] { try read { try $0.fetchContentHashes() } }

    /// Adds or replaces one item and sets its vectors to exactly `vectors`, atomically.
    public func upsert(_ item: StoredItem, vectors: [StoredVector]) throws {
        try write { try $0.upsert(item, vectors: vectors) }
    }

    /// Deletes an item with its tags, vectors and events; false if there was no such item.
    @discardableResult
    public func deleteItem(id: String) throws -> Bool { try write { try $0.deleteItem(id: id) } }

    // MARK: Vectors and models

    /// All stored vectors of one item, ordered by modality name.
    public func vectors(for itemID: String) throws -> [StoredVector] { try read { try $0.fetchVectors(itemID: itemID) } }

    /// The item's vector of `modality`, or nil.
    public func vector(for itemID: String, modality: VectorModality) throws -> StoredVector? {
        try vectors(for: itemID).first { $0.modality == modality }
    }

    /// Every vector of `modality` (optionally only those from `modelID`) as one row-major matrix in item id order.
    /// - Throws: `.dimensionMismatch` if the vectors disagree on dimension, `.corruptVector` for a bad blob.
    public func vectorMatrix(modality: VectorModality, modelID: String? = nil) throws -> VectorMatrix {
        try read { try $0.fetchMatrix(modality: modality, modelID: modelID) }
    }

    /// The current model for `modality`, if one is registered.
    public func currentModel(for modality: VectorModality) throws -> String? { try read { try $0.currentModel(for: modality) } }

    /// Makes `modelID` current for `modality`; see `StoreTransaction.setCurrentModel`.
    @discardableResult
    public func setCurrentModel(_ modelID: String, for modality: VectorModality) throws -> StaleVectorReport {
        try write { try $0.setCurrentModel(modelID, for: modality) }
    }

    /// Items whose `modality` vector comes from a model other than the current one.
    public func staleVectors(modality: VectorModality) throws -> StaleVectorReport { try read { try $0.staleVectors(modality: modality) } }

    /// Deletes stale vectors of `modality`; see `StoreTransaction.deleteStaleVectors`.
    @discardableResult
    public func deleteStaleVectors(modality: VectorModality) throws -> StaleVectorReport {
        try write { try $0.deleteStaleVectors(modality: modality) }
    }

    /// Items with no vector of `modality` (new, or whose stale vector was deleted), ascending.
    public func itemsMissingVectors(modality: VectorModality) throws -> [String] {
        try read { try $0.itemsMissingVectors(modality: modality) }
    }

    // MARK: Events

    /// Appends events in one transaction; when this returns they are committed (and, with `.full` durability, on disk).
    public func append(_ events: [InteractionEvent]) throws { try write { try $0.append(events) } }

    /// One user's events in append order.
    public func events(for userID: String) throws -> [InteractionEvent] { try read { try $0.fetchEvents(userID: userID) } }

    /// All events in append order.
    public func allEvents() throws -> [InteractionEvent] { try read { try $0.fetchEvents(userID: nil) } }

    /// Number of events, optionally of one user.
    public func eventCount(for userID: String? = nil) throws -> Int { try read { try $0.countEvents(userID: userID) } }

    /// Every user id that has at least one event, ascending.
    public func userIDs() throws -> [String] { try read { try $0.fetchUserIDs() } }

    // MARK: Trained models and meta

    /// Saves a new revision of the blob `name`; see `StoreTransaction.saveTrainedModel`.
    @discardableResult
    public func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int = 2) throws -> TrainedModelBlob {
        try write { try $0.saveTrainedModel(name: name, data: data, configJSON: configJSON, keepingPrevious: keepingPrevious) }
    }

    /// The latest saved revision of the blob `name`, or nil.
    public func latestTrainedModel(named name: String) throws -> TrainedModelBlob? { try read { try $0.latestTrainedModel(name: name) } }

    /// A value from the key/value meta table, or nil.
    public func metaValue(for key: String) throws -> String? { try read { try $0.metaValue(key: key) } }

    /// Sets (or, with nil, removes) a meta value.
    public func setMetaValue(_ value: String?, for key: String) throws { try write { try $0.setMetaValue(value, for: key) } }
}
