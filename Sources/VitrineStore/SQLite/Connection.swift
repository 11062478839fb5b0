import CSQLite
import Foundation
import VitrineCore

/// SQLite's "copy this buffer now" destructor sentinel (`SQLITE_TRANSIENT` is a macro Swift cannot import).
let sqliteTransient = unsafeBitCast(Int(-1), to: sqlite3_destructor_type.self)

/// One SQLite connection. Not thread-safe by itself: `CatalogStore` hands each connection to one
/// thread at a time (the writer behind a lock, readers through a pool), so SQLite runs in
/// multi-thread mode (`SQLITE_OPEN_NOMUTEX`) without its own per-call mutex.
final class Connection {
    let handle: OpaquePointer
    /// The database file, used in every error message.
    let path: String
    private var statementCache: [String: Statement] = [:]

    /// Opens (or creates, when `create` is true) the database at `path`.
    init(path: String, create: Bool, busyTimeoutMilliseconds: Int) throws {
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            if let db { sqlite3_close_v2(db) }
            throw StoreError.openFailed(file: path, code: code, message: message)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: busyTimeoutMilliseconds))
    }

    deinit {
        for statement in statementCache.values { statement.finalize() }
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The typed error for a failed call, carrying SQLite's own message.
    func error(code: Int32, operation: String, sql: String?) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        switch code & 0xff {
        case SQLITE_NOTADB:
            return .notADatabase(file: path, message: message)
        case SQLITE_CORRUPT:
            return .corruptDatabase(file: path, message: message)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .busy(file: path, operation: operation, message: message)
        default:
            return .sqlite(file: path, operation: operation, sql: sql, code: code, message: message)
        }
    }

    /// Runs one or more statements that take no parameters and return no rows we need (DDL, pragmas).
    func execute(_ sql: String, operation: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if let errorMessage { sqlite3_free(errorMessage) }
        if code != SQLITE_OK { throw error(code: code, operation: operation, sql: sql) }
    }

    /// A prepared statement for `sql`, reused across calls; it comes back reset with bindings cleared.
    func prepare(_ sql: String, operation: String) throws -> Statement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else {
            throw error(code: code, operation: operation, sql: sql)
        }
        let statement = Statement(handle: raw, sql: sql, operation: operation, connection: self)
        statementCache[sql] = statement
        return statement
    }

    /// Prepares, binds and runs a statement to completion, ignoring any rows.
    func run(_ sql: String, _ values: [SQLValue] = [], operation: String) throws {
        let statement = try prepare(sql, operation: operation)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs a query and maps every row with `row`.
    func query<T>(_ sql: String, _ values: [SQLValue] = [], operation: String, row: (Statement) throws -> T) throws -> [T] {
        let statement = try prepare(sql, operation: operation)
        defer { statement.reset() }
        try statement.bind(values)
        var results: [T] = []
        while try statement.step() { results.append(try row(statement)) }
        return results
    }

    /// Runs a query expected to return at most one row.
    func queryFirst<T>(_ sql: String, _ values: [SQLValue] = [], operation: String, row: (Statement) throws -> T) throws -> T? {
        let statement = try prepare(sql, operation: operation)
        defer { statement.reset() }
        try statement.bind(values)
        return try statement.step() ? row(statement) : nil
    }

    /// A single integer result (`SELECT count(*) ...`, pragmas); 0 when the query yields no row.
    func scalarInt(_ sql: String, _ values: [SQLValue] = [], operation: String) throws -> Int {
        try queryFirst(sql, values, operation: operation) { $0.int(0) } ?? 0
    }

    /// Number of rows changed by the most recent INSERT/UPDATE/DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// True while an explicit transaction is open on this connection.
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
}

/// A value bound to a statement parameter.
enum SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Double?) { self = number.map(SQLValue.real) ?? .null }
}

/// A prepared statement owned (and finalized) by its connection's cache.
final class Statement {
    let handle: OpaquePointer
    let sql: String
    let operation: String
    unowned let connection: Connection

    init(handle: OpaquePointer, sql: String, operation: String, connection: Connection) {
        self.handle = handle
        self.sql = sql
        self.operation = operation
        self.connection = connection
    }

    func finalize() { sqlite3_finalize(handle) }

    /// Resets the statement so it can run again and drops previous bindings.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds `values` to parameters 1...n.
    func bind(_ values: [SQLValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == values.count else {
            throw StoreError.sqlite(file: connection.path, operation: operation, sql: sql, code: SQLITE_RANGE,
                                    message: "statement takes \(expected) parameters, \(values.count) given")
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, sqliteTransient)
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    // A zero-length blob still needs a non-nil pointer or SQLite stores NULL.
                    sqlite3_bind_blob64(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                                        sqlite3_uint64(bytes.count), sqliteTransient)
                }
            }
            if code != SQLITE_OK { throw connection.error(code: code, operation: operation, sql: sql) }
        }
    }

    /// Advances to the next row; false once the statement is done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code: code, operation: operation, sql: sql)
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// The column's bytes, valid only until the next `step`/`reset`; callers copy out what they keep.
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? pointer : nil, count: count))
    }

    func blob(_ column: Int32) -> Data { withBlob(column) { Data($0) } }
}
