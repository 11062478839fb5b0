import Foundation
import VitrineCore

/// `SQLiteStore`'s transaction: every call runs on the writer connection inside its open
/// `BEGIN IMMEDIATE` transaction (see `StoreTransaction` for the contract).
final class SQLiteTransaction: StoreTransaction {
    private let connection: Connection
    private var isOpen = true

    init(connection: Connection) { self.connection = connection }

    func close() { isOpen = false }

    private func open() throws -> Connection {
        guard isOpen else { throw StoreError.transactionClosed }
        return connection
    }

    // MARK: Items

    /// Adds a new item with its vectors. - Throws: `.duplicateItem` if the id already exists.
    func insert(_ item: StoredItem, vectors: [StoredVector]) throws {
        let connection = try open()
        if try connection.itemExists(id: item.id) { throw StoreError.duplicateItem(id: item.id) }
        try upsert(item, vectors: vectors)
    }

    /// Adds or replaces an item and sets its vectors to exactly `vectors` (other modalities are removed).
    /// An existing item keeps its `createdAt`.
    /// - Throws: `.duplicateItem` if two vectors share a modality, `.invalidVector`, `.modelMismatch`.
    func upsert(_ item: StoredItem, vectors: [StoredVector]) throws {
        let connection = try open()
        try Self.checkDistinctModalities(vectors, itemID: item.id)
        try connection.writeItem(item)
        _ = try connection.removeVectors(itemID: item.id, modality: nil)
        for vector in vectors { try connection.writeVector(vector, itemID: item.id) }
    }

    /// Adds or replaces the given modalities' vectors of an existing item, leaving its other vectors alone.
    /// - Throws: `.unknownItem`, `.invalidVector`, `.modelMismatch`.
    func setVectors(_ vectors: [StoredVector], for itemID: String) throws {
        let connection = try open()
        try Self.checkDistinctModalities(vectors, itemID: itemID)
        for vector in vectors { try connection.writeVector(vector, itemID: itemID) }
    }

    /// Deletes an item with its tags, vectors and events; false if there was no such item.
    @discardableResult
    func deleteItem(id: String) throws -> Bool {
        try open().removeItem(id: id)
    }

    /// Deletes an item's vector of one modality (or all when `modality` is nil); returns how many were deleted.
    @discardableResult
    func deleteVectors(for itemID: String, modality: Modality?) throws -> Int {
        try open().removeVectors(itemID: itemID, modality: modality)
    }

    /// The item with `id` as this transaction sees it.
    func item(id: String) throws -> StoredItem? { try open().fetchItem(id: id) }

    /// Content hash per item id, to decide what the indexer must re-embed.
    func contentHashes() throws -> [String: String] { try open().fetchContentHashes() }

    // MARK: Models

    /// Makes `modelID` the current model for `modality` and reports the vectors it leaves stale
    /// (produced by another model). Stale vectors stay until `deleteStaleVectors` or re-embedding.
    @discardableResult
    func setCurrentModel(_ modelID: String, for modality: Modality) throws -> StaleVectorReport {
        let connection = try open()
        try connection.registerModel(modelID, for: modality)
        return try connection.staleVectors(modality: modality)
    }

    /// The current model for `modality`, if one is registered.
    func currentModel(for modality: Modality) throws -> String? { try open().currentModel(for: modality) }

    /// Deletes the vectors of `modality` not produced by its current model and reports which items lost one;
    /// they then show up in `itemsMissingVectors(modality:)` for the indexer to re-embed.
    @discardableResult
    func deleteStaleVectors(modality: Modality) throws -> StaleVectorReport {
        let connection = try open()
        let report = try connection.staleVectors(modality: modality)
        if let current = report.currentModelID {
            try connection.run("DELETE FROM vectors WHERE modality = ? AND model_id != ?", [.text(modality.rawValue), .text(current)],
                               operation: "delete stale \(modality.rawValue) vectors")
        }
        return report
    }

    // MARK: Events, trained models, meta

    /// Appends events in order. - Throws: `.unknownItem` naming the first event whose item is missing
    /// (then, as with any throw, the whole block is rolled back).
    func append(_ events: [Interaction]) throws {
        let connection = try open()
        for event in events { try connection.appendEvent(event) }
    }

    /// Deletes every event of `userID`; returns how many were deleted.
    @discardableResult
    func deleteEvents(userID: String) throws -> Int {
        try open().removeEvents(userID: userID)
    }

    /// Saves a new revision of the blob `name`, keeping `keepingPrevious` older revisions and deleting the rest.
    @discardableResult
    func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int) throws -> TrainedModelBlob {
        try open().saveTrainedModel(name: name, data: data, configJSON: configJSON, keepingPrevious: keepingPrevious)
    }

    /// Sets (or, with nil, removes) a meta value.
    func setMetaValue(_ value: String?, for key: String) throws { try open().setMetaValue(value, key: key) }

    /// A meta value as this transaction sees it.
    func metaValue(for key: String) throws -> String? { try open().metaValue(key: key) }

    /// The catalog generation including this transaction's own changes (bumped by triggers).
    func catalogGeneration() throws -> Int64? { try metaValue(for: Migrations.catalogGenerationKey).flatMap { Int64($0) } }

    private static func checkDistinctModalities(_ vectors: [StoredVector], itemID: String) throws {
        var seen = Set<Modality>()
        for vector in vectors where !seen.insert(vector.modality).inserted {
            throw StoreError.invalidVector(itemID: itemID, modality: vector.modality.rawValue, reason: "two vectors given for this modality")
        }
    }
}
