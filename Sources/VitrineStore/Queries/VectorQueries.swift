import Foundation
import VitrineCore

/// Vector blobs and the current model per modality.
extension Connection {
    /// Writes (or replaces) one vector of an existing item, refusing a model other than the current one.
    func writeVector(_ vector: StoredVector, itemID: String) throws {
        try VectorEncoding.validate(vector, itemID: itemID)
        if let current = try currentModel(for: vector.modality), current != vector.modelID {
            throw StoreError.modelMismatch(modality: vector.modality.rawValue, itemID: itemID, current: current, given: vector.modelID)
        }
        guard try itemExists(id: itemID) else { throw StoreError.unknownItem(id: itemID) }
        try run("""
            INSERT OR REPLACE INTO vectors (item_id, modality, dtype, dimension, model_id, data) VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(itemID), .text(vector.modality.rawValue), .text(vector.dtype.rawValue),
                  .integer(Int64(vector.dimension)), .text(vector.modelID),
                  .blob(VectorEncoding.encode(vector.values, as: vector.dtype))],
            operation: "write \(vector.modality.rawValue) vector of '\(itemID)'")
    }

    /// Deletes the item's vectors, all modalities or one.
    func removeVectors(itemID: String, modality: Modality?) throws -> Int {
        if let modality {
            try run("DELETE FROM vectors WHERE item_id = ? AND modality = ?", [.text(itemID), .text(modality.rawValue)],
                    operation: "delete \(modality.rawValue) vector of '\(itemID)'")
        } else {
            try run("DELETE FROM vectors WHERE item_id = ?", [.text(itemID)], operation: "delete vectors of '\(itemID)'")
        }
        return changes
    }

    func fetchVectors(itemID: String) throws -> [StoredVector] {
        try query("SELECT item_id, modality, dtype, dimension, model_id, data FROM vectors WHERE item_id = ? ORDER BY modality",
                  [.text(itemID)], operation: "read vectors of '\(itemID)'", row: Self.decodeVector)
    }

    /// Every vector of `modality` (optionally only those from `modelID`) as one row-major matrix,
    /// rows in ascending item id order. Blobs are decoded straight into the matrix storage.
    func fetchMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix {
        var filter = "modality = ?"
        var values: [SQLValue] = [.text(modality.rawValue)]
        if let modelID {
            filter += " AND model_id = ?"
            values.append(.text(modelID))
        }
        let rows = try scalarInt("SELECT count(*) FROM vectors WHERE \(filter)", values, operation: "size \(modality.rawValue) matrix")
        // The first row (in id order) sets the dimension; the first row that differs is reported.
        guard rows > 0, let dimension = try queryFirst("SELECT dimension FROM vectors WHERE \(filter) ORDER BY item_id LIMIT 1",
                                                       values, operation: "size \(modality.rawValue) matrix", row: { $0.int(0) })
        else { return VectorMatrix(itemIDs: [], dimension: 0, values: []) }
        if let (itemID, found) = try queryFirst(
            "SELECT item_id, dimension FROM vectors WHERE \(filter) AND dimension != ? ORDER BY item_id LIMIT 1",
            values + [.integer(Int64(dimension))], operation: "check \(modality.rawValue) dimensions", row: { ($0.text(0), $0.int(1)) }) {
            throw StoreError.dimensionMismatch(modality: modality.rawValue, itemID: itemID, expected: dimension, found: found)
        }
        var itemIDs: [String] = []
        itemIDs.reserveCapacity(rows)
        var matrix = [Float](repeating: 0, count: rows * dimension)
        let statement = try prepare("SELECT item_id, dtype, dimension, data FROM vectors WHERE \(filter) ORDER BY item_id",
                                    operation: "read \(modality.rawValue) matrix")
        defer { statement.reset() }
        try statement.bind(values)
        try matrix.withUnsafeMutableBufferPointer { storage in
            var row = 0
            while try statement.step() {
                guard row < rows else { break }
                let itemID = statement.text(0)
                let dtype = try Self.dtype(statement.text(1), itemID: itemID)
                let destination = UnsafeMutableBufferPointer(rebasing: storage[row * dimension ..< (row + 1) * dimension])
                try statement.withBlob(3) { blob in
                    try Self.checkBlob(blob, dtype: dtype, dimension: statement.int(2), itemID: itemID, modality: modality.rawValue)
                    VectorEncoding.decode(blob, as: dtype, into: destination)
                }
                itemIDs.append(itemID)
                row += 1
            }
        }
        return VectorMatrix(itemIDs: itemIDs, dimension: dimension, values: matrix)
    }

    func currentModel(for modality: Modality) throws -> String? {
        try queryFirst("SELECT model_id FROM models WHERE modality = ?", [.text(modality.rawValue)],
                       operation: "read current \(modality.rawValue) model") { $0.text(0) }
    }

    func currentModels() throws -> [Modality: String] {
        var models: [Modality: String] = [:]
        for (modality, model) in try query("SELECT modality, model_id FROM models", operation: "read current models", row: { ($0.text(0), $0.text(1)) }) {
            if let modality = Modality(rawValue: modality) { models[modality] = model }
        }
        return models
    }

    func registerModel(_ modelID: String, for modality: Modality) throws {
        guard !modelID.isEmpty else { throw StoreError.invalidArgument(name: "model id", reason: "it is empty") }
        try run("INSERT OR REPLACE INTO models (modality, model_id, updated_at) VALUES (?, ?, ?)",
                [.text(modality.rawValue), .text(modelID), .real(Date().timeIntervalSince1970)],
                operation: "set current \(modality.rawValue) model")
    }

    func staleVectors(modality: Modality) throws -> StaleVectorReport {
        guard let current = try currentModel(for: modality) else {
            return StaleVectorReport(modality: modality, currentModelID: nil, itemIDs: [])
        }
        let ids = try query("SELECT item_id FROM vectors WHERE modality = ? AND model_id != ? ORDER BY item_id",
                            [.text(modality.rawValue), .text(current)], operation: "find stale \(modality.rawValue) vectors") { $0.text(0) }
        return StaleVectorReport(modality: modality, currentModelID: current, itemIDs: ids)
    }

    func itemsMissingVectors(modality: Modality) throws -> [String] {
        try query("SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM vectors WHERE modality = ?) ORDER BY id",
                  [.text(modality.rawValue)], operation: "find items without \(modality.rawValue) vectors") { $0.text(0) }
    }

    private static func dtype(_ raw: String, itemID: String) throws -> VectorDType {
        guard let dtype = VectorDType(rawValue: raw) else {
            throw StoreError.corruptRecord(table: "vectors", key: itemID, field: "dtype", reason: "unknown dtype '\(raw)'")
        }
        return dtype
    }

    private static func checkBlob(_ blob: UnsafeRawBufferPointer, dtype: VectorDType, dimension: Int, itemID: String, modality: String) throws {
        guard dimension > 0, blob.count == dimension * dtype.byteWidth else {
            throw StoreError.corruptVector(itemID: itemID, modality: modality,
                                           reason: "\(blob.count) bytes for \(dimension) \(dtype.rawValue) components")
        }
    }

    private static func decodeVector(_ row: Statement) throws -> StoredVector {
        let itemID = row.text(0)
        let rawModality = row.text(1)
        guard let modality = Modality(rawValue: rawModality) else {
            throw StoreError.corruptRecord(table: "vectors", key: itemID, field: "modality", reason: "unknown modality '\(rawModality)'")
        }
        let dtype = try dtype(row.text(2), itemID: itemID)
        let dimension = row.int(3)
        let values = try row.withBlob(5) { blob -> [Float] in
            try checkBlob(blob, dtype: dtype, dimension: dimension, itemID: itemID, modality: rawModality)
            var values = [Float](repeating: 0, count: dimension)
            values.withUnsafeMutableBufferPointer { VectorEncoding.decode(blob, as: dtype, into: $0) }
            return values
        }
        return StoredVector(modality: modality, values: values, modelID: row.text(4), dtype: dtype)
    }
}
