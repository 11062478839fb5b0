import Foundation
import VitrineCore
import Testing
import VitrineStore

@Suite struct ErrorTests {
    @Test func duplicateIdsAreTypedErrors() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path("dupes.sqlite"))
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

    @Test func invalidVectorsAreRejected() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path("invalid.sqlite"))
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

    @Test func throwingWriteBlockRollsBackAndTransactionCannotEscape() throws {
        struct Abort: Error {}
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.path("rollback.sqlite"))
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

    @Test func garbageFileIsReportedByName() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("garbage.sqlite")
        var generator = SplitMix64(seed: 3)
        try Data((0 ..< 8192).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }).write(to: URL(fileURLWithPath: path))
        do {
            _ = try SQLiteStore(path: path)
            Issue.record("opening garbage bytes succeeded")
        } catch let error as StoreError {
            guard case .notADatabase(let file, _) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(file == path)
            #expect(error.description.contains(path))
        }
    }

    @Test func foreignSQLiteDatabaseIsNotTakenOver() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("foreign.sqlite")
        try RawSQLite.execute(path: path, "CREATE TABLE photos (id INTEGER PRIMARY KEY); INSERT INTO photos VALUES (1);")
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
        #expect(try RawSQLite.scalar(path: path, "SELECT count(*) FROM photos") == 1)
    }

    @Test func newerSchemaIsAClearError() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("future.sqlite")
        do { _ = try SQLiteStore(path: path) }
        let future = SQLiteStore.currentSchemaVersion + 1
        try RawSQLite.execute(path: path, "PRAGMA user_version = \(future)")
        #expect(throws: StoreError.newerSchema(file: path, found: future, supported: SQLiteStore.currentSchemaVersion)) {
            _ = try SQLiteStore(path: path)
        }
        let message = StoreError.newerSchema(file: path, found: future, supported: SQLiteStore.currentSchemaVersion).description
        #expect(message.contains(path) && message.contains("\(future)"))
    }

    @Test func truncatedVectorBlobIsReportedNotMisread() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("blob.sqlite")
        do { try fill(try SQLiteStore(path: path), count: 3) }
        try RawSQLite.execute(path: path, "UPDATE vectors SET data = substr(data, 1, 10) WHERE item_id = 'item-1' AND modality = 'text'")
        let store = try SQLiteStore(path: path)
        let reads: [() throws -> Void] = [{ _ = try store.vectors(for: "item-1") }, { _ = try store.vectorMatrix(modality: .text) }]
        for read in reads {
            do {
                try read()
                Issue.record("a 10-byte blob for 6 f32 components was accepted")
            } catch let error as StoreError {
                guard case .corruptVector(let itemID, let modality, _) = error else { Issue.record("wrong error: \(error)"); continue }
                #expect(itemID == "item-1" && modality == "text")
            }
        }
        #expect(try store.vectors(for: "item-2").count == 3, "other items stay readable")
    }

    @Test func unwritableLocationFailsToOpen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing-dir/store.sqlite")
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
    }
}
