import Foundation

/// Layout (c): `items.jsonl` (one JSON object per line) or `items.csv` (header row, RFC 4180 quoting).
/// Known fields: `id` (required), `title`, `description`, `images` (array, or `;`/`|`-separated in CSV) or
/// `image`, `tags` (array, or `,`/`;`/`|`-separated), `category`; every other field becomes metadata.
enum ManifestReader {
    static func read(_ name: String, access: FolderAccess, options: IndexingOptions, problems: inout [IndexingProblem]) -> [SourceItem] {
        let bytes: [UInt8]
        do { bytes = try access.read(name) } catch {
            let reason = (error as? FileReadError)?.reason ?? "\(error)"
            problems.append(IndexingProblem(file: name, itemID: nil, reason: reason, outcome: .entryIgnored))
            return []
        }
        var text: String
        if let valid = String(validating: bytes, as: UTF8.self) { text = valid } else {
            text = String(decoding: bytes, as: UTF8.self)
            problems.append(IndexingProblem(file: name, itemID: nil, reason: "manifest is not valid UTF-8; invalid bytes were replaced",
                                            outcome: .entryIgnored))
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let rows: [(line: Int, fields: TextFields)]
        if name.hasSuffix(".csv") {
            rows = csvRows(text, file: name, problems: &problems)
        } else {
            rows = jsonlRows(text, file: name, problems: &problems)
        }
        var items: [SourceItem] = []
        for (line, fields) in rows {
            guard let id = fields.id?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
                problems.append(IndexingProblem(file: "\(name):\(line)", itemID: nil, reason: "row has no 'id'", outcome: .itemSkipped))
                continue
            }
            var item = SourceItem(id: id)
            fields.apply(to: &item)
            item.imagePaths = fields.imagePaths.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            item.textPaths = ["\(name)"]
            items.append(item)
        }
        return items
    }

    static func jsonlRows(_ text: String, file: String, problems: inout [IndexingProblem]) -> [(line: Int, fields: TextFields)] {
        var rows: [(line: Int, fields: TextFields)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                problems.append(IndexingProblem(file: "\(file):\(index + 1)", itemID: nil, reason: "line is not a JSON object", outcome: .entryIgnored))
                continue
            }
            rows.append((index + 1, TextSources.fields(fromJSON: object, file: file, itemID: nil, problems: &problems)))
        }
        return rows
    }

    static func csvRows(_ text: String, file: String, problems: inout [IndexingProblem]) -> [(line: Int, fields: TextFields)] {
        let records = parseCSV(text)
        guard let header = records.first else { return [] }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var rows: [(line: Int, fields: TextFields)] = []
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.isEmpty }) { continue }
            if record.fields.count != names.count {
                problems.append(IndexingProblem(file: "\(file):\(record.line)", itemID: nil,
                                                reason: "row has \(record.fields.count) fields, the header has \(names.count)", outcome: .entryIgnored))
                continue
            }
            var object: [String: Any] = [:]
            for (name, value) in zip(names, record.fields) where !name.isEmpty { object[name] = value }
            rows.append((record.line, TextSources.fields(fromJSON: object, file: file, itemID: nil, problems: &problems)))
        }
        return rows
    }

    /// RFC 4180: fields separated by commas, optionally quoted with `"` (`""` inside quotes is a quote);
    /// quoted fields may span lines. Returns each record with the line it starts on.
    static func parseCSV(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1, recordLine = 1
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if inQuotes {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { inQuotes = false }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"": inQuotes = true
            case ",": fields.append(field); field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                line += 1
                recordLine = line
            default: field.append(character)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }
}
