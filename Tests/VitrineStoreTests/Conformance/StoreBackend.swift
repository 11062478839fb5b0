import Foundation
import Testing
import VitrineStore

/// One `CatalogStore` implementation under the conformance suite. Every test in `Conformance/`
/// runs once per backend in `all`; a new implementation (PostgreSQL) adds itself there and must
/// pass the same tests unchanged.
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

    /// Every implementation the conformance suite runs against.
    static let all: [StoreBackend] = [.sqlite]
}

extension TemporaryDirectory: @unchecked Sendable {}
