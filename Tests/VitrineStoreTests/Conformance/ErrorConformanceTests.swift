import Foundation
import VitrineCore
import Testing
import VitrineStore

/// Conformance: typed errors for bad writes, and all-or-nothing transactions, on every backend.
@Suite struct ErrorConformanceTests {
    @Test(arguments: StoreBackend.all) func duplicateIdsAreTypedErrors(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "dupes")
        try fill(store, count: 2)
        #expect(throws: StoreError.duplicateItem(id: "item-1")) {
            try store.write { try $0.insert(sampleItem(1).0) }
        }
        #expect(throws: StoreError.duplicateItem(id: "item-7")) {
            try store.write { tx in
                try tx.insert(sampleItem(7).0)
                try tx.insert(sampleItem(7).0)
            }
        }
        #expect(try store.item(id: "item-7") == nil, "the failed batch must be rolled back")
        #expect(throws: StoreError.self) {
            let twoTexts = [sampleItem(8).1[0], sampleItem(8).1[0]]
            try store.upsert(sampleItem(8).0, vectors: twoTexts)
        }
        #expect(throws: StoreError.unknownItem(id: "ghost")) {
            try store.write { try $0.setVectors([sampleItem(0).1[0]], for: "ghost") }
        }
    }

    @Test(arguments: StoreBackend.all) func invalidVectorsAreRejected(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "invalid")
        let item = StoredItem(Item(id: "x", title: "x"))
        for bad in [
            StoredVector(modality: .text, values: [], modelID: "m"),
            StoredVector(modality: .text, values: [1, .nan], modelID: "m"),
            StoredVector(modality: .text, values: [1], modelID: ""),
            StoredVector(modality: .image, values: [70_000], modelID: "m", dtype: .float16),
        ] {
            #expect(throws: StoreError.self) { try store.upsert(item, vectors: [bad]) }
        }
        #expect(try store.itemCount() == 0)
    }

    @Test(arguments: StoreBackend.all) func throwingWriteBlockRollsBackAndTransactionCannotEscape(_ backend: StoreBackend) throws {
        struct Abort: Error {}
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "rollback")
        #expect(throws: Abort.self) {
            try store.write { tx in
                try tx.insert(sampleItem(1).0)
                try tx.setMetaValue("x", for: "k")
                #expect(try tx.item(id: "item-1") != nil, "a transaction reads its own writes")
                throw Abort()
            }
        }
        #expect(try store.itemCount() == 0 && store.metaValue(for: "k") == nil)
        let escaped = try store.write { $0 }
        #expect(throws: StoreError.transactionClosed) { try escaped.insert(sampleItem(2).0) }
        #expect(throws: StoreError.self) { try store.write { _ in try store.write { _ in } } }
        try store.write { try $0.insert(sampleItem(3).0) }
        #expect(try store.itemCount() == 1)
    }
}
