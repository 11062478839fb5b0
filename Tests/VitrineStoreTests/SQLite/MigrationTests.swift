import CSQLite
import Foundation
import VitrineCore
import Testing
import VitrineStore

/// Direct SQLite access, to write files as an older (or foreign) program would have.
enum RawSQLite {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func execute(path: String, _ sql: String) throws {
        try withDatabase(path) { db in
            var message: UnsafeMutablePointer<CChar>?
            if sqlite3_exec(db, sql, nil, nil, &message) != SQLITE_OK {
                let text = message.map { String(cString: $0) } ?? "unknown"
                sqlite3_free(message)
                throw Failure(description: "\(text) in \(sql)")
            }
        }
    }

    static func scalar(path: String, _ sql: String) throws -> Int {
        try withDatabase(path) { db in
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
                throw Failure(description: String(cString: sqlite3_errmsg(db)))
            }
            defer { sqlite3_finalize(statement) }
            guard sqlite3_step(statement) == SQLITE_ROW else { throw Failure(description: "no row for \(sql)") }
            return Int(sqlite3_column_int64(statement, 0))
        }
    }

    private static func withDatabase<T>(_ path: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { throw Failure(description: "cannot open \(path)") }
        defer { sqlite3_close(db) }
        return try body(db)
    }
}

@Suite struct MigrationTests {
    /// The v1 schema exactly as the first release created it (frozen here on purpose: it is what old files contain).
    static let version1Schema = """
        CREATE TABLE items (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0), title TEXT NOT NULL, description TEXT NOT NULL,
            category TEXT, metadata_json TEXT NOT NULL DEFAULT '{}', source_paths_json TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL);
        CREATE TABLE item_tags (
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE, position INTEGER NOT NULL, tag TEXT NOT NULL,
            PRIMARY KEY (item_id, position)) WITHOUT ROWID;
        CREATE INDEX item_tags_by_tag ON item_tags(tag, item_id);
        CREATE TABLE vectors (
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE, modality TEXT NOT NULL,
            dtype TEXT NOT NULL CHECK (dtype IN ('f32', 'f16')), dimension INTEGER NOT NULL CHECK (dimension > 0),
            model_id TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (item_id, modality));
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL,
            item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE, kind TEXT NOT NULL, value REAL, timestamp REAL NOT NULL);
        CREATE INDEX events_by_item ON events(item_id);
        CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('format', 'vitrine-store');
        PRAGMA user_version = 1;
        """

    private static func hexBlob(_ values: [Float]) -> String {
        "X'" + values.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } + "'"
    }

    @Test func version1FileMigratesWithDataPreserved() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("v1.sqlite")
        let textA: [Float] = [0.5, -1.25, 3], textB: [Float] = [1, 2, 4]
        try RawSQLite.execute(path: path, Self.version1Schema + """
            INSERT INTO items VALUES ('a', 'Lamp', 'A lamp', 'home', '{"color":"red"}', '["a.jpg","a.txt"]', 'h-a', 1700000000, 1700000001);
            INSERT INTO items VALUES ('b', 'Chair', 'A chair', NULL, '{}', '[]', 'h-b', 1700000002, 1700000003);
            INSERT INTO item_tags VALUES ('a', 0, 'light'), ('a', 1, 'home'), ('b', 0, 'home');
            INSERT INTO vectors VALUES ('a', 'text', 'f32', 3, 'minilm@1', \(Self.hexBlob(textA)));
            INSERT INTO vectors VALUES ('b', 'text', 'f32', 3, 'minilm@1', \(Self.hexBlob(textB)));
            INSERT INTO vectors VALUES ('a', 'image', 'f32', 3, 'effnet@1', \(Self.hexBlob(textA)));
            INSERT INTO vectors VALUES ('b', 'image', 'f32', 3, 'effnet@2', \(Self.hexBlob(textB)));
            INSERT INTO events (user_id, item_id, kind, value, timestamp) VALUES ('u1', 'a', 'rating', 4.5, 1700000100);
            INSERT INTO events (user_id, item_id, kind, value, timestamp) VALUES ('u2', 'b', 'view', NULL, 1700000200);
            INSERT INTO meta VALUES ('indexed-root', '/catalog');
            """)

        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == SQLiteStore.currentSchemaVersion)
        #expect(try store.item(id: "a") == StoredItem(
            Item(id: "a", title: "Lamp", description: "A lamp", tags: ["light", "home"], category: "home", metadata: ["color": "red"]),
            sourcePaths: ["a.jpg", "a.txt"], contentHash: "h-a", createdAt: date(1_700_000_000), updatedAt: date(1_700_000_001)))
        #expect(try store.items(offset: 0, limit: 100, tag: "home").map(\.id) == ["a", "b"])
        #expect(try store.vectorMatrix(modality: .text) == VectorMatrix(itemIDs: ["a", "b"], dimension: 3, values: textA + textB))
        #expect(try store.allEvents() == [
            Interaction(user: "u1", item: "a", kind: .rating, value: 4.5, timestamp: date(1_700_000_100)),
            Interaction(user: "u2", item: "b", kind: .view, value: nil, timestamp: date(1_700_000_200)),
        ])
        #expect(try store.metaValue(for: "indexed-root") == "/catalog")
        // v2 adopts a modality's model only where all its vectors agree on one.
        #expect(try store.currentModel(for: .text) == "minilm@1")
        #expect(try store.currentModel(for: .image) == nil)
        // Features added in v2 work on the migrated file.
        try store.saveTrainedModel(name: "two-tower", data: Data([1, 2, 3]), configJSON: "{}")
        #expect(try store.latestTrainedModel(named: "two-tower")?.data == Data([1, 2, 3]))
        #expect(try store.integrityCheck() == [])
    }

    @Test func reopeningACurrentFileRunsNoMigration() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("current.sqlite")
        do { try fill(try SQLiteStore(path: path), count: 2) }
        // A migration re-run would fail on CREATE TABLE of existing tables; reopening must just work.
        let store = try SQLiteStore(path: path)
        #expect(try store.itemCount() == 2)
        #expect(try RawSQLite.scalar(path: path, "PRAGMA user_version") == SQLiteStore.currentSchemaVersion)
    }
}
