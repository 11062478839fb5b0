import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

/// Opening from the index snapshot beside an SQLite store: the same answers as a full load, and a
/// snapshot that is stale (any write by any process since), torn or altered is never used.
@Suite struct IndexSnapshotCatalogTests {
    static let options = SearchGraphTests.options(bruteForceBelow: 100)

    /// A store of 250 text items with graphs and a saved snapshot.
    static func savedCatalog(in directory: TemporaryDirectory) throws -> (Catalog, URL) {
        let storeURL = directory.path("store/catalog.sqlite")
        let catalog = try Catalog(storeURL: storeURL, options: options)
        try SearchGraphTests.fill(catalog, count: 250)
        #expect(catalog.prepareForNextOpen() == nil)
        #expect(FileManager.default.fileExists(atPath: storeURL.path + "-index"))
        return (catalog, storeURL)
    }

    /// Similar items of a few ids, by graph and exactly (`exactOnly`: exactly only, for a catalog whose
    /// graphs are still to be built).
    static func answers(_ catalog: Catalog, exactOnly: Bool = false) throws -> [[String]] {
        try ["item-0001", "item-0042", "item-0199"].flatMap { id in
            try [Modality.fused, .text].flatMap { space in
                try (exactOnly ? [true] : [false, true]).map { exact in
                    try catalog.similarItems(to: id, modality: space, options: QueryOptions(limit: 10, includeNearDuplicates: true, exact: exact))
                        .map { "\($0.item.id) \($0.score)" }
                }
            }
        }
    }

    @Test func reopensFromTheSnapshotWithTheSameAnswersAndGraphs() throws {
        let directory = try TemporaryDirectory()
        let (catalog, storeURL) = try Self.savedCatalog(in: directory)
        let reopened = try Catalog(storeURL: storeURL, options: Self.options)
        #expect(reopened.opening == .snapshot)
        #expect(try reopened.info().opening == "from the index snapshot")
        #expect(reopened.count == 250 && !reopened.isBuildingSearchGraphs)
        #expect(try Self.answers(reopened) == Self.answers(catalog))
        // Nothing changed: saving again writes nothing.
        #expect(try !reopened.saveIndexSnapshot())

        // Writes after the reopen keep working on the read-back graphs, and a new save covers them.
        try reopened.addItem(NewItem(Item(id: "zz-new", title: "new", description: "mauve velvet ottoman")))
        #expect(try reopened.removeItem("item-0100"))
        #expect(try reopened.saveIndexSnapshot())
        let third = try Catalog(storeURL: storeURL, options: Self.options)
        #expect(third.opening == .snapshot && third.count == 250 && third.item("item-0100") == nil)
        #expect(try third.search(text: "mauve velvet ottoman", space: .text, options: QueryOptions(limit: 1)).first?.item.id == "zz-new")
        #expect(try Self.answers(third) == Self.answers(reopened))
    }

    @Test func aWriteByAnotherProcessMakesTheSnapshotStale() throws {
        let directory = try TemporaryDirectory()
        let (_, storeURL) = try Self.savedCatalog(in: directory)
        // Another process: its own catalog on the same file adds an item and saves no snapshot.
        let other = try Catalog(storeURL: storeURL, options: Self.options)
        try other.addItem(NewItem(Item(id: "from-elsewhere", title: "elsewhere", description: "teal enamel kettle")))
        // Events and meta values are not part of the indexes: they leave the generation alone.
        let before = try SQLiteStore(path: storeURL.path).catalogGeneration()
        _ = try other.record(events: [Interaction(user: "u1", item: "item-0001", kind: .like, timestamp: Date())])
        #expect(try SQLiteStore(path: storeURL.path).catalogGeneration() == before)

        let reopened = try Catalog(storeURL: storeURL, options: Self.options)
        guard case .store(let reason) = reopened.opening else {
            Issue.record("a stale snapshot was used")
            return
        }
        #expect(reason.contains("changed"), "\(reason)")
        #expect(reopened.count == 251 && reopened.item("from-elsewhere") != nil)
    }

    @Test func aTornOrAlteredSnapshotIsNeverTrusted() throws {
        let directory = try TemporaryDirectory()
        let (catalog, storeURL) = try Self.savedCatalog(in: directory)
        let expected = try Self.answers(catalog, exactOnly: true)
        let file = URL(fileURLWithPath: storeURL.path + "-index")
        let bytes = try Data(contentsOf: file)
        var altered = bytes
        altered[bytes.count - 100] ^= 0x01
        for damaged in [bytes.prefix(bytes.count / 2), altered, Data()] {
            try damaged.write(to: file)
            let reopened = try Catalog(storeURL: storeURL, options: Self.options)
            #expect(reopened.opening != .snapshot)
            #expect(reopened.count == 250)
            #expect(try Self.answers(reopened, exactOnly: true) == expected)
        }
        // A save replaces the damaged file (the catalog does not take the store's record for the file).
        let reopened = try Catalog(storeURL: storeURL, options: Self.options)
        #expect(reopened.prepareForNextOpen() == nil)
        #expect(try Catalog(storeURL: storeURL, options: Self.options).opening == .snapshot)

        // Switched off, the snapshot is neither read nor written.
        var off = Self.options
        off.usesIndexSnapshot = false
        let plain = try Catalog(storeURL: storeURL, options: off)
        #expect(plain.opening != .snapshot)
        #expect(try !plain.saveIndexSnapshot())
    }

    @Test func anotherModelOrPrecisionIgnoresTheSnapshot() throws {
        let directory = try TemporaryDirectory()
        let (_, storeURL) = try Self.savedCatalog(in: directory)
        var other = Self.options
        other.vectorPrecision = .float16
        #expect(try Catalog(storeURL: storeURL, options: other).opening != .snapshot)
        #expect(try Catalog(storeURL: storeURL, options: Self.options).opening == .snapshot)
    }
}
