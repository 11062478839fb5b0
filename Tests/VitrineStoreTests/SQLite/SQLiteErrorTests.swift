import Foundation
import VitrineCore
import Testing
import VitrineStore

/// SQLite-specific failures: files that are not stores, newer schemas, corrupt blobs, unwritable paths.
@Suite struct SQLiteErrorTests {
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

    /// Stores written before events were typed could hold any kind string: such a row is skipped,
    /// and the user's other events still read.
    @Test func eventOfAnUnknownKindIsSkippedNotFatal() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("kinds.sqlite")
        do {
            let store = try SQLiteStore(path: path)
            try fill(store, count: 2)
            try store.append([Interaction(user: "u", item: "item-0", kind: .like, timestamp: date(1))])
        }
        try RawSQLite.execute(path: path, "INSERT INTO events (user_id, item_id, kind, value, timestamp) VALUES ('u', 'item-1', 'bookmark', NULL, 2)")
        let store = try SQLiteStore(path: path)
        #expect(try store.events(for: "u").map(\.item) == ["item-0"])
        #expect(try store.allEvents().count == 1)
    }

    @Test func unwritableLocationFailsToOpen() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("missing-dir/store.sqlite")
        #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
    }
}
