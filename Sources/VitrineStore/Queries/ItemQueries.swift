import Foundation
import VitrineCore

/// Item rows, tags and content hashes. Shared by `CatalogStore` reads and `StoreTransaction`.
extension Connection {
    private static let itemColumns =
        "id, title, description, category, metadata_json, source_paths_json, content_hash, created_at, updated_at"

    func itemExists(id: String) throws -> Bool {
        try queryFirst("SELECT 1 FROM items WHERE id = ?", [.text(id)], operation: "look up item") { _ in true } ?? false
    }

    func fetchItem(id: String) throws -> StoredItem? {
        guard var item = try queryFirst("SELECT \(Self.itemColumns) FROM items WHERE id = ?", [.text(id)],
                                        operation: "read item", row: Self.decodeItem) else { return nil }
        item.tags = try fetchTags(itemID: id)
        return item
    }

    /// Items in ascending id order, optionally only those carrying `tag`.
    func fetchItems(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] {
        guard offset >= 0 else { throw StoreError.invalidArgument(name: "offset", reason: "\(offset) is negative") }
        guard limit >= 0 else { throw StoreError.invalidArgument(name: "limit", reason: "\(limit) is negative") }
        var items: [StoredItem]
        if let tag {
            items = try query("""
                SELECT \(Self.itemColumns) FROM items
                WHERE id IN (SELECT item_id FROM item_tags WHERE tag = ?) ORDER BY id LIMIT ? OFFSET ?
                """, [.text(tag), .integer(Int64(limit)), .integer(Int64(offset))], operation: "list items by tag", row: Self.decodeItem)
        } else {
            items = try query("SELECT \(Self.itemColumns) FROM items ORDER BY id LIMIT ? OFFSET ?",
                              [.integer(Int64(limit)), .integer(Int64(offset))], operation: "list items", row: Self.decodeItem)
        }
        for index in items.indices { items[index].tags = try fetchTags(itemID: items[index].id) }
        return items
    }

    func countItems(tag: String?) throws -> Int {
        if let tag {
            return try scalarInt("SELECT count(DISTINCT item_id) FROM item_tags WHERE tag = ?", [.text(tag)], operation: "count items by tag")
        }
        return try scalarInt("SELECT count(*) FROM items", operation: "count items")
    }

    func fetchContentHashes() throws -> [String: String] {
        var hashes: [String: String] = [:]
        for (id, hash) in try query("SELECT id, content_hash FROM items", operation: "read content hashes", row: { ($0.text(0), $0.text(1)) }) {
            hashes[id] = hash
        }
        return hashes
    }

    /// Inserts or replaces the item row and its tags. `createdAt` of an existing row is kept.
    func writeItem(_ item: StoredItem) throws {
        guard !item.id.isEmpty else { throw StoreError.invalidArgument(name: "item id", reason: "it is empty") }
        let metadata = try Self.encodeJSON(item.metadata, field: "metadata", itemID: item.id)
        let sources = try Self.encodeJSON(item.sourcePaths, field: "sourcePaths", itemID: item.id)
        try run("""
            INSERT INTO items (\(Self.itemColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
                category = excluded.category, metadata_json = excluded.metadata_json,
                source_paths_json = excluded.source_paths_json, content_hash = excluded.content_hash,
                updated_at = excluded.updated_at
            """, [.text(item.id), .text(item.title), .text(item.description), SQLValue(item.category),
                  .text(metadata), .text(sources), .text(item.contentHash),
                  .real(item.createdAt.timeIntervalSince1970), .real(item.updatedAt.timeIntervalSince1970)],
            operation: "write item '\(item.id)'")
        try run("DELETE FROM item_tags WHERE item_id = ?", [.text(item.id)], operation: "replace tags of '\(item.id)'")
        for (position, tag) in item.tags.enumerated() {
            try run("INSERT INTO item_tags (item_id, position, tag) VALUES (?, ?, ?)",
                    [.text(item.id), .integer(Int64(position)), .text(tag)], operation: "write tags of '\(item.id)'")
        }
    }

    /// Deletes the item; its tags, vectors and events go with it (ON DELETE CASCADE).
    func removeItem(id: String) throws -> Bool {
        try run("DELETE FROM items WHERE id = ?", [.text(id)], operation: "delete item '\(id)'")
        return changes > 0
    }

    private func fetchTags(itemID: String) throws -> [String] {
        try query("SELECT tag FROM item_tags WHERE item_id = ? ORDER BY position", [.text(itemID)], operation: "read tags") { $0.text(0) }
    }

    private static func decodeItem(_ row: Statement) throws -> StoredItem {
        let id = row.text(0)
        let item = Item(id: id, title: row.text(1), description: row.text(2), tags: [], category: row.optionalText(3),
                        metadata: try decodeJSON([String: String].self, row.text(4), field: "metadata_json", itemID: id))
        return StoredItem(
            item, sourcePaths: try decodeJSON([String].self, row.text(5), field: "source_paths_json", itemID: id),
            contentHash: row.text(6),
            createdAt: Date(timeIntervalSince1970: row.double(7)), updatedAt: Date(timeIntervalSince1970: row.double(8)))
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
        // Most items have no metadata or source paths: skip the decoder (opening a million items reads all of them).
        if text == "{}", let empty = [String: String]() as? T { return empty }
        if text == "[]", let empty = [String]() as? T { return empty }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRecord(table: "items", key: itemID, field: field, reason: "invalid JSON: \(error)")
        }
    }
}
