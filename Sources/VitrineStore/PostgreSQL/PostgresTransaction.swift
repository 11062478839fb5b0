import Foundation
import VitrineCore

/// `PostgresStore`'s transaction: every call runs on the writer connection inside its open
/// transaction (see `StoreTransaction` for the contract). It also collects what changed, which
/// `recordChanges` writes to the change log just before the commit.
final class PostgresTransaction: StoreTransaction {
    private let connection: BlockingConnection
    private let vectorStorage: PostgresStoreOptions.VectorStorage
    private var isOpen = true
    /// Changed keys in first-change order, each (kind, key) once.
    private var changeOrder: [(StoreChange.Kind, String?)] = []
    private var seen = Set<String>()

    init(connection: BlockingConnection, vectorStorage: PostgresStoreOptions.VectorStorage) {
        self.connection = connection
        self.vectorStorage = vectorStorage
    }

    func close() { isOpen = false }

    private func open() throws -> BlockingConnection {
        guard isOpen else { throw StoreError.transactionClosed }
        return connection
    }

    private func note(_ kind: StoreChange.Kind, _ key: String?) {
        if seen.insert("\(kind.rawValue)\u{0}\(key ?? "")").inserted { changeOrder.append((kind, key)) }
    }

    /// True when this transaction changed items, tags, vectors or current models, which moves the
    /// catalog generation by one at commit.
    private var changesCatalog: Bool {
        changeOrder.contains { $0.0 == .item || $0.0 == .itemDeleted || $0.0 == .model }
    }

    /// The catalog generation as it will be when this transaction commits.
    func catalogGeneration() throws -> Int64? {
        guard let stored = try open().metaValue(key: PostgresSchema.catalogGenerationKey).flatMap({ Int64($0) }) else { return nil }
        return stored + (changesCatalog ? 1 : 0)
    }

    /// Writes the change-log rows, bumps the catalog generation when the catalog changed, and queues
    /// the notification (delivered by PostgreSQL on commit only).
    func recordChanges(channel: String) throws {
        guard !changeOrder.isEmpty else { return }
        if changesCatalog {
            try connection.query("UPDATE meta SET value = (value::bigint + 1)::text WHERE key = $1", [.text(PostgresSchema.catalogGenerationKey)],
                                 operation: "bump the catalog generation")
        }
        try connection.query("""
            WITH added AS (
                INSERT INTO changes (kind, key) SELECT k, nullif(v, E'\\x01') FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(k, v, n)
                ORDER BY n RETURNING seq)
            SELECT pg_notify($3, max(seq)::text) FROM added
            """, [.textArray(changeOrder.map(\.0.rawValue)), .textArray(changeOrder.map { $0.1 ?? "\u{01}" }), .text(channel)],
            operation: "record \(changeOrder.count) changes")
    }

    // MARK: Items

    func insert(_ item: StoredItem, vectors: [StoredVector]) throws {
        let connection = try open()
        if try connection.itemExists(id: item.id) { throw StoreError.duplicateItem(id: item.id) }
        try upsert(item, vectors: vectors)
    }

    func upsert(_ item: StoredItem, vectors: [StoredVector]) throws {
        let connection = try open()
        try Self.checkDistinctModalities(vectors, itemID: item.id)
        for vector in vectors { try VectorEncoding.validate(vector, itemID: item.id) }
        try connection.writeItem(item)
        _ = try connection.removeVectors(itemID: item.id, modality: nil)
        for vector in vectors { try connection.writeVector(vector, itemID: item.id, storage: vectorStorage, checkItem: false) }
        note(.item, item.id)
    }

    func setVectors(_ vectors: [StoredVector], for itemID: String) throws {
        let connection = try open()
        try Self.checkDistinctModalities(vectors, itemID: itemID)
        for vector in vectors { try connection.writeVector(vector, itemID: itemID, storage: vectorStorage) }
        note(.item, itemID)
    }

    @discardableResult
    func deleteItem(id: String) throws -> Bool {
        let deleted = try open().removeItem(id: id)
        if deleted { note(.itemDeleted, id) }
        return deleted
    }

    @discardableResult
    func deleteVectors(for itemID: String, modality: Modality?) throws -> Int {
        let count = try open().removeVectors(itemID: itemID, modality: modality)
        if count > 0 { note(.item, itemID) }
        return count
    }

    func item(id: String) throws -> StoredItem? { try open().fetchItem(id: id) }

    func contentHashes() throws -> [String: String] { try open().fetchContentHashes() }

    // MARK: Models

    @discardableResult
    func setCurrentModel(_ modelID: String, for modality: Modality) throws -> StaleVectorReport {
        let connection = try open()
        try connection.registerModel(modelID, for: modality)
        note(.model, modality.rawValue)
        return try connection.staleVectors(modality: modality)
    }

    func currentModel(for modality: Modality) throws -> String? { try open().currentModel(for: modality) }

    @discardableResult
    func deleteStaleVectors(modality: Modality) throws -> StaleVectorReport {
        let connection = try open()
        let report = try connection.staleVectors(modality: modality)
        if let current = report.currentModelID, !report.itemIDs.isEmpty {
            try connection.query("DELETE FROM vectors WHERE modality = $1 AND model_id != $2", [.text(modality.rawValue), .text(current)],
                                 operation: "delete stale \(modality.rawValue) vectors")
            note(.model, modality.rawValue)
        }
        return report
    }

    // MARK: Events, trained models, meta

    func append(_ events: [Interaction]) throws {
        try open().appendEvents(events)
        for event in events { note(.events, event.user) }
    }

    @discardableResult
    func deleteEvents(userID: String) throws -> Int {
        let count = try open().removeEvents(userID: userID)
        if count > 0 { note(.events, userID) }
        return count
    }

    @discardableResult
    func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int) throws -> TrainedModelBlob {
        let blob = try open().saveTrainedModel(name: name, data: data, configJSON: configJSON, keepingPrevious: keepingPrevious)
        note(.trainedModel, name)
        return blob
    }

    func setMetaValue(_ value: String?, for key: String) throws {
        try open().setMetaValue(value, key: key)
        note(.meta, key)
    }

    func metaValue(for key: String) throws -> String? { try open().metaValue(key: key) }

    private static func checkDistinctModalities(_ vectors: [StoredVector], itemID: String) throws {
        var seen = Set<Modality>()
        for vector in vectors where !seen.insert(vector.modality).inserted {
            throw StoreError.invalidVector(itemID: itemID, modality: vector.modality.rawValue, reason: "two vectors given for this modality")
        }
    }
}
