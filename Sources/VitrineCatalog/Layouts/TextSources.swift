import Foundation

/// Fields read from a description file (`.txt`, `.md`) or a metadata file (`.json`, one object).
struct TextFields {
    var title: String?
    var description: String?
    var tags: [String]?
    var category: String?
    var id: String?
    var metadata: [String: String] = [:]
    var imagePaths: [String] = []

    /// Fields of a later source override those of an earlier one; metadata merges.
    mutating func merge(_ other: TextFields) {
        if let value = other.title { title = value }
        if let value = other.description { description = value }
        if let value = other.tags { tags = value }
        if let value = other.category { category = value }
        if let value = other.id { id = value }
        metadata.merge(other.metadata) { _, new in new }
        imagePaths += other.imagePaths
    }

    func apply(to item: inout SourceItem) {
        if let title, !title.isEmpty {
            item.title = title
            item.titleIsGiven = true
        }
        if let description { item.description = description }
        if let tags { item.tags = tags }
        if let category, !category.isEmpty { item.category = category }
        item.metadata.merge(metadata) { _, new in new }
    }
}

/// Parsing of description and metadata files, with every problem named.
enum TextSources {
    /// Reads a `.txt` / `.md` / `.json` file. Returns nil (and appends a problem) when nothing is usable.
    /// Invalid UTF-8 is repaired (reported, text kept); an empty file is reported and yields nothing.
    static func read(_ relative: String, access: FolderAccess, options: IndexingOptions, itemID: String,
                     problems: inout [IndexingProblem]) -> TextFields? {
        if let size = access.size(of: relative), size > options.maxTextFileBytes {
            problems.append(IndexingProblem(file: relative, itemID: itemID,
                                            reason: "text file of \(size) bytes exceeds the \(options.maxTextFileBytes)-byte limit; ignored",
                                            outcome: .partIgnored))
            return nil
        }
        let bytes: [UInt8]
        do { bytes = try access.read(relative) } catch let error as FileReadError {
            problems.append(IndexingProblem(file: relative, itemID: itemID, reason: error.reason, outcome: .partIgnored))
            return nil
        } catch {
            problems.append(IndexingProblem(file: relative, itemID: itemID, reason: "\(error)", outcome: .partIgnored))
            return nil
        }
        var text: String
        if let valid = String(validating: bytes, as: UTF8.self) { text = valid } else {
            text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\u{FFFD}", with: "")
            problems.append(IndexingProblem(file: relative, itemID: itemID,
                                            reason: "text is not valid UTF-8; the invalid bytes were dropped", outcome: .partIgnored))
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(IndexingProblem(file: relative, itemID: itemID, reason: "text file is empty", outcome: .partIgnored))
            return nil
        }
        if FolderAccess.fileExtension(relative) == "json" {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                problems.append(IndexingProblem(file: relative, itemID: itemID, reason: "not a JSON object", outcome: .partIgnored))
                return nil
            }
            return fields(fromJSON: object, file: relative, itemID: itemID, problems: &problems)
        }
        return fields(fromPlainText: text)
    }

    /// Plain text: optional header lines `title: …`, `tags: a, b`, `category: …` at the top, the rest is the description.
    static func fields(fromPlainText text: String) -> TextFields {
        var fields = TextFields()
        var lines = text.components(separatedBy: .newlines)[...]
        while let line = lines.first {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let colon = trimmed.firstIndex(of: ":") else { break }
            let key = trimmed[..<colon].lowercased()
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "title": fields.title = value
            case "tags": fields.tags = splitList(value)
            case "category": fields.category = value
            default: break
            }
            guard ["title", "tags", "category"].contains(key) else { break }
            lines.removeFirst()
        }
        fields.description = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        return fields
    }

    /// A JSON object: known fields plus every other field as metadata (strings as-is, others as JSON text).
    static func fields(fromJSON object: [String: Any], file: String, itemID: String?,
                       problems: inout [IndexingProblem]) -> TextFields {
        var fields = TextFields()
        for (key, value) in object {
            switch key {
            case "id": fields.id = scalarString(value)
            case "title", "name": fields.title = scalarString(value)
            case "description", "text", "caption": fields.description = scalarString(value)
            case "tags", "keywords":
                if let list = value as? [Any] { fields.tags = list.compactMap(scalarString) } else if let text = value as? String {
                    fields.tags = splitList(text)
                }
            case "category": fields.category = scalarString(value)
            case "images":
                if let list = value as? [Any] { fields.imagePaths += list.compactMap { $0 as? String } } else if let text = value as? String {
                    fields.imagePaths += splitList(text, separators: ";|")
                }
            case "image":
                if let text = value as? String { fields.imagePaths.append(text) }
            default:
                fields.metadata[key] = metadataString(value)
            }
        }
        return fields
    }

    static func splitList(_ text: String, separators: String = ",;|") -> [String] {
        text.split(whereSeparator: { separators.contains($0) })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func scalarString(_ value: Any) -> String? {
        switch value {
        case let text as String: return text
        case let flag as Bool: return flag ? "true" : "false"
        case let integer as Int: return String(integer)
        case let real as Double: return String(real)
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    static func metadataString(_ value: Any) -> String {
        if let scalar = scalarString(value) { return scalar }
        if value is NSNull { return "" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
