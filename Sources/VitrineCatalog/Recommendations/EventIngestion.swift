// Interaction events in: CSV or JSONL rows `user,item,event,value,timestamp` parsed into
// store events, every bad row reported by line number and reason instead of failing the file.
// Raw events are stored as given (kind + value); strengths are applied when profiles are built,
// so changing `EventStrengths` never needs a re-import.

import Foundation
import VitrineCore

/// One rejected event: where it came from (1-based line, or 1-based position for `record`) and why.
public struct EventProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Line number in the file (1-based), or position in the submitted array (1-based).
    public var line: Int
    /// What is wrong with it.
    public var reason: String

    /// Creates a problem.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }
}

/// What an import or a `record` call did.
public struct EventIngestSummary: Sendable, Equatable, Codable {
    /// Events written durably to the store.
    public var recorded: Int
    /// Rows / events not written, with reasons (malformed rows and unknown items).
    public var problems: [EventProblem]

    /// Creates a summary.
    public init(recorded: Int = 0, problems: [EventProblem] = []) {
        self.recorded = recorded
        self.problems = problems
    }
}

/// File formats `importEvents` reads.
public enum EventFileFormat: String, Sendable, CaseIterable {
    /// Comma-separated, optional header row naming `user,item,event,value,timestamp` in any order.
    case csv
    /// One JSON object per line with keys `user`, `item`, `event`, `value`, `timestamp`.
    case jsonl

    /// The format implied by a file name (`.jsonl`/`.ndjson`/`.json` → jsonl, else csv).
    public static func guess(from url: URL) -> EventFileFormat {
        ["jsonl", "ndjson", "json"].contains(url.pathExtension.lowercased()) ? .jsonl : .csv
    }
}

/// Parses event rows; pure (no store), so it is tested without a catalog.
public enum EventParser {
    /// Parses a whole file's text. Rows that cannot be parsed are returned as problems.
    public static func parse(_ text: String, format: EventFileFormat, now: Date = Date())
        -> (events: [(line: Int, event: Interaction)], problems: [EventProblem]) {
        var events: [(line: Int, event: Interaction)] = []
        var problems: [EventProblem] = []
        var columns = ["user", "item", "event", "value", "timestamp"]
        var lineNumber = 0
        var sawFirst = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("#") { continue }
            var fields: [String: String] = [:]
            switch format {
            case .csv:
                guard let cells = splitCSV(line) else {
                    problems.append(EventProblem(line: lineNumber, reason: "unterminated quoted field"))
                    continue
                }
                let trimmed = cells.map { $0.trimmingCharacters(in: .whitespaces) }
                if !sawFirst {
                    sawFirst = true
                    let lower = trimmed.map { $0.lowercased() }
                    if lower.contains("user") && lower.contains("item") {
                        columns = lower
                        continue
                    }
                }
                guard trimmed.count <= columns.count, trimmed.count >= 3 else {
                    problems.append(EventProblem(line: lineNumber, reason: "expected \(columns.count) fields (\(columns.joined(separator: ","))), got \(trimmed.count)"))
                    continue
                }
                for (name, value) in zip(columns, trimmed) { fields[name] = value }
            case .jsonl:
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    problems.append(EventProblem(line: lineNumber, reason: "not a JSON object"))
                    continue
                }
                for (key, value) in object {
                    if let s = value as? String { fields[key] = s }
                    else if let n = value as? NSNumber { fields[key] = n.stringValue }
                    else if value is NSNull { continue }
                    else { fields[key] = "\(value)" }
                }
            }
            switch event(from: fields, now: now) {
            case .success(let event): events.append((lineNumber, event))
            case .failure(let problem): problems.append(EventProblem(line: lineNumber, reason: problem.reason))
            }
        }
        return (events, problems)
    }

    struct RowProblem: Error { let reason: String }

    /// Validates one row's fields into an event (`Interaction.problem` is the one validation).
    static func event(from fields: [String: String], now: Date) -> Result<Interaction, RowProblem> {
        let user = (fields["user"] ?? fields["user_id"] ?? "").trimmingCharacters(in: .whitespaces)
        let item = (fields["item"] ?? fields["item_id"] ?? "").trimmingCharacters(in: .whitespaces)
        let kindText = (fields["event"] ?? fields["kind"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard !user.isEmpty else { return .failure(RowProblem(reason: "missing user")) }
        guard !item.isEmpty else { return .failure(RowProblem(reason: "missing item")) }
        guard let kind = InteractionKind(rawValue: kindText) else {
            let known = InteractionKind.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(RowProblem(reason: "unknown event '\(kindText)' (expected one of \(known))"))
        }
        var value: Double?
        if let text = fields["value"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let parsed = Double(text), parsed.isFinite else { return .failure(RowProblem(reason: "value '\(text)' is not a number")) }
            value = parsed
        }
        var timestamp = now
        if let text = fields["timestamp"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let parsed = parseTimestamp(text) else {
                return .failure(RowProblem(reason: "timestamp '\(text)' is neither ISO-8601 nor Unix seconds"))
            }
            timestamp = parsed
        }
        let event = Interaction(user: user, item: item, kind: kind, value: value, timestamp: timestamp)
        if let problem = event.problem() { return .failure(RowProblem(reason: problem)) }
        return .success(event)
    }

    /// ISO-8601 (with or without fractional seconds) or Unix seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
        return EventTimestamp.parseISO8601(text)
    }

    /// Splits one CSV line (RFC 4180 quotes, no embedded newlines); nil when a quote is left open.
    static func splitCSV(_ line: String) -> [String]? {
        var cells: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { current.append(ch) }
            } else if ch == "\"" && current.isEmpty {
                quoted = true
            } else if ch == "," {
                cells.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        if quoted { return nil }
        cells.append(current)
        return cells
    }
}

extension Catalog {
    /// Validates and durably stores events (the server's `POST /users/{id}/events`): when this returns, every
    /// counted event is committed to disk in one transaction. Events for items not in the catalog,
    /// unknown kinds and ratings without a value are reported by 1-based position and not stored.
    /// - Throws: `CatalogError.store` when the write fails (then nothing was stored).
    @discardableResult
    public func record(events: [Interaction]) throws -> EventIngestSummary {
        var accepted: [Interaction] = []
        var problems: [EventProblem] = []
        for (position, event) in events.enumerated() {
            if let reason = problem(with: event) { problems.append(EventProblem(line: position + 1, reason: reason)) }
            else { accepted.append(event) }
        }
        if !accepted.isEmpty { try CatalogError.wrapping { try store.append(accepted) } }
        return EventIngestSummary(recorded: accepted.count, problems: problems)
    }

    /// Imports a CSV or JSONL event file (`vitrine events import`); malformed rows and unknown items
    /// are reported with their line numbers, the rest stored in batches of `batchSize`.
    /// - Throws: `.invalidInput` when the file cannot be read, `.store` when writing fails.
    public func importEvents(from url: URL, format: EventFileFormat? = nil, batchSize: Int = 10_000) throws -> EventIngestSummary {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CatalogError.invalidInput(field: "events file \(url.path)", reason: "cannot read it as UTF-8 text: \((error as NSError).localizedDescription)")
        }
        let parsed = EventParser.parse(text, format: format ?? .guess(from: url))
        var summary = EventIngestSummary(recorded: 0, problems: parsed.problems)
        var batch: [Interaction] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            try CatalogError.wrapping { try store.append(batch) }
            summary.recorded += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        for (line, event) in parsed.events {
            if let reason = problem(with: event) { summary.problems.append(EventProblem(line: line, reason: reason)); continue }
            batch.append(event)
            if batch.count >= max(1, batchSize) { try flush() }
        }
        try flush()
        summary.problems.sort { $0.line < $1.line }
        return summary
    }

    /// Stores a batch of events once per `marker` value: when the setting `marker` already holds
    /// `value`, nothing happens and nil is returned; otherwise, in one transaction, the histories of
    /// `replacing` users are deleted (a changed file replaces its users' events instead of doubling
    /// them), the valid events on catalog items are appended and the marker is set. Returns how many
    /// events were stored.
    /// - Throws: `CatalogError.store`.
    public func importEventsOnce(_ events: [Interaction], replacingHistoriesOf replacing: Set<String>,
                                 marker: String, value: String) throws -> Int? {
        try serializedWrite {
            try CatalogError.wrapping {
                if try store.metaValue(for: marker) == value { return nil }
                let valid = events.filter { problem(with: $0) == nil }
                try store.write { transaction in
                    for user in replacing.sorted() { try transaction.deleteEvents(userID: user) }
                    try transaction.append(valid)
                    try transaction.setMetaValue(value, for: marker)
                }
                return valid.count
            }
        }
    }

    /// Why an event cannot be stored, or nil: `Interaction.problem`, or an item not in the catalog.
    func problem(with event: Interaction) -> String? {
        if let problem = event.problem() { return problem }
        if item(event.item) == nil { return "unknown item '\(event.item)'" }
        return nil
    }

    /// The stored history of a user.
    public func history(for user: String) throws -> [Interaction] {
        try CatalogError.wrapping { try store.events(for: user) }
    }

    /// Every user id that has at least one stored event, ascending.
    public func userIDs() throws -> [String] {
        try CatalogError.wrapping { try store.userIDs() }
    }
}
