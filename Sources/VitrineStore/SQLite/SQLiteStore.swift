import CSQLite
import Foundation
import VitrineCore

/// How the store opens its file.
public struct StoreOptions: Sendable, Equatable {
    /// How long a statement waits for another connection's lock before failing with `StoreError.busy`.
    public var busyTimeoutMilliseconds: Int
    /// When a committed write is guaranteed to be on disk.
    public var durability: Durability
    /// Read connections kept open between reads; more are opened on demand under load.
    public var maxIdleReaders: Int

    /// Commit durability. Both use WAL, so a killed process never loses or corrupts a committed
    /// transaction; they differ only on power loss / OS crash.
    public enum Durability: String, Sendable, Equatable {
        /// `synchronous=FULL`: every commit fsyncs the WAL, so an acknowledged event survives power loss.
        /// The cost is one fsync per transaction, which is why writes are batched in `write { }` blocks.
        case full
        /// `synchronous=NORMAL`: fsync only at checkpoints; the last commits may be lost on power loss.
        case normal
    }

    /// Defaults: 5 s busy timeout, full durability, 4 idle readers.
    public init(busyTimeoutMilliseconds: Int = 5_000, durability: Durability = .full, maxIdleReaders: Int = 4) {
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.durability = durability
        self.maxIdleReaders = maxIdleReaders
    }
}

/// The embedded store (the default `CatalogStore`): items, their vectors, models, interaction events,
/// trained model blobs and metadata, in one SQLite file in WAL mode.
///
/// Thread-safe: writes are serialized through one writer connection (`write { tx in … }` is one
/// transaction), and reads run concurrently on a pool of read connections, each read in its own
/// snapshot, so many server requests can read while the indexer writes. Several processes may
/// open the same file; they wait for each other up to the busy timeout.
public final class SQLiteStore: CatalogStore {
    /// The database file.
    public let path: String
    /// The database file.
    public var location: String { path }
    /// The options the store was opened with.
    public let options: StoreOptions
    private let writer: WriterSlot
    private let readers: ReaderPool

    /// The schema version this build writes; older files are migrated up to it when opened.
    public static var currentSchemaVersion: Int { Migrations.currentVersion }

    /// Opens the store at `path`, creating the file if missing and migrating an older schema.
    /// - Throws: `StoreError.notADatabase` for a file that is not a Vitrine store,
    ///   `.newerSchema` for a file written by a newer build, `.openFailed` / `.migrationFailed` otherwise.
    public init(path: String, options: StoreOptions = StoreOptions()) throws {
        self.path = path
        self.options = options
        let connection = try Connection(path: path, create: true, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        // The first statement reads the header, so a non-database file fails here with SQLITE_NOTADB.
        let mode = try connection.queryFirst("PRAGMA journal_mode = WAL", operation: "enable write-ahead logging") { $0.text(0) }
        guard mode?.lowercased() == "wal" else {
            throw StoreError.openFailed(file: path, code: SQLITE_ERROR, message: "cannot enable WAL journal mode (got \(mode ?? "nothing"))")
        }
        try connection.execute("PRAGMA foreign_keys = ON", operation: "enable foreign keys")
        try connection.execute("PRAGMA synchronous = \(options.durability == .full ? "FULL" : "NORMAL")", operation: "set durability")
        try Migrations.migrate(connection)
        writer = WriterSlot(connection: connection)
        readers = ReaderPool(path: path, options: options)
    }

    /// Runs `body` as one write transaction (`BEGIN IMMEDIATE` … `COMMIT`); see `CatalogStore.write`.
    public func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try writer.withConnection { connection in
            try connection.execute("BEGIN IMMEDIATE", operation: "begin write transaction")
            let transaction = SQLiteTransaction(connection: connection)
            defer { transaction.close() }
            do {
                let result = try body(transaction)
                try connection.execute("COMMIT", operation: "commit write transaction")
                return result
            } catch {
                if connection.inTransaction { try? connection.execute("ROLLBACK", operation: "roll back write transaction") }
                throw error
            }
        }
    }

    /// Runs `body` on a read connection inside one snapshot (a deferred read transaction).
    func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try readers.withConnection { connection in
            try connection.execute("BEGIN", operation: "begin read snapshot")
            defer { try? connection.execute("COMMIT", operation: "end read snapshot") }
            return try body(connection)
        }
    }

    /// The schema version stored in the file.
    public func schemaVersion() throws -> Int {
        try read { try $0.scalarInt("PRAGMA user_version", operation: "read schema version") }
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; returns the problems found (empty when sound).
    public func integrityCheck() throws -> [String] {
        try read { connection in
            let integrity = try connection.query("PRAGMA integrity_check", operation: "integrity check") { $0.text(0) }
            let foreignKeys = try connection.query("PRAGMA foreign_key_check", operation: "foreign key check") { row in
                "foreign key violation in \(row.text(0)) row \(row.int(1)) → \(row.text(2))"
            }
            return integrity.filter { $0 != "ok" } + foreignKeys
        }
    }

    /// Counts and sizes for `vitrine info`.
    public func info() throws -> StoreInfo {
        let counts = try read { connection -> StoreInfo in
            var vectorCounts: [Modality: Int] = [:]
            for (modality, count) in try connection.query(
                "SELECT modality, count(*) FROM vectors GROUP BY modality", operation: "count vectors", row: { ($0.text(0), $0.int(1)) }) {
                if let modality = Modality(rawValue: modality) { vectorCounts[modality] = count }
            }
            return StoreInfo(
                path: path,
                schemaVersion: try connection.scalarInt("PRAGMA user_version", operation: "read schema version"),
                itemCount: try connection.scalarInt("SELECT count(*) FROM items", operation: "count items"),
                vectorCounts: vectorCounts,
                eventCount: try connection.scalarInt("SELECT count(*) FROM events", operation: "count events"),
                userCount: try connection.scalarInt("SELECT count(DISTINCT user_id) FROM events", operation: "count users"),
                trainedModelCount: try connection.scalarInt("SELECT count(*) FROM trained_models", operation: "count trained models"),
                currentModels: try connection.currentModels(),
                fileSizeBytes: 0)
        }
        var result = counts
        result.fileSizeBytes = [path, path + "-wal"].reduce(Int64(0)) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
        return result
    }

    /// Copies the write-ahead log into the main file and truncates it (e.g. before copying the file).
    public func checkpoint() throws {
        try writer.withConnection { connection in
            _ = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)", operation: "checkpoint") { $0.int(0) }
        }
    }
}

/// The single writer connection behind a lock. Recursive, so a nested `write` on the same thread
/// fails with SQLite's "cannot start a transaction within a transaction" instead of deadlocking.
private final class WriterSlot: @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private let connection: Connection

    init(connection: Connection) { self.connection = connection }

    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(connection)
    }
}

/// Read connections handed to one thread at a time; opened on demand, up to `maxIdleReaders` kept.
private final class ReaderPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Connection] = []
    private let path: String
    private let options: StoreOptions

    init(path: String, options: StoreOptions) {
        self.path = path
        self.options = options
    }

    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        lock.lock()
        let reused = idle.popLast()
        lock.unlock()
        let connection = try reused ?? open()
        defer {
            lock.lock()
            if idle.count < options.maxIdleReaders, !connection.inTransaction { idle.append(connection) }
            lock.unlock()
        }
        return try body(connection)
    }

    private func open() throws -> Connection {
        let connection = try Connection(path: path, create: false, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        try connection.execute("PRAGMA query_only = ON", operation: "open read connection")
        return connection
    }
}
