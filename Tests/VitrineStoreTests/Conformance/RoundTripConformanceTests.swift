import Foundation
import VitrineCore
import Testing
import VitrineStore
import VitrineTensor

/// Conformance: what is written reads back the same, fresh and reopened, on every backend.
@Suite struct RoundTripConformanceTests {
    /// Everything readable about the store, for comparing a live store with a reopened one.
    private func snapshot(_ store: any CatalogStore) throws -> ([StoredItem], [[StoredVector]], [VectorMatrix], [String: String]) {
        let items = try store.items(offset: 0, limit: 1000)
        let vectors = try items.map { try store.vectors(for: $0.id) }
        let matrices = try Modality.allCases.map { try store.vectorMatrix(modality: $0) }
        return (items, vectors, matrices, try store.contentHashes())
    }

    @Test(arguments: StoreBackend.all) func freshAndReopenedFileGiveTheSameData(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let live: ([StoredItem], [[StoredVector]], [VectorMatrix], [String: String])
        do {
            let store = try backend.open(directory, "catalog")
            try fill(store, count: 12)
            live = try snapshot(store)
            #expect(live.0.count == 12)
            #expect(live.0.first { $0.id == "item-3" } == sampleItem(3, tags: ["sample", "third"]).0)
        }
        let reopened = try backend.open(directory, "catalog")
        let again = try snapshot(reopened)
        #expect(again.0 == live.0)
        #expect(again.1 == live.1)
        #expect(again.2 == live.2)
        #expect(again.3 == live.3)
        #expect(try reopened.integrityCheck() == [])
        #expect(try reopened.info().schemaVersion == backend.schemaVersion)
    }

    @Test(arguments: StoreBackend.all) func vectorsRoundTripAsFloat32AndFloat16(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "vectors")
        var generator = SplitMix64(seed: 7)
        let values = (0 ..< 384).map { _ in Float.random(in: -3 ... 3, using: &generator) }
        let item = StoredItem(Item(id: "v", title: "vectors"))
        try store.upsert(item, vectors: [
            StoredVector(modality: .text, values: values, modelID: "m@1", dtype: .float32),
            StoredVector(modality: .image, values: values, modelID: "m@1", dtype: .float16),
        ])
        let text = try #require(try store.vector(for: "v", modality: .text))
        let image = try #require(try store.vector(for: "v", modality: .image))
        #expect(text.values == values)
        #expect(text.dtype == .float32 && image.dtype == .float16)
        #expect(image.values == values.map(HalfPrecision.rounded))
        // Half precision keeps ~11 significant bits: relative error at most 2^-11.
        #expect(zip(image.values, values).allSatisfy { abs($0 - $1) <= abs($1) * 0x1p-11 + 0x1p-24 })
        #expect(image.values != values)
        let matrix = try store.vectorMatrix(modality: .image)
        #expect(matrix.itemIDs == ["v"] && matrix.dimension == 384 && matrix.values == image.values)
    }

    @Test(arguments: StoreBackend.all) func matrixStacksRowsInIdOrderAndRejectsMixedDimensions(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "matrix")
        try fill(store, count: 5)
        let matrix = try store.vectorMatrix(modality: .text)
        #expect(matrix.itemIDs == (0 ..< 5).map { "item-\($0)" })
        #expect(matrix.dimension == 6 && matrix.values.count == 30)
        for (row, id) in matrix.itemIDs.enumerated() {
            #expect(matrix.row(row) == (try store.vector(for: id, modality: .text))?.values)
        }
        #expect(try store.vectorMatrix(modality: .text, modelID: "other@2").count == 0)
        try store.write { tx in
            try tx.setVectors([StoredVector(modality: .text, values: [1, 2, 3], modelID: "minilm@abc")], for: "item-2")
        }
        #expect(throws: StoreError.dimensionMismatch(modality: "text", itemID: "item-2", expected: 6, found: 3)) {
            try store.vectorMatrix(modality: .text)
        }
    }

    @Test(arguments: StoreBackend.all) func upsertKeepsCreatedAtAndDeleteCascades(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "upsert")
        try fill(store, count: 3)
        try store.append([Interaction(user: "u", item: "item-1", kind: .view, timestamp: date(5))])
        var (item, vectors) = sampleItem(1)
        item.title = "Renamed"
        item.tags = ["new"]
        item.createdAt = date(1)
        item.updatedAt = date(2_000_000_000)
        try store.upsert(item, vectors: Array(vectors.prefix(1)))
        let stored = try #require(try store.item(id: "item-1"))
        #expect(stored.title == "Renamed" && stored.tags == ["new"])
        #expect(stored.createdAt == date(1_700_000_001) && stored.updatedAt == date(2_000_000_000))
        #expect(try store.vectors(for: "item-1").map(\.modality) == [.text])
        #expect(try store.items(offset: 0, limit: 100, tag: "new").map(\.id) == ["item-1"])

        #expect(try store.deleteItem(id: "item-1"))
        #expect(try store.deleteItem(id: "item-1") == false)
        #expect(try store.item(id: "item-1") == nil)
        #expect(try store.vectors(for: "item-1").isEmpty)
        #expect(try store.eventCount() == 0)
        #expect(try store.items(offset: 0, limit: 100, tag: "new").isEmpty)
        #expect(try store.integrityCheck() == [])
    }

    @Test(arguments: StoreBackend.all) func listingPagesAndFiltersByTag(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "list")
        try fill(store, count: 10)
        let all = try store.items(limit: 100).map(\.id)
        #expect(all == (0 ..< 10).map { "item-\($0)" }.sorted())
        #expect(try store.items(offset: 3, limit: 4).map(\.id) == Array(all[3 ..< 7]))
        #expect(try store.items(offset: 0, limit: 100, tag: "third").map(\.id) == ["item-0", "item-3", "item-6", "item-9"])
        #expect(try store.itemCount(tag: "third") == 4)
        #expect(try store.itemCount() == 10)
        #expect(throws: StoreError.self) { try store.items(offset: -1) }
        #expect(try store.contentHashes()["item-4"] == SHA256.hex(of: Data("item 4".utf8)))
    }

    @Test(arguments: StoreBackend.all) func trainedModelsMetaAndInfo(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "info")
        try fill(store, count: 4)
        #expect(try store.latestTrainedModel(named: "two-tower") == nil)
        for version in 1 ... 4 {
            try store.saveTrainedModel(name: "two-tower", data: Data(repeating: UInt8(version), count: 100 * version),
                                       configJSON: "{\"epochs\":\(version)}", keepingPrevious: 1)
        }
        let latest = try #require(try store.latestTrainedModel(named: "two-tower"))
        #expect(latest.data == Data(repeating: 4, count: 400) && latest.configJSON == "{\"epochs\":4}")
        // The revision alone (what a recommendation request checks) agrees with the blob, without its data.
        #expect(try store.latestTrainedModelRevision(named: "two-tower") == latest.saved)
        #expect(try store.latestTrainedModelRevision(named: "no-such-model") == nil)
        try store.setMetaValue("2026-11-29", for: "indexed-at")
        #expect(try store.metaValue(for: "indexed-at") == "2026-11-29")
        try store.setMetaValue(nil, for: "indexed-at")
        #expect(try store.metaValue(for: "indexed-at") == nil)

        let info = try store.info()
        #expect(info.itemCount == 4 && info.vectorCounts == [.text: 4, .image: 4, .fused: 4])
        #expect(info.trainedModelCount == 2)   // the latest plus one previous revision
        #expect(info.fileSizeBytes > 0 && info.schemaVersion == backend.schemaVersion)
    }

    /// The catalog generation, where a store keeps one: every committed change of items, tags, vectors or
    /// current models moves it forward (seen inside the transaction too); events, trained models, meta
    /// values and rolled-back transactions leave it alone.
    @Test(arguments: StoreBackend.all) func catalogGenerationMovesWithWhatACatalogLoads(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "generation")
        guard let start = try store.catalogGeneration() else {
            #expect(backend.name.hasPrefix("postgres"), "only the PostgreSQL store keeps no generation")
            return
        }
        var last = start
        func expectMoved(_ what: String, _ change: () throws -> Void) throws {
            try change()
            let now = try #require(try store.catalogGeneration())
            #expect(now > last, "\(what) did not move the generation")
            last = now
        }
        func expectUnchanged(_ what: String, _ change: () throws -> Void) throws {
            try change()
            #expect(try store.catalogGeneration() == last, "\(what) moved the generation")
        }
        try expectMoved("inserting items") { try fill(store, count: 3) }
        try expectMoved("replacing an item") { try store.upsert(sampleItem(1, tags: ["retagged"]).0, vectors: sampleItem(1).1) }
        try expectMoved("setting vectors") { try store.write { try $0.setVectors([sampleItem(2).1[0]], for: "item-2") } }
        try expectMoved("deleting vectors") { _ = try store.write { try $0.deleteVectors(for: "item-2", modality: .image) } }
        try expectMoved("deleting an item") { _ = try store.deleteItem(id: "item-0") }
        try expectMoved("changing a current model") { _ = try store.setCurrentModel("other-model@2", for: .text) }
        try expectUnchanged("appending events") {
            try store.append([Interaction(user: "u", item: "item-1", kind: .like, timestamp: Date(timeIntervalSince1970: 1_700_000_000))])
        }
        try expectUnchanged("saving a trained model") { _ = try store.saveTrainedModel(name: "two-tower", data: Data([1]), configJSON: "{}") }
        try expectUnchanged("setting a meta value") { try store.setMetaValue("x", for: "note") }
        try expectUnchanged("a rolled-back write") {
            struct Abort: Error {}
            _ = try? store.write { tx in
                _ = try tx.deleteItem(id: "item-1")
                throw Abort()
            }
        }
        // Inside a transaction the generation includes its own writes, and it is what commits.
        let seen = try store.write { tx -> Int64? in
            let before = try tx.catalogGeneration()
            _ = try tx.deleteItem(id: "item-1")
            let after = try tx.catalogGeneration()
            #expect(before == last && after != nil && after! > last)
            return after
        }
        #expect(try store.catalogGeneration() == seen)
        // And it survives a reopen.
        #expect(try backend.open(directory, "generation").catalogGeneration() == seen)
    }
}
