import Foundation
import VitrineCore

/// The three folder layouts the indexer recognizes (see docs/catalog-layouts.md).
public enum FolderLayout: String, Sendable, Codable, CaseIterable {
    /// `lamp.jpg` + `lamp.txt` / `.md` / `.json`, paired by base name.
    case pairs
    /// One subfolder per item with images plus `description.txt` / `item.json`.
    case subfolders
    /// `items.jsonl` or `items.csv` at the root.
    case manifest
}

/// One item as found in the folder, before embedding: the item plus where its parts came from. Paths
/// are relative to the folder and already vetted (inside the folder, existing regular files).
@dynamicMemberLookup
public struct SourceItem: Sendable, Equatable {
    /// The item (its title defaults to the id with separators turned into spaces).
    public var item: Item
    /// Image files, relative to the folder.
    public var imagePaths: [String]
    /// Text / metadata files the fields came from, relative to the folder.
    public var textPaths: [String]
    /// False when the title was derived from the id (then it is not encoder text on its own).
    public var titleIsGiven: Bool

    /// Creates a source item.
    public init(_ item: Item, titleIsGiven: Bool, imagePaths: [String] = [], textPaths: [String] = []) {
        self.item = item
        self.titleIsGiven = titleIsGiven
        self.imagePaths = imagePaths
        self.textPaths = textPaths
    }

    /// An item known only by its id so far: the title derived from it, nothing else.
    public init(id: String) {
        self.init(Item(id: id, title: SourceItem.title(fromID: id)), titleIsGiven: false)
    }

    /// The item's own fields.
    public subscript<Value>(dynamicMember field: WritableKeyPath<Item, Value>) -> Value {
        get { item[keyPath: field] }
        set { item[keyPath: field] = newValue }
    }

    /// The text the text encoder reads — "title. description. Tags: a, b" — or nil when the item has
    /// no description, no tags and no given title (a derived title alone is not text). A title derived
    /// from the file name is left out unless the name reads as words (`FileNameTitle`): "red-lamp"
    /// helps, "IMG_2031" or a hash would only add noise.
    public var encoderText: String? {
        let trimmedTitle = item.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let trimmedDescription = item.description.trimmingCharacters(in: .whitespacesAndNewlines)
        let cleanTags = item.tags.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !trimmedDescription.isEmpty || !cleanTags.isEmpty || (titleIsGiven && !trimmedTitle.isEmpty) else { return nil }
        var parts: [String] = []
        if !trimmedTitle.isEmpty && (titleIsGiven || FileNameTitle.readsAsWords(item.id)) { parts.append(trimmedTitle) }
        if !trimmedDescription.isEmpty { parts.append(trimmedDescription) }
        if !cleanTags.isEmpty { parts.append("Tags: " + cleanTags.joined(separator: ", ")) }
        return parts.joined(separator: ". ")
    }

    /// "red-lamp_02" → "red lamp 02".
    static func title(fromID id: String) -> String {
        String(id.map { $0 == "-" || $0 == "_" ? " " : $0 })
    }
}

/// What scanning a folder produced.
public struct FolderScan: Sendable {
    /// The detected layout.
    public var layout: FolderLayout
    /// Items, ids unique, in a stable order.
    public var items: [SourceItem]
    /// Everything that could not be used.
    public var problems: [IndexingProblem]
}
