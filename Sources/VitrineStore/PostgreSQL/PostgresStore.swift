import Foundation
import NIOCore
import PostgresNIO
import VitrineCore

/// The shared store: the same items, vectors, models, events, trained model blobs and meta values
/// as `SQLiteStore`, in a PostgreSQL database, so several `vitrine serve` replicas and indexing
/// shards can work on one catalog. Passes the same conformance suite.
///
/// Thread-safe. Writes go through one writer connection per process, and across processes they take
/// one advisory lock per schema, so write transactions are serialized everywhere (as SQLite's
/// `BEGIN IMMEDIATE` does) and the change-log sequence is in commit order. Reads run concurrently
/// on a small pool of read connections; a read that needs several statements runs in one
/// `REPEATABLE READ` snapshot. A lost connection is dropped and the next call reconnects, so the
/// store survives a server restart; calls during the outage throw `StoreError.unavailable`.
public final class PostgresStore: CatalogStore, ChangeLogStore, @unchecked Sendable {
    /// The server, database and schema.
    public let address: PostgresAddress
    /// `postgres://user@host:port/database`, never with the password.
    public var location: String { address.description }
    public let options: PostgresStoreOptions
    /// How this schema stores vectors (`.pgvector` or `.bytea`, never `.automatic`).
    public let vectorStorage: PostgresStoreOptions.VectorStorage
    /// The PostgreSQL schema (namespace) holding the tables.
    public let schema: String
    /// The `NOTIFY` channel commits announce themselves on.
    public let notificationChannel: String
    /// `application_name` of the store's connections (`vitrine:SCHEMA`), to find them in `pg_stat_activity`.
    public var applicationName: String { "vitrine:\(schema)" }
    let searchPath: String
    private let writer: PostgresWriterSlot
    private let readers: PostgresReaderPool

    /// The schema version this build writes; older schemas are migrated up to it when opened.
    public static var currentSchemaVersion: Int { PostgresSchema.currentVersion }

    /// Opens the store at a `postgres://user:password@host:port/database[?schema=name]` URL.
    /// A `?vectors=pgvector|bytea` query parameter sets `options.vectorStorage` for a new schema.
    public convenience init(url: String, options: PostgresStoreOptions = PostgresStoreOptions()) throws {
        try self.init(address: PostgresAddress(url: url), options: options.applyingQuery(of: url))
    }

    /// Connects, creates the schema when missing and migrates an older one.
    /// - Throws: `StoreError.unavailable` when the server cannot be reached, `.newerSchema`,
    ///   `.notADatabase` for a schema holding other tables, `.migrationFailed`, `.postgres`.
    public init(address: PostgresAddress, options: PostgresStoreOptions = PostgresStoreOptions()) throws {
        self.address = address
        self.options = options
        let schema = address.schema ?? "public"
        try PostgresAddress.checkIdentifier(schema, what: "schema")
        self.schema = schema
        notificationChannel = "vitrine_changes_\(schema)"
        let connection = try BlockingConnection.open(address, searchPath: "\"\(schema)\"", applicationName: "vitrine:\(schema)",
                                                    connectTimeoutSeconds: options.connectTimeoutSeconds)
        do {
            vectorStorage = try PostgresSchema.migrate(connection, schema: schema, storage: options.vectorStorage)
            var path = "\"\(schema)\""
            if let extensionSchema = try PostgresSchema.extensionSchema(connection), extensionSchema != schema {
                path += ", \"\(extensionSchema)\""
            }
            searchPath = path
            try connection.simple("SET search_path TO \(path)", operation: "select the store's schema")
        } catch {
            connection.close()
            throw error
        }
        writer = PostgresWriterSlot(connection: connection)
        readers = PostgresReaderPool(maxIdle: options.maxIdleReaders)
    }

    deinit {
        writer.close()
        readers.close()
    }

    func openConnection() throws -> BlockingConnection {
        try BlockingConnection.open(address, searchPath: searchPath, applicationName: applicationName,
                                   connectTimeoutSeconds: options.connectTimeoutSeconds)
    }

    // MARK: Transactions

    /// Runs `body` as one write transaction; see `CatalogStore.write`. The change-log rows of what it
    /// did are written in the same transaction, and a `NOTIFY` goes out when it commits.
    /// A nested `write` on the same store and thread throws instead of deadlocking.
    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        let marker = "vitrine.postgres.write.\(ObjectIdentifier(self).hashValue)"
        let threadState = Thread.current.threadDictionary
        if threadState[marker] != nil {
            throw StoreError.invalidArgument(name: "write", reason: "a write transaction is already open on this store in this thread; use its transaction")
        }
        threadState[marker] = true
        defer { threadState.removeObject(forKey: marker) }
        return try writer.withConnection(open: openConnection) { connection in
            try connection.simple("BEGIN", operation: "begin write transaction")
            let transaction = PostgresTransaction(connection: connection, vectorStorage: vectorStorage)
            defer { transaction.close() }
            do {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("vitrine-write:\(schema)")],
                                     operation: "serialize writers")
                let result = try body(transaction)
                try transaction.recordChanges(channel: notificationChannel)
                try connection.simple("COMMIT", operation: "commit write transaction")
                return result
            } catch {
                if !connection.isClosed { try? connection.simple("ROLLBACK", operation: "roll back write transaction") }
                throw error
            }
        }
    }

    /// Runs `body` on a read connection; with `snapshot`, inside one read-only `REPEATABLE READ` transaction.
    func read<T>(snapshot: Bool = false, _ body: (BlockingConnection) throws -> T) throws -> T {
        try readers.withConnection(open: openConnection) { connection in
            guard snapshot else { return try body(connection) }
            try connection.simple("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", operation: "begin read snapshot")
            do {
                let result = try body(connection)
                try connection.simple("COMMIT", operation: "end read snapshot")
                return result
            } catch {
                if !connection.isClosed { try? connection.simple("ROLLBACK", operation: "end read snapshot") }
                throw error
            }
        }
    }

    // MARK: Items

    public func item(id: String) throws -> StoredItem? { try read { try $0.fetchItem(id: id) } }

    public func items(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] {
        try read { try $0.fetchItems(offset: offset, limit: limit, tag: tag) }
    }

    public func itemCount(tag: String?) throws -> Int { try read { try $0.countItems(tag: tag) } }

    public func contentHashes() throws -> [String: String] { try read { try $0.fetchContentHashes() } }

    // MARK: Vectors and models

    public func vectors(for itemID: String) throws -> [StoredVector] {
        try read { try $0.fetchVectors(itemID: itemID, storage: vectorStorage) }
    }

    public func vectorMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix {
        try read { try $0.fetchMatrix(modality: modality, modelID: modelID, storage: vectorStorage) }
    }

    public func currentModel(for modality: Modality) throws -> String? { try read { try $0.currentModel(for: modality) } }

    public func staleVectors(modality: Modality) throws -> StaleVectorReport {
        try read(snapshot: true) { try $0.staleVectors(modality: modality) }
    }

    public func itemsMissingVectors(modality: Modality) throws -> [String] {
        try read { try $0.itemsMissingVectors(modality: modality) }
    }

    // MARK: Events

    public func events(for userID: String) throws -> [Interaction] { try read { try $0.fetchEvents(userID: userID) } }

    public func allEvents() throws -> [Interaction] { try read { try $0.fetchEvents(userID: nil) } }

    public func eventCount(for userID: String?) throws -> Int { try read { try $0.countEvents(userID: userID) } }

    public func userIDs() throws -> [String] {
        try read { try $0.all("SELECT DISTINCT user_id FROM events ORDER BY user_id", operation: "list users") {
            try $0.decode(String.self, context: .default)
        } }
    }

    // MARK: Trained models, meta, health

    public func latestTrainedModel(named name: String) throws -> TrainedModelBlob? { try read { try $0.latestTrainedModel(name: name) } }

    public func latestTrainedModelRevision(named name: String) throws -> TrainedModelRevision? {
        try read { try $0.latestTrainedModelRevision(name: name) }
    }

    public func metaValue(for key: String) throws -> String? { try read { try $0.metaValue(key: key) } }

    /// The committed catalog generation (see `CatalogStore.catalogGeneration()`); writers are serialized,
    /// so it moves in commit order with the change log.
    public func catalogGeneration() throws -> Int64? {
        try metaValue(for: PostgresSchema.catalogGenerationKey).flatMap { Int64($0) }
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws -> Int {
        try read { try $0.scalarInt("SELECT version FROM vitrine_schema", operation: "read schema version") }
    }

    /// Counts and sizes for `vitrine info`; the size is every table of the schema with its indexes and TOAST.
    public func info() throws -> StoreInfo {
        try read(snapshot: true) { connection in
            var vectorCounts: [Modality: Int] = [:]
            for (modality, count) in try connection.all("SELECT modality::text, count(*) FROM vectors GROUP BY modality",
                                                        operation: "count vectors", row: { try $0.decode((String, Int).self, context: .default) }) {
                if let modality = Modality(rawValue: modality) { vectorCounts[modality] = count }
            }
            let counts = try connection.first("""
                SELECT (SELECT version FROM vitrine_schema), (SELECT count(*) FROM items), (SELECT count(*) FROM events),
                    (SELECT count(DISTINCT user_id) FROM events), (SELECT count(*) FROM trained_models),
                    (SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
                        WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r')
                """, [.text("\"\(schema)\"")], operation: "count store contents") {
                try $0.decode((Int, Int, Int, Int, Int, Int64).self, context: .default)
            }
            guard let counts else { throw StoreError.corruptRecord(table: "vitrine_schema", key: schema, field: "version", reason: "no row") }
            return StoreInfo(path: location, schemaVersion: counts.0, itemCount: counts.1, vectorCounts: vectorCounts,
                             eventCount: counts.2, userCount: counts.3, trainedModelCount: counts.4,
                             currentModels: try connection.currentModels(), fileSizeBytes: counts.5)
        }
    }

    /// Checks what PostgreSQL's constraints do not: vectors whose stored length disagrees with their
    /// dtype and dimension, rows orphaned from their item, the schema version and format marker.
    public func integrityCheck() throws -> [String] {
        try read(snapshot: true) { connection in
            var problems: [String] = []
            let version = try connection.scalarInt("SELECT version FROM vitrine_schema", operation: "read schema version")
            if version != Self.currentSchemaVersion { problems.append("schema version \(version), expected \(Self.currentSchemaVersion)") }
            if try connection.metaValue(key: "format") != "vitrine-store" { problems.append("meta 'format' is not 'vitrine-store'") }
            let badLength: String
            switch vectorStorage {
            case .pgvector:
                badLength = """
                    (dtype = 'f32' AND vector_dims(data_f32) != dimension) OR (dtype = 'f16' AND vector_dims(data_f16) != dimension)
                    """
            case .bytea, .automatic:
                badLength = "octet_length(data) != dimension * CASE dtype WHEN 'f32' THEN 4 ELSE 2 END"
            }
            problems += try connection.all("SELECT item_id::text, modality::text FROM vectors WHERE \(badLength) ORDER BY item_id, modality",
                                           operation: "check vector lengths") { row in
                let (item, modality) = try row.decode((String, String).self, context: .default)
                return "\(modality) vector of '\(item)' does not match its dtype and dimension"
            }
            for table in ["vectors", "item_tags", "events"] {
                problems += try connection.all("""
                    SELECT DISTINCT item_id::text FROM \(table) t WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = t.item_id) ORDER BY 1
                    """, operation: "check \(table) references") { row in
                    "\(table) row refers to missing item '\(try row.decode(String.self, context: .default))'"
                }
            }
            return problems
        }
    }

    // MARK: Change log

    public func latestChangeSequence() throws -> Int64 {
        try read { Int64(try $0.scalarInt("SELECT coalesce(max(seq), 0) FROM changes", operation: "read change sequence")) }
    }

    public func changes(after sequence: Int64, limit: Int) throws -> [StoreChange] {
        try read { connection in
            try connection.all("SELECT seq, kind, key FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                               [.integer(sequence), .integer(Int64(max(0, limit)))], operation: "read change log") { row in
                let (seq, kind, key) = try row.decode((Int64, String, String?).self, context: .default)
                return StoreChange(sequence: seq, kind: StoreChange.Kind(rawValue: kind) ?? .unknown, key: key)
            }
        }
    }

    public func listenForChanges(_ handler: @escaping @Sendable () -> Void) -> any ChangeSubscription {
        PostgresChangeListener(store: self, handler: handler)
    }
}

/// The writer connection behind a lock, reopened after the server dropped it.
private final class PostgresWriterSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: BlockingConnection?

    init(connection: BlockingConnection) { self.connection = connection }

    func withConnection<T>(open: () throws -> BlockingConnection, _ body: (BlockingConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if let current = connection, current.isClosed { connection = nil }
        let current = try connection ?? open()
        connection = current
        defer { if current.isClosed { connection = nil } }
        return try body(current)
    }

    func close() {
        lock.lock()
        connection?.close()
        connection = nil
        lock.unlock()
    }
}

/// Read connections handed to one thread at a time; opened on demand, up to `maxIdle` kept.
private final class PostgresReaderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [BlockingConnection] = []
    private let maxIdle: Int

    init(maxIdle: Int) { self.maxIdle = maxIdle }

    func withConnection<T>(open: () throws -> BlockingConnection, _ body: (BlockingConnection) throws -> T) throws -> T {
        lock.lock()
        var reused: BlockingConnection?
        while let candidate = idle.popLast() {
            if candidate.isClosed { continue }
            reused = candidate
            break
        }
        lock.unlock()
        let connection = try reused ?? open()
        defer {
            lock.lock()
            if idle.count < maxIdle, !connection.isClosed { idle.append(connection) } else { connection.close() }
            lock.unlock()
        }
        return try body(connection)
    }

    func close() {
        lock.lock()
        for connection in idle { connection.close() }
        idle = []
        lock.unlock()
    }
}
