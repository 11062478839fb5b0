import Foundation
import VitrineStore

extension Catalog {
    /// Opens the catalog at `location`: a `postgres://user:password@host:port/database[?schema=name]`
    /// URL opens the shared PostgreSQL store, anything else is the path of an SQLite file (created
    /// with its folder when missing). The one place the front ends choose a store implementation.
    /// - Throws: `CatalogError.store` (`.unavailable` when PostgreSQL cannot be reached).
    public static func open(location: String, options: CatalogOptions = CatalogOptions()) throws -> Catalog {
        if PostgresAddress.isPostgresURL(location) {
            let store = try CatalogError.wrapping { try PostgresStore(url: location, options: options.postgres) }
            // Names the catalog in caches; never carries the password.
            let name = URL(string: store.location) ?? URL(fileURLWithPath: store.location)
            return try Catalog(store: store, storeURL: name, options: options)
        }
        return try Catalog(storeURL: URL(fileURLWithPath: location), options: options)
    }

    /// Whether `location` names a database server (a `postgres://` URL) rather than a file.
    public static func isServerLocation(_ location: String) -> Bool { PostgresAddress.isPostgresURL(location) }

    /// Whether the catalog's store is a local file (SQLite) rather than a server.
    public var isStoredInFile: Bool { storeURL.isFileURL }

    /// The store's name in caches and `info`: the file path, or the URL without the password (with the
    /// schema, so two catalogs on one database never share cache entries).
    var storeName: String { storeURL.isFileURL ? storeURL.path : store.location }

    /// Where the store lives, for messages: the file path, or the PostgreSQL URL without its password.
    public var storeLocation: String { store.location }
}
