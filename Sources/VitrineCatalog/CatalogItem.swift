import Foundation
import VitrineCore
import VitrineStore

/// A catalog item as the service returns it: the item plus its sources and which vectors it has.
@dynamicMemberLookup
public struct CatalogItem: Sendable, Equatable {
    /// What the item is (`catalogItem.title`, `.tags`, … read through).
    public var item: Item
    /// Source files relative to the indexed folder (images first); empty for items added through `addItem`.
    public var sourcePaths: [String]
    /// True when the item has an image vector.
    public var hasImage: Bool
    /// True when the item has a text vector.
    public var hasText: Bool
    /// Content hash of the item's sources, metadata and model identities.
    public var contentHash: String
    /// When the item was last written.
    public var updatedAt: Date

    /// Creates an item value.
    public init(_ item: Item, sourcePaths: [String] = [], hasImage: Bool = false, hasText: Bool = false,
                contentHash: String = "", updatedAt: Date = Date()) {
        self.item = item
        self.sourcePaths = sourcePaths
        self.hasImage = hasImage
        self.hasText = hasText
        self.contentHash = contentHash
        self.updatedAt = updatedAt
    }

    init(_ stored: StoredItem, hasImage: Bool, hasText: Bool) {
        self.init(stored.item, sourcePaths: stored.sourcePaths, hasImage: hasImage, hasText: hasText,
                  contentHash: stored.contentHash, updatedAt: stored.updatedAt)
    }

    /// The item's own fields.
    public subscript<Value>(dynamicMember field: WritableKeyPath<Item, Value>) -> Value {
        get { item[keyPath: field] }
        set { item[keyPath: field] = newValue }
    }
}

/// One query result: the index's hit with its item.
public struct CatalogHit: Sendable, Equatable {
    /// The item.
    public var item: CatalogItem
    /// The index's hit: score (cosine in the queried space) and near duplicates folded into it.
    public var hit: SearchHit
    /// Cosine similarity in the queried space.
    public var score: Float { hit.score }
    /// Near-duplicate ids folded into this hit (empty when `includeNearDuplicates`).
    public var duplicates: [String] { hit.duplicates }

    /// Creates a hit.
    public init(item: CatalogItem, hit: SearchHit) {
        self.item = item
        self.hit = hit
    }
}

/// An item handed to `Catalog.addItem`: the item plus image bytes (JPEG/PNG), embedded immediately.
public struct NewItem: Sendable {
    /// The item; an empty title means none was given (no file-name title is derived either).
    public var item: Item
    /// Image file bytes; several are pooled like a folder item's images.
    public var images: [Data]

    /// Creates an item to add.
    public init(_ item: Item, images: [Data] = []) {
        self.item = item
        self.images = images
    }
}

/// Counts and identities for `vitrine info` and the server's status page.
public struct CatalogInfo: Sendable, Equatable, Codable {
    /// The store file.
    public var storePath: String
    /// Items in the store.
    public var itemCount: Int
    /// Items with an image vector / a text vector / both.
    public var imageVectorCount: Int
    public var textVectorCount: Int
    public var fusedVectorCount: Int
    /// Current model identity per modality (`image`, `text`, `fused`).
    public var models: [String: String]
    /// Stored vector precision of new vectors (`f16` or `f32`).
    public var vectorPrecision: String
    /// Bytes of the store file plus its write-ahead log.
    public var storeSizeBytes: Int64
    /// Schema version of the store file.
    public var schemaVersion: Int
    /// Interaction events logged.
    public var eventCount: Int
    /// The fused score's weights and how they were chosen (fitted, overridden or the balanced default).
    public var fusion: FusionWeightFit
    /// How the in-memory indexes were loaded: from the index snapshot, or from the store and why.
    public var opening: String = ""
}
