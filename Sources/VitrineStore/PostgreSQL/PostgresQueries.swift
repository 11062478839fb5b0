import Foundation
import NIOCore
import PostgresNIO
import VitrineCore
import VitrineTensor

/// Item, vector, event, trained-model and meta statements, shared by `PostgresStore` reads and
/// `PostgresTransaction`. Each read is one statement (tags come along as an array), so it sees one
/// snapshot without an explicit transaction.
extension BlockingConnection {
    private static let itemColumns = """
        id::text, title, description, category, metadata_json, source_paths_json, content_hash, created_at, updated_at,
        ARRAY(SELECT tag::text FROM item_tags t WHERE t.item_id = items.id ORDER BY position)
        """

    // MARK: Items

    func itemExists(id: String) throws -> Bool {
        try first("SELECT 1 FROM items WHERE id = $1", [.text(id)], operation: "look up item") { _ in true } ?? false
    }

    func fetchItem(id: String) throws -> StoredItem? {
        try first("SELECT \(Self.itemColumns) FROM items WHERE id = $1", [.text(id)], operation: "read item", row: Self.decodeItem)
    }

    func fetchItems(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] {
        guard offset >= 0 else { throw StoreError.invalidArgument(name: "offset", reason: "\(offset) is negative") }
        guard limit >= 0 else { throw StoreError.invalidArgument(name: "limit", reason: "\(limit) is negative") }
        if let tag {
            return try all("""
                SELECT \(Self.itemColumns) FROM items WHERE id IN (SELECT item_id FROM item_tags WHERE tag = $1)
                ORDER BY id LIMIT $2 OFFSET $3
                """, [.text(tag), .integer(Int64(limit)), .integer(Int64(offset))], operation: "list items by tag", row: Self.decodeItem)
        }
        return try all("SELECT \(Self.itemColumns) FROM items ORDER BY id LIMIT $1 OFFSET $2",
                       [.integer(Int64(limit)), .integer(Int64(offset))], operation: "list items", row: Self.decodeItem)
    }

    func countItems(tag: String?) throws -> Int {
        if let tag {
            return try scalarInt("SELECT count(DISTINCT item_id) FROM item_tags WHERE tag = $1", [.text(tag)], operation: "count items by tag")
        }
        return try scalarInt("SELECT count(*) FROM items", operation: "count items")
    }

    func fetchContentHashes() throws -> [String: String] {
        var hashes: [String: String] = [:]
        for (id, hash) in try all("SELECT id::text, content_hash FROM items", operation: "read content hashes",
                                  row: { try $0.decode((String, String).self, context: .default) }) {
            hashes[id] = hash
        }
        return hashes
    }

    /// Inserts or replaces the item row and its tags; `createdAt` of an existing row is kept.
    func writeItem(_ item: StoredItem) throws {
        guard !item.id.isEmpty else { throw StoreError.invalidArgument(name: "item id", reason: "it is empty") }
        let metadata = try Self.encodeJSON(item.metadata, field: "metadata", itemID: item.id)
        let sources = try Self.encodeJSON(item.sourcePaths, field: "sourcePaths", itemID: item.id)
        try query("""
            INSERT INTO items (id, title, description, category, metadata_json, source_paths_json, content_hash, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
                category = excluded.category, metadata_json = excluded.metadata_json,
                source_paths_json = excluded.source_paths_json, content_hash = excluded.content_hash,
                updated_at = excluded.updated_at
            """, [.text(item.id), .text(item.title), .text(item.description), .optionalText(item.category),
                  .text(metadata), .text(sources), .text(item.contentHash),
                  .real(item.createdAt.timeIntervalSince1970), .real(item.updatedAt.timeIntervalSince1970)],
            operation: "write item '\(item.id)'")
        try query("DELETE FROM item_tags WHERE item_id = $1", [.text(item.id)], operation: "replace tags of '\(item.id)'")
        if !item.tags.isEmpty {
            try query("""
                INSERT INTO item_tags (item_id, position, tag) SELECT $1, n - 1, tag FROM unnest($2::text[]) WITH ORDINALITY AS x(tag, n)
                """, [.text(item.id), .textArray(item.tags)], operation: "write tags of '\(item.id)'")
        }
    }

    /// Deletes the item; its tags, vectors and events go with it (ON DELETE CASCADE).
    func removeItem(id: String) throws -> Bool {
        try first("DELETE FROM items WHERE id = $1 RETURNING 1", [.text(id)], operation: "delete item '\(id)'") { _ in true } ?? false
    }

    private static func decodeItem(_ row: PostgresRow) throws -> StoredItem {
        let (id, title, description, category, metadata, sources, hash, created, updated, tags) =
            try row.decode((String, String, String, String?, String, String, String, Double, Double, [String]).self, context: .default)
        let item = Item(id: id, title: title, description: description, tags: tags, category: category,
                        metadata: try decodeJSON([String: String].self, metadata, field: "metadata_json", itemID: id))
        return StoredItem(item, sourcePaths: try decodeJSON([String].self, sources, field: "source_paths_json", itemID: id),
                          contentHash: hash, createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated))
    }

    private static func encodeJSON<T: Encodable>(_ value: T, field: String, itemID: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw StoreError.invalidArgument(name: "\(field) of item '\(itemID)'", reason: "cannot be encoded as JSON: \(error)")
        }
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, field: String, itemID: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRecord(table: "items", key: itemID, field: field, reason: "invalid JSON: \(error)")
        }
    }

    // MARK: Vectors and models

    /// The columns a vector's components are read from: (bytea, nil) or (vector, halfvec).
    private static func dataColumns(_ storage: PostgresStoreOptions.VectorStorage) -> String {
        storage == .pgvector ? "data_f32, data_f16" : "data, NULL::bytea"
    }

    /// Writes (or replaces) one vector of an existing item, refusing a model other than the current one.
    func writeVector(_ vector: StoredVector, itemID: String, storage: PostgresStoreOptions.VectorStorage, checkItem: Bool = true) throws {
        try VectorEncoding.validate(vector, itemID: itemID)
        if let current = try currentModel(for: vector.modality), current != vector.modelID {
            throw StoreError.modelMismatch(modality: vector.modality.rawValue, itemID: itemID, current: current, given: vector.modelID)
        }
        if checkItem { guard try itemExists(id: itemID) else { throw StoreError.unknownItem(id: itemID) } }
        let head: [PostgresValue] = [.text(itemID), .text(vector.modality.rawValue), .text(vector.dtype.rawValue),
                                     .integer(Int64(vector.dimension)), .text(vector.modelID)]
        let operation = "write \(vector.modality.rawValue) vector of '\(itemID)'"
        switch storage {
        case .pgvector:
            // pgvector parses text; half-precision values are rounded here (nearest-even, like the
            // blob path) so the server only ever sees exactly representable halves.
            let values = vector.dtype == .float16 ? vector.values.map(HalfPrecision.rounded) : vector.values
            let literal = "[" + values.map { "\($0)" }.joined(separator: ",") + "]"
            let f32: PostgresValue = .optionalText(vector.dtype == .float32 ? literal : nil)
            let f16: PostgresValue = .optionalText(vector.dtype == .float16 ? literal : nil)
            try query("""
                INSERT INTO vectors (item_id, modality, dtype, dimension, model_id, data_f32, data_f16)
                VALUES ($1, $2, $3, $4, $5, $6::text::vector, $7::text::halfvec)
                ON CONFLICT (item_id, modality) DO UPDATE SET dtype = excluded.dtype, dimension = excluded.dimension,
                    model_id = excluded.model_id, data_f32 = excluded.data_f32, data_f16 = excluded.data_f16
                """, head + [f32, f16], operation: operation)
        case .bytea, .automatic:
            try query("""
                INSERT INTO vectors (item_id, modality, dtype, dimension, model_id, data) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (item_id, modality) DO UPDATE SET dtype = excluded.dtype, dimension = excluded.dimension,
                    model_id = excluded.model_id, data = excluded.data
                """, head + [.bytes(VectorEncoding.encode(vector.values, as: vector.dtype))], operation: operation)
        }
    }

    func removeVectors(itemID: String, modality: Modality?) throws -> Int {
        if let modality {
            return try all("DELETE FROM vectors WHERE item_id = $1 AND modality = $2 RETURNING 1", [.text(itemID), .text(modality.rawValue)],
                           operation: "delete \(modality.rawValue) vector of '\(itemID)'") { _ in 1 }.count
        }
        return try all("DELETE FROM vectors WHERE item_id = $1 RETURNING 1", [.text(itemID)],
                       operation: "delete vectors of '\(itemID)'") { _ in 1 }.count
    }

    func fetchVectors(itemID: String, storage: PostgresStoreOptions.VectorStorage) throws -> [StoredVector] {
        try all("""
            SELECT item_id::text, modality::text, dtype, dimension, model_id, \(Self.dataColumns(storage))
            FROM vectors WHERE item_id = $1 ORDER BY modality
            """, [.text(itemID)], operation: "read vectors of '\(itemID)'") { row in
            let (item, rawModality, rawType, dimension, model, first, second) =
                try row.decode((String, String, String, Int, String, ByteBuffer?, ByteBuffer?).self, context: .default)
            guard let modality = Modality(rawValue: rawModality) else {
                throw StoreError.corruptRecord(table: "vectors", key: item, field: "modality", reason: "unknown modality '\(rawModality)'")
            }
            let dtype = try Self.dtype(rawType, itemID: item)
            var values = [Float](repeating: 0, count: max(dimension, 0))
            try values.withUnsafeMutableBufferPointer { destination in
                try PostgresVectorCodec.decode(first ?? second, storage: storage, dtype: dtype, dimension: dimension,
                                               itemID: item, modality: rawModality, into: destination)
            }
            return StoredVector(modality: modality, values: values, modelID: model, dtype: dtype)
        }
    }

    /// Every vector of `modality` as one matrix in ascending item id order, from one statement (one
    /// snapshot); rows are decoded straight from the wire buffers into the matrix storage.
    func fetchMatrix(modality: Modality, modelID: String?, storage: PostgresStoreOptions.VectorStorage) throws -> VectorMatrix {
        var filter = "modality = $1"
        var values: [PostgresValue] = [.text(modality.rawValue)]
        if let modelID {
            filter += " AND model_id = $2"
            values.append(.text(modelID))
        }
        let rows = try query("SELECT item_id::text, dtype, dimension, \(Self.dataColumns(storage)) FROM vectors WHERE \(filter) ORDER BY item_id",
                             values, operation: "read \(modality.rawValue) matrix")
        guard !rows.isEmpty else { return VectorMatrix(itemIDs: [], dimension: 0, values: []) }
        do {
            let decoded = try rows.map { try $0.decode((String, String, Int, ByteBuffer?, ByteBuffer?).self, context: .default) }
            let dimension = decoded[0].2
            // As in SQLite: the first row (in id order) sets the dimension; the first that differs is reported.
            if let odd = decoded.first(where: { $0.2 != dimension }) {
                throw StoreError.dimensionMismatch(modality: modality.rawValue, itemID: odd.0, expected: dimension, found: odd.2)
            }
            var matrix = [Float](repeating: 0, count: decoded.count * dimension)
            try matrix.withUnsafeMutableBufferPointer { storagePointer in
                for (row, entry) in decoded.enumerated() {
                    let destination = UnsafeMutableBufferPointer(rebasing: storagePointer[row * dimension ..< (row + 1) * dimension])
                    try PostgresVectorCodec.decode(entry.3 ?? entry.4, storage: storage, dtype: try Self.dtype(entry.1, itemID: entry.0),
                                                   dimension: entry.2, itemID: entry.0, modality: modality.rawValue, into: destination)
                }
            }
            return VectorMatrix(itemIDs: decoded.map(\.0), dimension: dimension, values: matrix)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corruptRecord(table: "vectors", key: modality.rawValue, field: "row", reason: "\(error)")
        }
    }

    func currentModel(for modality: Modality) throws -> String? {
        try first("SELECT model_id FROM models WHERE modality = $1", [.text(modality.rawValue)],
                  operation: "read current \(modality.rawValue) model") { try $0.decode(String.self, context: .default) }
    }

    func currentModels() throws -> [Modality: String] {
        var models: [Modality: String] = [:]
        for (modality, model) in try all("SELECT modality::text, model_id FROM models", operation: "read current models",
                                         row: { try $0.decode((String, String).self, context: .default) }) {
            if let modality = Modality(rawValue: modality) { models[modality] = model }
        }
        return models
    }

    func registerModel(_ modelID: String, for modality: Modality) throws {
        guard !modelID.isEmpty else { throw StoreError.invalidArgument(name: "model id", reason: "it is empty") }
        try query("""
            INSERT INTO models (modality, model_id, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (modality) DO UPDATE SET model_id = excluded.model_id, updated_at = excluded.updated_at
            """, [.text(modality.rawValue), .text(modelID), .real(Date().timeIntervalSince1970)],
            operation: "set current \(modality.rawValue) model")
    }

    func staleVectors(modality: Modality) throws -> StaleVectorReport {
        guard let current = try currentModel(for: modality) else {
            return StaleVectorReport(modality: modality, currentModelID: nil, itemIDs: [])
        }
        let ids = try all("SELECT item_id::text FROM vectors WHERE modality = $1 AND model_id != $2 ORDER BY item_id",
                          [.text(modality.rawValue), .text(current)], operation: "find stale \(modality.rawValue) vectors") {
            try $0.decode(String.self, context: .default)
        }
        return StaleVectorReport(modality: modality, currentModelID: current, itemIDs: ids)
    }

    func itemsMissingVectors(modality: Modality) throws -> [String] {
        try all("""
            SELECT id::text FROM items WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.item_id = items.id AND v.modality = $1) ORDER BY id
            """, [.text(modality.rawValue)], operation: "find items without \(modality.rawValue) vectors") {
            try $0.decode(String.self, context: .default)
        }
    }

    private static func dtype(_ raw: String, itemID: String) throws -> VectorDType {
        guard let dtype = VectorDType(rawValue: raw) else {
            throw StoreError.corruptRecord(table: "vectors", key: itemID, field: "dtype", reason: "unknown dtype '\(raw)'")
        }
        return dtype
    }

    // MARK: Events

    /// Appends events in order with two statements per batch (find the first unknown item, insert all).
    func appendEvents(_ events: [Interaction]) throws {
        guard !events.isEmpty else { return }
        for event in events {
            if let problem = event.problem() { throw StoreError.invalidArgument(name: "event", reason: problem) }
        }
        if let missing = try first("""
            SELECT x.id FROM unnest($1::text[]) WITH ORDINALITY AS x(id, n)
            WHERE NOT EXISTS (SELECT 1 FROM items WHERE items.id = x.id) ORDER BY n LIMIT 1
            """, [.textArray(events.map(\.item))], operation: "check event items", row: { try $0.decode(String.self, context: .default) }) {
            throw StoreError.unknownItem(id: missing)
        }
        try query("""
            INSERT INTO events (user_id, item_id, kind, value, timestamp)
            SELECT u, i, k, CASE WHEN h THEN v END, t
            FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::bool[], $6::float8[]) WITH ORDINALITY AS x(u, i, k, v, h, t, n)
            ORDER BY n
            """, [.textArray(events.map(\.user)), .textArray(events.map(\.item)), .textArray(events.map(\.kind.rawValue)),
                  .realArray(events.map { $0.value ?? 0 }), .boolArray(events.map { $0.value != nil }),
                  .realArray(events.map { $0.timestamp.timeIntervalSince1970 })], operation: "append \(events.count) events")
    }

    func removeEvents(userID: String) throws -> Int {
        try all("DELETE FROM events WHERE user_id = $1 RETURNING 1", [.text(userID)], operation: "delete events of '\(userID)'") { _ in 1 }.count
    }

    func fetchEvents(userID: String?) throws -> [Interaction] {
        let columns = "user_id::text, item_id::text, kind, value, timestamp"
        let decode: (PostgresRow) throws -> Interaction? = { row in
            let (user, item, kind, value, timestamp) = try row.decode((String, String, String, Double?, Double).self, context: .default)
            // Unknown kinds are skipped, as the SQLite store does.
            guard let kind = InteractionKind(rawValue: kind) else { return nil }
            return Interaction(user: user, item: item, kind: kind, value: value, timestamp: Date(timeIntervalSince1970: timestamp))
        }
        if let userID {
            return try all("SELECT \(columns) FROM events WHERE user_id = $1 ORDER BY seq", [.text(userID)],
                           operation: "read events of '\(userID)'", row: decode).compactMap { $0 }
        }
        return try all("SELECT \(columns) FROM events ORDER BY seq", operation: "read all events", row: decode).compactMap { $0 }
    }

    func countEvents(userID: String?) throws -> Int {
        if let userID {
            return try scalarInt("SELECT count(*) FROM events WHERE user_id = $1", [.text(userID)], operation: "count events of '\(userID)'")
        }
        return try scalarInt("SELECT count(*) FROM events", operation: "count events")
    }

    // MARK: Trained models and meta

    func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int) throws -> TrainedModelBlob {
        guard !name.isEmpty else { throw StoreError.invalidArgument(name: "trained model name", reason: "it is empty") }
        guard keepingPrevious >= 0 else {
            throw StoreError.invalidArgument(name: "keepingPrevious", reason: "\(keepingPrevious) is negative")
        }
        let createdAt = Date()
        let revision = try first("""
            INSERT INTO trained_models (name, created_at, config_json, data) VALUES ($1, $2, $3, $4) RETURNING revision
            """, [.text(name), .real(createdAt.timeIntervalSince1970), .text(configJSON), .bytes(data)],
            operation: "save trained model '\(name)'") { try $0.decode(Int.self, context: .default) } ?? 0
        try query("""
            DELETE FROM trained_models WHERE name = $1 AND revision NOT IN
                (SELECT revision FROM trained_models WHERE name = $1 ORDER BY revision DESC LIMIT $2)
            """, [.text(name), .integer(Int64(keepingPrevious) + 1)], operation: "prune trained model '\(name)'")
        return TrainedModelBlob(TrainedModelRevision(name: name, revision: revision, createdAt: createdAt, configJSON: configJSON), data: data)
    }

    func latestTrainedModel(name: String) throws -> TrainedModelBlob? {
        try first("""
            SELECT name::text, revision, created_at, config_json, data FROM trained_models WHERE name = $1 ORDER BY revision DESC LIMIT 1
            """, [.text(name)], operation: "load trained model '\(name)'") { row in
            let (name, revision, created, config, data) = try row.decode((String, Int, Double, String, ByteBuffer).self, context: .default)
            return TrainedModelBlob(TrainedModelRevision(name: name, revision: revision, createdAt: Date(timeIntervalSince1970: created),
                                                         configJSON: config), data: Data(data.readableBytesView))
        }
    }

    func latestTrainedModelRevision(name: String) throws -> TrainedModelRevision? {
        try first("""
            SELECT name::text, revision, created_at, config_json FROM trained_models WHERE name = $1 ORDER BY revision DESC LIMIT 1
            """, [.text(name)], operation: "read trained model revision '\(name)'") { row in
            let (name, revision, created, config) = try row.decode((String, Int, Double, String).self, context: .default)
            return TrainedModelRevision(name: name, revision: revision, createdAt: Date(timeIntervalSince1970: created), configJSON: config)
        }
    }

    func metaValue(key: String) throws -> String? {
        try first("SELECT value FROM meta WHERE key = $1", [.text(key)], operation: "read meta '\(key)'") {
            try $0.decode(String.self, context: .default)
        }
    }

    func setMetaValue(_ value: String?, key: String) throws {
        if let value {
            try query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [.text(key), .text(value)], operation: "write meta '\(key)'")
        } else {
            try query("DELETE FROM meta WHERE key = $1", [.text(key)], operation: "delete meta '\(key)'")
        }
    }
}

/// Vector cells as they come off the wire. postgres-nio asks for binary results, so a `bytea` cell
/// holds the store's own little-endian blob, and pgvector cells hold `vector_send` / `halfvec_send`
/// output: int16 dimension, int16 unused, then big-endian float32 or binary16 components.
enum PostgresVectorCodec {
    static func decode(_ cell: ByteBuffer?, storage: PostgresStoreOptions.VectorStorage, dtype: VectorDType, dimension: Int,
                       itemID: String, modality: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let cell else {
            throw StoreError.corruptVector(itemID: itemID, modality: modality, reason: "no \(dtype.rawValue) data stored")
        }
        guard dimension > 0, dimension == destination.count else {
            throw StoreError.corruptVector(itemID: itemID, modality: modality, reason: "dimension \(dimension) recorded")
        }
        try cell.withUnsafeReadableBytes { bytes in
            switch storage {
            case .bytea, .automatic:
                guard bytes.count == dimension * dtype.byteWidth else {
                    throw StoreError.corruptVector(itemID: itemID, modality: modality,
                                                   reason: "\(bytes.count) bytes for \(dimension) \(dtype.rawValue) components")
                }
                VectorEncoding.decode(bytes, as: dtype, into: destination)
            case .pgvector:
                guard bytes.count == 4 + dimension * dtype.byteWidth,
                      Int(UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self))) == dimension else {
                    throw StoreError.corruptVector(itemID: itemID, modality: modality,
                                                   reason: "pgvector value of \(bytes.count) bytes for \(dimension) \(dtype.rawValue) components")
                }
                switch dtype {
                case .float32:
                    for index in 0 ..< dimension {
                        let bits = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 + index * 4, as: UInt32.self))
                        destination[index] = Float(bitPattern: bits)
                    }
                case .float16:
                    for index in 0 ..< dimension {
                        let bits = UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 + index * 2, as: UInt16.self))
                        destination[index] = HalfPrecision.float(fromBits: bits)
                    }
                }
            }
        }
    }
}
