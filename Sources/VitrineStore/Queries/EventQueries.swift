import Foundation
import VitrineCore

/// The append-only interaction log.
extension Connection {
    func appendEvent(_ event: Interaction) throws {
        if let problem = event.problem() { throw StoreError.invalidArgument(name: "event", reason: problem) }
        guard try itemExists(id: event.item) else { throw StoreError.unknownItem(id: event.item) }
        try run("INSERT INTO events (user_id, item_id, kind, value, timestamp) VALUES (?, ?, ?, ?, ?)",
                [.text(event.user), .text(event.item), .text(event.kind.rawValue), SQLValue(event.value),
                 .real(event.timestamp.timeIntervalSince1970)], operation: "append event")
    }

    /// Deletes every event of one user; returns how many were deleted.
    func removeEvents(userID: String) throws -> Int {
        try run("DELETE FROM events WHERE user_id = ?", [.text(userID)], operation: "delete events of '\(userID)'")
        return changes
    }

    /// Events in the order they were appended, optionally for one user.
    func fetchEvents(userID: String?) throws -> [Interaction] {
        let columns = "user_id, item_id, kind, value, timestamp"
        if let userID {
            return try query("SELECT \(columns) FROM events WHERE user_id = ? ORDER BY seq", [.text(userID)],
                             operation: "read events of '\(userID)'", row: Self.decodeEvent).compactMap { $0 }
        }
        return try query("SELECT \(columns) FROM events ORDER BY seq", operation: "read all events", row: Self.decodeEvent).compactMap { $0 }
    }

    func countEvents(userID: String?) throws -> Int {
        if let userID {
            return try scalarInt("SELECT count(*) FROM events WHERE user_id = ?", [.text(userID)], operation: "count events of '\(userID)'")
        }
        return try scalarInt("SELECT count(*) FROM events", operation: "count events")
    }

    func fetchUserIDs() throws -> [String] {
        try query("SELECT DISTINCT user_id FROM events ORDER BY user_id", operation: "list users") { $0.text(0) }
    }

    /// An event row, or nil for a kind this build does not know: stores written before events were
    /// typed could hold any kind string, and such rows are skipped (as the catalog always skipped
    /// them) rather than failing every read of the user's history.
    private static func decodeEvent(_ row: Statement) -> Interaction? {
        guard let kind = InteractionKind(rawValue: row.text(2)) else { return nil }
        return Interaction(user: row.text(0), item: row.text(1), kind: kind, value: row.optionalDouble(3),
                           timestamp: Date(timeIntervalSince1970: row.double(4)))
    }
}

/// Trained model blobs and the key/value meta table.
extension Connection {
    func saveTrainedModel(name: String, data: Data, configJSON: String, keepingPrevious: Int) throws -> TrainedModelBlob {
        guard !name.isEmpty else { throw StoreError.invalidArgument(name: "trained model name", reason: "it is empty") }
        guard keepingPrevious >= 0 else {
            throw StoreError.invalidArgument(name: "keepingPrevious", reason: "\(keepingPrevious) is negative")
        }
        let createdAt = Date()
        try run("INSERT INTO trained_models (name, created_at, config_json, data) VALUES (?, ?, ?, ?)",
                [.text(name), .real(createdAt.timeIntervalSince1970), .text(configJSON), .blob(data)],
                operation: "save trained model '\(name)'")
        let revision = try scalarInt("SELECT last_insert_rowid()", operation: "read trained model revision")
        try run("""
            DELETE FROM trained_models WHERE name = ? AND revision NOT IN
                (SELECT revision FROM trained_models WHERE name = ? ORDER BY revision DESC LIMIT ?)
            """, [.text(name), .text(name), .integer(Int64(keepingPrevious) + 1)], operation: "prune trained model '\(name)'")
        return TrainedModelBlob(TrainedModelRevision(name: name, revision: revision, createdAt: createdAt, configJSON: configJSON), data: data)
    }

    func latestTrainedModel(name: String) throws -> TrainedModelBlob? {
        try queryFirst("""
            SELECT name, revision, created_at, config_json, data FROM trained_models WHERE name = ? ORDER BY revision DESC LIMIT 1
            """, [.text(name)], operation: "load trained model '\(name)'") { row in
            TrainedModelBlob(Self.decodeRevision(row), data: row.blob(4))
        }
    }

    /// The latest revision's record without reading its data (checked on every recommendation request).
    func latestTrainedModelRevision(name: String) throws -> TrainedModelRevision? {
        try queryFirst("""
            SELECT name, revision, created_at, config_json FROM trained_models WHERE name = ? ORDER BY revision DESC LIMIT 1
            """, [.text(name)], operation: "read trained model revision '\(name)'", row: Self.decodeRevision)
    }

    private static func decodeRevision(_ row: Statement) -> TrainedModelRevision {
        TrainedModelRevision(name: row.text(0), revision: row.int(1), createdAt: Date(timeIntervalSince1970: row.double(2)),
                             configJSON: row.text(3))
    }

    func metaValue(key: String) throws -> String? {
        try queryFirst("SELECT value FROM meta WHERE key = ?", [.text(key)], operation: "read meta '\(key)'") { $0.text(0) }
    }

    func setMetaValue(_ value: String?, key: String) throws {
        if let value {
            try run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [.text(key), .text(value)], operation: "write meta '\(key)'")
        } else {
            try run("DELETE FROM meta WHERE key = ?", [.text(key)], operation: "delete meta '\(key)'")
        }
    }
}
