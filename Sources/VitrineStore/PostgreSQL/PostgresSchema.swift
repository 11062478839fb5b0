/// The PostgreSQL store's schema history, like `Migrations` for SQLite: numbered steps, each applied
/// in one transaction together with the version bump (PostgreSQL's DDL is transactional), under an
/// advisory lock so two processes opening a new store do not both create it. Append-only.
enum PostgresSchema {
    /// One schema step from `version - 1` to `version`; `sql` gets the vector column layout.
    struct Step: Sendable {
        let version: Int
        let summary: String
        let sql: @Sendable (PostgresStoreOptions.VectorStorage) -> String
    }

    /// The columns holding a vector's components: one `bytea` blob (as in SQLite), or pgvector's
    /// `vector` for float32 and `halfvec` for float16 — exactly one filled, matching `dtype`.
    static func vectorColumns(_ storage: PostgresStoreOptions.VectorStorage) -> String {
        switch storage {
        case .pgvector:
            return """
                data_f32 vector,
                    data_f16 halfvec,
                    CHECK ((dtype = 'f32') = (data_f32 IS NOT NULL) AND (dtype = 'f16') = (data_f16 IS NOT NULL)),
                """
        case .bytea, .automatic:
            return "data bytea NOT NULL,"
        }
    }

    static let steps: [Step] = [
        Step(version: 1, summary: "items, tags, vectors, events, models, trained models, meta, change log", sql: { storage in """
            CREATE TABLE items (
                id text COLLATE "C" PRIMARY KEY CHECK (length(id) > 0),
                title text NOT NULL,
                description text NOT NULL,
                category text,
                metadata_json text NOT NULL DEFAULT '{}',
                source_paths_json text NOT NULL DEFAULT '[]',
                content_hash text NOT NULL,
                created_at float8 NOT NULL,
                updated_at float8 NOT NULL
            );
            CREATE TABLE item_tags (
                item_id text COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                position integer NOT NULL,
                tag text COLLATE "C" NOT NULL,
                PRIMARY KEY (item_id, position)
            );
            CREATE INDEX item_tags_by_tag ON item_tags(tag, item_id);
            CREATE TABLE vectors (
                item_id text COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                modality text COLLATE "C" NOT NULL,
                dtype text NOT NULL CHECK (dtype IN ('f32', 'f16')),
                dimension integer NOT NULL CHECK (dimension > 0),
                model_id text NOT NULL,
                \(vectorColumns(storage))
                PRIMARY KEY (item_id, modality)
            );
            CREATE INDEX vectors_by_modality ON vectors(modality, item_id);
            CREATE TABLE events (
                seq bigserial PRIMARY KEY,
                user_id text COLLATE "C" NOT NULL,
                item_id text COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
                kind text NOT NULL,
                value float8,
                timestamp float8 NOT NULL
            );
            CREATE INDEX events_by_item ON events(item_id);
            CREATE INDEX events_by_user ON events(user_id, seq);
            CREATE TABLE models (
                modality text COLLATE "C" PRIMARY KEY,
                model_id text NOT NULL,
                updated_at float8 NOT NULL
            );
            CREATE TABLE trained_models (
                revision bigserial PRIMARY KEY,
                name text COLLATE "C" NOT NULL CHECK (length(name) > 0),
                created_at float8 NOT NULL,
                config_json text NOT NULL,
                data bytea NOT NULL
            );
            CREATE INDEX trained_models_by_name ON trained_models(name, revision);
            CREATE TABLE meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
            INSERT INTO meta (key, value) VALUES ('format', 'vitrine-store'), ('vector-storage', '\(storage.rawValue)');
            -- Replicas follow this log: one row per changed item, user, model or meta key, written in the
            -- same transaction as the change (writers are serialized, so sequence order is commit order).
            CREATE TABLE changes (
                seq bigserial PRIMARY KEY,
                kind text NOT NULL,
                key text,
                at timestamptz NOT NULL DEFAULT now()
            );
            """ }),
        Step(version: 2, summary: "catalog generation (bumped by every transaction that changes items, tags, vectors or current models)",
             sql: { _ in "INSERT INTO meta (key, value) VALUES ('\(catalogGenerationKey)', '0');" }),
    ]

    /// The meta key of the catalog generation (see `CatalogStore.catalogGeneration()`).
    static let catalogGenerationKey = "catalog-generation"

    static var currentVersion: Int { steps.last?.version ?? 0 }

    /// Creates the schema if needed and brings it to `currentVersion`; returns the vector storage the
    /// schema uses. `storage` decides only for a new schema.
    static func migrate(_ connection: BlockingConnection, schema: String, storage requested: PostgresStoreOptions.VectorStorage) throws
        -> PostgresStoreOptions.VectorStorage {
        let location = connection.location
        try connection.simple("BEGIN", operation: "begin migration")
        do {
            // One lock for every schema of the database: creating the extension is database-wide.
            try connection.query("SELECT pg_advisory_xact_lock(hashtext('vitrine-migrate'))", operation: "lock for migration")
            try connection.simple("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"", operation: "create schema \(schema)")
            let hasVersionTable = try connection.first(
                "SELECT to_regclass($1) IS NOT NULL", [.text("\"\(schema)\".vitrine_schema")], operation: "inspect schema") {
                try $0.decode(Bool.self, context: .default)
            } ?? false
            var found = 0
            if hasVersionTable {
                found = try connection.scalarInt("SELECT version FROM vitrine_schema", operation: "read schema version")
            } else {
                let tables = try connection.all(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", [.text(schema)],
                    operation: "inspect new store") { try $0.decode(String.self, context: .default) }
                if !tables.isEmpty {
                    throw StoreError.notADatabase(
                        file: location, message: "schema '\(schema)' holds tables without a Vitrine schema (\(tables.joined(separator: ", ")))")
                }
            }
            if found > currentVersion {
                throw StoreError.newerSchema(file: location, found: found, supported: currentVersion)
            }
            var storage = requested
            if found == 0 {
                storage = try resolveStorage(requested, connection: connection)
                try connection.script("CREATE TABLE vitrine_schema (version integer NOT NULL);\nINSERT INTO vitrine_schema VALUES (0);",
                                      operation: "create schema version table")
            } else {
                let recorded = try connection.first("SELECT value FROM meta WHERE key = 'vector-storage'", operation: "read vector storage") {
                    try $0.decode(String.self, context: .default)
                }
                guard let recorded, let known = PostgresStoreOptions.VectorStorage(rawValue: recorded), known != .automatic else {
                    throw StoreError.corruptRecord(table: "meta", key: "vector-storage", field: "value", reason: "missing or unknown")
                }
                storage = known
            }
            // pgvector's types live in the extension's schema (usually public), not the store's.
            if storage == .pgvector, let extensionSchema = try extensionSchema(connection), extensionSchema != schema {
                try connection.simple("SET LOCAL search_path TO \"\(schema)\", \"\(extensionSchema)\"", operation: "find pgvector types")
            }
            for step in steps where step.version > found {
                do {
                    try connection.script(step.sql(storage), operation: "migrate to schema v\(step.version) (\(step.summary))")
                    try connection.query("UPDATE vitrine_schema SET version = $1", [.integer(Int64(step.version))], operation: "set schema version")
                } catch let error as StoreError {
                    if case .unavailable = error { throw error }
                    throw StoreError.migrationFailed(file: location, fromVersion: step.version - 1, toVersion: step.version,
                                                     message: error.description)
                }
            }
            try connection.simple("COMMIT", operation: "commit migration")
            return storage
        } catch {
            if !connection.isClosed { try? connection.simple("ROLLBACK", operation: "roll back migration") }
            throw error
        }
    }

    /// pgvector when asked for (or available, for `.automatic`): creates the extension if this role may.
    private static func resolveStorage(_ requested: PostgresStoreOptions.VectorStorage, connection: BlockingConnection) throws
        -> PostgresStoreOptions.VectorStorage {
        if requested == .bytea { return .bytea }
        if try extensionSchema(connection) != nil { return .pgvector }
        try connection.simple("SAVEPOINT create_vector_extension", operation: "create pgvector")
        do {
            try connection.simple("CREATE EXTENSION IF NOT EXISTS vector SCHEMA public", operation: "create the pgvector extension")
            try connection.simple("RELEASE SAVEPOINT create_vector_extension", operation: "create pgvector")
            return .pgvector
        } catch let error as StoreError {
            if case .unavailable = error { throw error }
            try connection.simple("ROLLBACK TO SAVEPOINT create_vector_extension", operation: "create pgvector")
            if requested == .pgvector {
                throw StoreError.invalidArgument(name: "vector storage", reason: "pgvector was asked for but is not available: \(error)")
            }
            return .bytea
        }
    }

    /// The schema pgvector's types live in, or nil when the extension is not installed in the database.
    static func extensionSchema(_ connection: BlockingConnection) throws -> String? {
        try connection.first("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'",
                             operation: "look up pgvector") { try $0.decode(String.self, context: .default) }
    }
}
