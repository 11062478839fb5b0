import Foundation

/// Everything that can go wrong in the store, each case naming the file, record or operation involved.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// SQLite could not open or create the file.
    case openFailed(file: String, code: Int32, message: String)
    /// The file exists but is not an SQLite database (garbage bytes, another format, encrypted).
    case notADatabase(file: String, message: String)
    /// SQLite detected a corrupt page or structure.
    case corruptDatabase(file: String, message: String)
    /// Another connection or process held a lock for longer than the busy timeout.
    case busy(file: String, operation: String, message: String)
    /// Any other SQLite failure, with the operation, the statement and SQLite's message.
    case sqlite(file: String, operation: String, sql: String?, code: Int32, message: String)
    /// The file was written by a newer Vitrine with a schema this code does not know.
    case newerSchema(file: String, found: Int, supported: Int)
    /// A schema migration failed; the file is left at `fromVersion`.
    case migrationFailed(file: String, fromVersion: Int, toVersion: Int, message: String)
    /// An event, vector or lookup named an item that is not in the store.
    case unknownItem(id: String)
    /// An insert named an item id that already exists, or a batch named the same id twice.
    case duplicateItem(id: String)
    /// A vector to be written is unusable (empty, non-finite values, too large).
    case invalidVector(itemID: String, modality: String, reason: String)
    /// A stored vector blob does not match its recorded dtype and dimension.
    case corruptVector(itemID: String, modality: String, reason: String)
    /// Vectors of one modality do not all share a dimension, so they cannot form one matrix.
    case dimensionMismatch(modality: String, itemID: String, expected: Int, found: Int)
    /// A vector was produced by a different model than the one registered as current for its modality.
    case modelMismatch(modality: String, itemID: String, current: String, given: String)
    /// A stored field (JSON text, dtype, modality) could not be read back.
    case corruptRecord(table: String, key: String, field: String, reason: String)
    /// A caller-supplied value is out of range or malformed.
    case invalidArgument(name: String, reason: String)
    /// A `StoreTransaction` was used after its `write` block returned.
    case transactionClosed
    /// The database server cannot be reached or dropped the connection (stopped, restarting, network).
    /// Nothing of the failed call was committed unless it failed during the commit itself; retrying
    /// later is the remedy, so the server answers 503.
    case unavailable(location: String, operation: String, message: String)
    /// PostgreSQL rejected a statement, with its SQLSTATE (when the server sent one) and message.
    case postgres(location: String, operation: String, sqlState: String?, message: String, sql: String?)

    public var description: String {
        switch self {
        case let .openFailed(file, code, message):
            return "cannot open store '\(file)': \(message) (SQLite code \(code))"
        case let .notADatabase(file, message):
            return "'\(file)' is not a Vitrine store (not an SQLite database: \(message))"
        case let .corruptDatabase(file, message):
            return "store '\(file)' is corrupt: \(message)"
        case let .busy(file, operation, message):
            return "store '\(file)' stayed locked during \(operation): \(message)"
        case let .sqlite(file, operation, sql, code, message):
            let statement = sql.map { " in `\($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))`" } ?? ""
            return "store '\(file)': \(operation) failed: \(message) (SQLite code \(code))\(statement)"
        case let .newerSchema(file, found, supported):
            return "store '\(file)' has schema version \(found), newer than the \(supported) this build supports; upgrade Vitrine"
        case let .migrationFailed(file, from, to, message):
            return "store '\(file)': migrating schema \(from) → \(to) failed: \(message)"
        case let .unknownItem(id):
            return "no item with id '\(id)' in the store"
        case let .duplicateItem(id):
            return "item id '\(id)' already exists or appears twice in one batch"
        case let .invalidVector(itemID, modality, reason):
            return "\(modality) vector of item '\(itemID)' is invalid: \(reason)"
        case let .corruptVector(itemID, modality, reason):
            return "stored \(modality) vector of item '\(itemID)' is corrupt: \(reason)"
        case let .dimensionMismatch(modality, itemID, expected, found):
            return "\(modality) vector of item '\(itemID)' has dimension \(found), expected \(expected)"
        case let .modelMismatch(modality, itemID, current, given):
            return "\(modality) vector of item '\(itemID)' comes from model '\(given)', but the current \(modality) model is '\(current)'"
        case let .corruptRecord(table, key, field, reason):
            return "\(table) row '\(key)': field \(field) is unreadable: \(reason)"
        case let .invalidArgument(name, reason):
            return "invalid \(name): \(reason)"
        case .transactionClosed:
            return "a store transaction was used after its write block returned"
        case let .unavailable(location, operation, message):
            return "store '\(location)' is unavailable during \(operation): \(message)"
        case let .postgres(location, operation, sqlState, message, sql):
            let statement = sql.map { " in `\($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))`" } ?? ""
            return "store '\(location)': \(operation) failed: \(message)\(sqlState.map { " (SQLSTATE \($0))" } ?? "")\(statement)"
        }
    }
}
