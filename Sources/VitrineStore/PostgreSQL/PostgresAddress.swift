import Foundation

/// Where a PostgreSQL store lives: parsed from a `postgres://user:password@host:port/database` URL
/// (or `postgresql://`). `description` is the address without the password, for messages and `location`.
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    /// Never printed: `description` leaves it out.
    public var password: String?
    public var database: String
    /// A `?schema=NAME` query parameter: the PostgreSQL schema (namespace) the store's tables live in.
    public var schema: String?

    /// Whether `text` is a PostgreSQL URL (`postgres://` or `postgresql://`) rather than a file path.
    public static func isPostgresURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// Parses a URL. Host defaults to 127.0.0.1, port to 5432, user to `$USER`, database to the user.
    /// - Throws: `StoreError.invalidArgument` naming what is wrong (never echoing the password).
    public init(url text: String) throws {
        guard Self.isPostgresURL(text), let components = URLComponents(string: text) else {
            throw StoreError.invalidArgument(name: "PostgreSQL URL", reason: "expected postgres://user@host:port/database")
        }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
            ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = components.password?.removingPercentEncoding ?? components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        schema = components.queryItems?.first { $0.name == "schema" }?.value
        if let schema { try Self.checkIdentifier(schema, what: "schema") }
        guard (1 ... 65_535).contains(port) else {
            throw StoreError.invalidArgument(name: "PostgreSQL URL", reason: "port \(port) is out of range")
        }
    }

    /// Creates an address from its parts.
    public init(host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String, schema: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.schema = schema
    }

    /// `postgres://user@host:port/database[?schema=…]`, without the password.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)" + (schema.map { "?schema=\($0)" } ?? "")
    }

    /// The same address on another database (e.g. a test's own database).
    public func on(database: String) -> PostgresAddress {
        var copy = self
        copy.database = database
        return copy
    }

    /// Schema and channel names are spliced into SQL, so only plain identifiers are accepted.
    static func checkIdentifier(_ name: String, what: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_")
        guard !name.isEmpty, name.count <= 48, name.allSatisfy({ allowed.contains($0) }), !(name.first?.isNumber ?? true) else {
            throw StoreError.invalidArgument(name: what, reason: "'\(name)' must be 1–48 lowercase letters, digits or _ and start with a letter")
        }
    }
}

/// How a `PostgresStore` connects and lays out vectors.
public struct PostgresStoreOptions: Sendable, Equatable {
    /// Column type for vectors, decided when the schema is created and recorded in its meta table
    /// (`vector-storage`); an existing schema keeps what it was created with.
    public enum VectorStorage: String, Sendable, Equatable {
        /// pgvector's `vector` / `halfvec` when the extension is available (created if allowed), else `bytea`.
        case automatic
        /// pgvector's `vector` (float32) and `halfvec` (float16) columns; opening fails without the extension.
        case pgvector
        /// Little-endian blobs in `bytea`, exactly like the SQLite store.
        case bytea
    }

    /// What a new schema stores vectors as.
    public var vectorStorage: VectorStorage
    /// Read connections kept open between reads; more are opened on demand under load.
    public var maxIdleReaders: Int
    /// How long opening one connection may take before the store reports `.unavailable`.
    public var connectTimeoutSeconds: Int

    /// These options with a URL's `?vectors=automatic|pgvector|bytea` applied (unchanged without one).
    /// - Throws: `StoreError.invalidArgument` naming `vectors` for another value.
    public func applyingQuery(of url: String) throws -> PostgresStoreOptions {
        guard let value = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "vectors" })?.value else { return self }
        guard let storage = VectorStorage(rawValue: value.lowercased()) else {
            throw StoreError.invalidArgument(name: "vectors", reason: "'\(value)' is not automatic, pgvector or bytea")
        }
        var copy = self
        copy.vectorStorage = storage
        return copy
    }

    /// Defaults: pgvector when available, 4 idle readers, 5 s connect timeout.
    public init(vectorStorage: VectorStorage = .automatic, maxIdleReaders: Int = 4, connectTimeoutSeconds: Int = 5) {
        self.vectorStorage = vectorStorage
        self.maxIdleReaders = maxIdleReaders
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }
}
