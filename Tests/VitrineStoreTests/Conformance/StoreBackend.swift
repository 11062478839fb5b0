import Foundation
import Testing
import VitrineStore

/// One `CatalogStore` implementation under the conformance suite. Every test in `Conformance/`
/// runs once per backend in `all`; a new implementation adds itself there and must pass the same
/// tests unchanged.
struct StoreBackend: Sendable, CustomTestStringConvertible {
    /// Name shown in test results.
    let name: String
    /// Opens the store called `name` inside `directory`, creating it when new; opening the same name
    /// again gives a second handle on the same data (a "reopen").
    let open: @Sendable (_ directory: TemporaryDirectory, _ name: String) throws -> any CatalogStore
    /// The schema version a new store of this backend reports in `info()`.
    let schemaVersion: Int

    var testDescription: String { name }

    /// The embedded default: one SQLite file per store.
    static let sqlite = StoreBackend(name: "sqlite", open: { directory, name in
        try SQLiteStore(path: directory.path(name + ".sqlite"))
    }, schemaVersion: SQLiteStore.currentSchemaVersion)

    /// PostgreSQL at `VITRINE_TEST_POSTGRES_URL`, one fresh schema per (directory, name), with the
    /// vectors in pgvector columns or in `bytea` blobs.
    static func postgres(_ storage: PostgresStoreOptions.VectorStorage) -> StoreBackend {
        StoreBackend(name: "postgres-\(storage.rawValue)", open: { directory, name in
            try TestPostgres.store(directory: directory, name: name, options: PostgresStoreOptions(vectorStorage: storage))
        }, schemaVersion: PostgresStore.currentSchemaVersion)
    }

    /// Every implementation the conformance suite runs against. PostgreSQL joins when
    /// `VITRINE_TEST_POSTGRES_URL` is set, and always under `CI=true` (where a missing or unreachable
    /// server then fails every PostgreSQL case instead of skipping them).
    static let all: [StoreBackend] = TestPostgres.isRequested ? [.sqlite, .postgres(.pgvector), .postgres(.bytea)] : [.sqlite]
}

/// The test PostgreSQL server, from the environment.
enum TestPostgres {
    static let environment = ProcessInfo.processInfo.environment
    /// `VITRINE_TEST_POSTGRES_URL`, e.g. `postgres://vitrine@127.0.0.1:5432/vitrine_test` (set by `.ci/run`).
    static let url = environment["VITRINE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// Under CI the PostgreSQL cases always run.
    static let isCI = environment["CI"] == "true"
    static var isRequested: Bool { url != nil || isCI }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "CI=true but VITRINE_TEST_POSTGRES_URL is not set: .ci/run starts a server and sets it" }
    }

    /// The address of the test server, or a failure explaining why there is none.
    static func address() throws -> PostgresAddress {
        guard let url else { throw NotConfigured() }
        return try PostgresAddress(url: url)
    }

    /// A schema name unique to (directory, name): the same pair reopens the same store.
    static func schemaName(directory: TemporaryDirectory, name: String) -> String {
        let key = directory.url.lastPathComponent + "/" + name
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "t_" + String(hash, radix: 36)
    }

    static func store(directory: TemporaryDirectory, name: String, options: PostgresStoreOptions = PostgresStoreOptions()) throws -> PostgresStore {
        var address = try address()
        address.schema = schemaName(directory: directory, name: name)
        return try PostgresStore(address: address, options: options)
    }
}

extension TemporaryDirectory: @unchecked Sendable {}
