import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One PostgreSQL connection driven synchronously. The store's protocol is synchronous, so each call
/// submits its query to postgres-nio on the store's own event loop and the calling thread waits on a
/// semaphore for the answer. Calls from an event loop thread are refused rather than blocking it
/// (and every connection in the process), and a connection is used by one thread at a time
/// (the writer slot or a reader taken from the pool).
final class BlockingConnection: @unchecked Sendable {
    /// The event loop every store's connections run on: its own thread, never a caller's.
    static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let logger = Logger(label: "vitrine.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    let connection: PostgresConnection
    /// The address without the password, for errors.
    let location: String

    private init(connection: PostgresConnection, location: String) {
        self.connection = connection
        self.location = location
    }

    /// Whether the server or the network closed the connection (then it is dropped, not reused).
    var isClosed: Bool { connection.isClosed }

    /// Opens a connection and points its `search_path` at the store's schema.
    static func open(_ address: PostgresAddress, searchPath: String?, applicationName: String, connectTimeoutSeconds: Int) throws
        -> BlockingConnection {
        var configuration = PostgresConnection.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password,
            database: address.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(Int64(connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        let future = PostgresConnection.connect(
            on: eventLoopGroup.next(), configuration: configuration, id: Int.random(in: 0 ..< Int.max), logger: logger)
        let connection: PostgresConnection
        do {
            connection = try wait(for: future)
        } catch {
            throw PostgresErrors.map(error, location: address.description, operation: "connect")
        }
        let opened = BlockingConnection(connection: connection, location: address.description)
        if let searchPath { try opened.simple("SET search_path TO \(searchPath)", operation: "select the store's schema") }
        return opened
    }

    /// Runs one statement with `$1…` parameters and returns all rows.
    @discardableResult
    func query(_ sql: String, _ values: [PostgresValue] = [], operation: String) throws -> [PostgresRow] {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { value.append(to: &bindings) }
        do {
            let result = try Self.wait(for: connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: Self.logger))
            return Array(result.rows)
        } catch {
            throw PostgresErrors.map(error, location: location, operation: operation, sql: sql)
        }
    }

    /// Runs a script of statements, each ending a line with `;` (postgres-nio sends every statement
    /// as a prepared one, which holds a single command).
    func script(_ sql: String, operation: String) throws {
        var statement = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") { continue }
            statement += line + "\n"
            if trimmed.hasSuffix(";") {
                try simple(statement, operation: operation)
                statement = ""
            }
        }
        if !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { try simple(statement, operation: operation) }
    }

    /// Runs one statement without parameters or results.
    func simple(_ sql: String, operation: String) throws {
        do {
            // The query API, not the legacy `simpleQuery`: its errors stay `PSQLError`s with SQLSTATEs.
            _ = try Self.wait(for: connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger))
        } catch {
            throw PostgresErrors.map(error, location: location, operation: operation, sql: sql)
        }
    }

    /// Runs one statement and decodes its first row, or nil without rows.
    func first<T>(_ sql: String, _ values: [PostgresValue] = [], operation: String, row decode: (PostgresRow) throws -> T) throws -> T? {
        guard let row = try query(sql, values, operation: operation).first else { return nil }
        return try decodeRow(operation: operation) { try decode(row) }
    }

    /// Runs one statement and decodes every row.
    func all<T>(_ sql: String, _ values: [PostgresValue] = [], operation: String, row decode: (PostgresRow) throws -> T) throws -> [T] {
        let rows = try query(sql, values, operation: operation)
        return try decodeRow(operation: operation) { try rows.map(decode) }
    }

    /// An integer the statement's first row starts with (0 without rows).
    func scalarInt(_ sql: String, _ values: [PostgresValue] = [], operation: String) throws -> Int {
        try first(sql, values, operation: operation) { try $0.decode(Int.self, context: .default) } ?? 0
    }

    /// Decoding failures become `.corruptRecord` naming the operation; store errors pass through.
    private func decodeRow<T>(operation: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as StoreError { throw error } catch {
            throw StoreError.corruptRecord(table: location, key: operation, field: "row", reason: "\(error)")
        }
    }

    /// Closes the connection without waiting (a closing store must not block on a dead server).
    func close() {
        connection.close().whenComplete { _ in }
    }

    /// Waits on the calling thread for `future`. Refuses to run on an event loop thread, where waiting
    /// would stall every connection served by that loop.
    static func wait<T>(for future: EventLoopFuture<T>) throws -> T {
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            throw StoreError.invalidArgument(
                name: "calling thread", reason: "a synchronous PostgreSQL store call was made on an event loop thread; call it from a task or thread instead")
        }
        let box = ResultBox<T>()
        future.whenComplete { result in box.set(result) }
        return try box.wait().get()
    }
}

/// Hands a future's result from the event loop thread to the waiting caller.
private final class ResultBox<T>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) {
        result = value
        semaphore.signal()
    }

    func wait() -> Result<T, any Error> {
        semaphore.wait()
        // The semaphore orders the write on the event loop before this read.
        return result ?? .failure(StoreError.transactionClosed)
    }
}

/// A statement parameter.
enum PostgresValue {
    case text(String)
    case optionalText(String?)
    case integer(Int64)
    case real(Double)
    case optionalReal(Double?)
    case bytes(Data)
    case textArray([String])
    case realArray([Double])
    case boolArray([Bool])

    func append(to bindings: inout PostgresBindings) {
        switch self {
        case let .text(value): bindings.append(value)
        case let .optionalText(value): bindings.append(value)
        case let .integer(value): bindings.append(value)
        case let .real(value): bindings.append(value)
        case let .optionalReal(value): bindings.append(value)
        case let .bytes(value): bindings.append(ByteBuffer(bytes: value))
        case let .textArray(value): bindings.append(value)
        case let .realArray(value): bindings.append(value)
        case let .boolArray(value): bindings.append(value)
        }
    }
}

/// Turns postgres-nio's errors into `StoreError`s: a lost or refused connection is `.unavailable`
/// (the server answers 503 and retries), anything the server rejected is `.postgres` with its SQLSTATE.
enum PostgresErrors {
    static func map(_ error: any Error, location: String, operation: String, sql: String? = nil) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? "?????"
                let message = error.serverInfo?[.message] ?? "server error"
                // Class 08 is connection trouble, 57P0x the server shutting down or starting up.
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    return .unavailable(location: location, operation: operation, message: "\(message) (SQLSTATE \(state))")
                }
                return .postgres(location: location, operation: operation, sqlState: state, message: message, sql: sql)
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                let underlying = error.underlying.map { "\($0)" } ?? "\(error.code)"
                return .unavailable(location: location, operation: operation, message: underlying)
            default:
                return .postgres(location: location, operation: operation, sqlState: nil, message: "\(error.code)", sql: sql)
            }
        }
        if let error = error as? PostgresError {
            switch error {
            case .connectionClosed: return .unavailable(location: location, operation: operation, message: "connection closed")
            case let .server(response):
                let state = response.fields[.sqlState] ?? "?????"
                let message = response.fields[.message] ?? "server error"
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    return .unavailable(location: location, operation: operation, message: "\(message) (SQLSTATE \(state))")
                }
                return .postgres(location: location, operation: operation, sqlState: state, message: message, sql: sql)
            default: break
            }
        }
        if error is ChannelError || error is IOError || error is NIOConnectionError {
            return .unavailable(location: location, operation: operation, message: "\(error)")
        }
        return .postgres(location: location, operation: operation, sqlState: nil, message: "\(error)", sql: sql)
    }
}
