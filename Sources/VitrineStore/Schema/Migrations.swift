/// The store's schema history. Each migration runs in its own transaction together with the
/// `PRAGMA user_version` bump, so a crash mid-migration leaves the file at the previous version.
/// Migrations are append-only: a released one is never edited, a change is a new version.
enum Migrations {
    /// One schema step from `version - 1` to `version`.
    struct Step {
        let version: Int
        let summary: String
        let sql: String
    }

    /// Every step in order; the last one's version is the schema this build writes.
    static let steps: [Step] = [
        Step(version: 1, summary: "items, tags, vectors, events, meta", sql: """
            CREATE TABLE items (
                id TEXT PRIMARY KEY NOT NULL CHECK (length(id) > 0),
                title TEXT NOT NULL,
                description TEXT NOT NULL,
                category TEXT,
                metadata_json TEXT NOT NULL DEFAULT '{}',
                source_paths_json TEXT NOT NULL DEFAULT '[]',
                content_hash TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE item_tags (
                item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                tag TEXT NOT NULL,
                PRIMARY KEY (item_id, position)
            ) WITHOUT ROWID;
            CREATE INDEX item_tags_by_tag ON item_tags(tag, item_id);
            CREATE TABLE vectors (
                item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                modality TEXT NOT NULL,
                dtype TEXT NOT NULL CHECK (dtype IN ('f32', 'f16')),
                dimension INTEGER NOT NULL CHECK (dimension > 0),
                model_id TEXT NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (item_id, modality)
            );
            CREATE TABLE events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id TEXT NOT NULL,
                item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                value REAL,
                timestamp REAL NOT NULL
            );
            CREATE INDEX events_by_item ON events(item_id);
            CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
            INSERT INTO meta (key, value) VALUES ('format', 'vitrine-store');
            """),
        Step(version: 2, summary: "current model per modality, trained model blobs, user and modality indexes", sql: """
            CREATE TABLE models (
                modality TEXT PRIMARY KEY NOT NULL,
                model_id TEXT NOT NULL,
                updated_at REAL NOT NULL
            ) WITHOUT ROWID;
            -- A v1 file knows no current model; adopt the one model a modality's vectors agree on.
            INSERT INTO models (modality, model_id, updated_at)
                SELECT modality, min(model_id), CAST(strftime('%s', 'now') AS REAL)
                FROM vectors GROUP BY modality HAVING count(DISTINCT model_id) = 1;
            CREATE TABLE trained_models (
                revision INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL CHECK (length(name) > 0),
                created_at REAL NOT NULL,
                config_json TEXT NOT NULL,
                data BLOB NOT NULL
            );
            CREATE INDEX trained_models_by_name ON trained_models(name, revision);
            CREATE INDEX events_by_user ON events(user_id, seq);
            CREATE INDEX vectors_by_modality ON vectors(modality, item_id);
            """),
        Step(version: 3, summary: "catalog generation: a counter every committed change of what a catalog loads bumps", sql: catalogGenerationSQL),
    ]

    /// The meta key of the catalog generation (`SQLiteStore.catalogGeneration()`).
    static let catalogGenerationKey = "catalog-generation"

    /// Triggers that bump the catalog generation on every row change of items, tags, vectors and current
    /// models (not events, trained models or meta), inside the changing transaction. A snapshot of
    /// the in-memory indexes records the generation it reflects; any later write makes it stale.
    private static var catalogGenerationSQL: String {
        let bump = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '\(catalogGenerationKey)';"
        let triggers = ["items", "item_tags", "vectors", "models"].flatMap { table in
            ["INSERT", "UPDATE", "DELETE"].map { operation in
                "CREATE TRIGGER \(table)_\(operation.lowercased())_generation AFTER \(operation) ON \(table) BEGIN \(bump) END;"
            }
        }
        return (["INSERT INTO meta (key, value) VALUES ('\(catalogGenerationKey)', '0');"] + triggers).joined(separator: "\n")
    }

    /// The schema version this build creates and understands.
    static var currentVersion: Int { steps.last?.version ?? 0 }

    /// Brings the file open on `connection` from its `user_version` to `currentVersion`.
    static func migrate(_ connection: Connection) throws {
        let found = try connection.scalarInt("PRAGMA user_version", operation: "read schema version")
        if found > currentVersion {
            throw StoreError.newerSchema(file: connection.path, found: found, supported: currentVersion)
        }
        if found == 0 {
            // user_version 0 is a fresh file, unless someone else's tables are already in it.
            let tables = try connection.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                operation: "inspect new store") { $0.text(0) }
            if !tables.isEmpty {
                throw StoreError.notADatabase(file: connection.path,
                                              message: "an SQLite database without a Vitrine schema (tables: \(tables.joined(separator: ", ")))")
            }
        }
        for step in steps where step.version > found {
            do {
                try connection.execute("BEGIN IMMEDIATE", operation: "begin migration to v\(step.version)")
                do {
                    try connection.execute(step.sql, operation: "migrate to schema v\(step.version) (\(step.summary))")
                    try connection.execute("PRAGMA user_version = \(step.version)", operation: "set schema version")
                    try connection.execute("COMMIT", operation: "commit migration to v\(step.version)")
                } catch {
                    try? connection.execute("ROLLBACK", operation: "roll back migration")
                    throw error
                }
            } catch let error as StoreError {
                if case .busy = error { throw error }
                throw StoreError.migrationFailed(file: connection.path, fromVersion: step.version - 1,
                                                 toVersion: step.version, message: error.description)
            }
        }
    }
}
