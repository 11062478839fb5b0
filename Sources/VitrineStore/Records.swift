import Foundation

/// A catalogue item as the store keeps it; `VitrineCore` maps it to its own item type.
public struct StoredItem: Sendable, Equatable, Hashable {
    /// Caller-chosen unique id (non-empty).
    public var id: String
    public var title: String
    public var description: String
    /// Tags in the order given; `items(tag:)` filters on them exactly.
    public var tags: [String]
    public var category: String?
    /// Small free-form key/value pairs, stored as JSON text.
    public var metadata: [String: String]
    /// Relative paths of the item's source files (images and text), in the order given.
    public var sourcePaths: [String]
    /// Hash of the item's source bytes (e.g. `ContentHash.sha256Hex`), compared for incremental re-indexing.
    public var contentHash: String
    /// When the item was first stored; an upsert of an existing id keeps the stored value.
    public var createdAt: Date
    /// When the item was last written.
    public var updatedAt: Date

    /// Creates an item record; timestamps default to now.
    public init(id: String, title: String, description: String = "", tags: [String] = [], category: String? = nil,
                metadata: [String: String] = [:], sourcePaths: [String] = [], contentHash: String = "",
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id
        self.title = title
        self.description = description
        self.tags = tags
        self.category = category
        self.metadata = metadata
        self.sourcePaths = sourcePaths
        self.contentHash = contentHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Which encoder produced a vector.
public enum VectorModality: String, Sendable, CaseIterable, Hashable, Codable {
    case image
    case text
    /// A combination of the image and text vectors.
    case fused
}

/// How a vector's components are stored on disk. Values are always handed back as `Float`.
public enum VectorDType: String, Sendable, CaseIterable, Hashable, Codable {
    /// IEEE-754 binary32, 4 bytes per component, little-endian.
    case float32 = "f32"
    /// IEEE-754 binary16, 2 bytes per component, little-endian, rounded to nearest-even on write.
    case float16 = "f16"

    /// Bytes per stored component.
    public var byteWidth: Int { self == .float32 ? 4 : 2 }
}

/// One item's vector for one modality, with the identity of the model that produced it.
public struct StoredVector: Sendable, Equatable, Hashable {
    public var modality: VectorModality
    /// The components; after an `.float16` round trip they are the half-precision values widened to `Float`.
    public var values: [Float]
    /// Model identity, e.g. `"efficientnet-lite0@3f2a…"`; compared against `currentModel(for:)`.
    public var modelID: String
    /// How the values are stored.
    public var dtype: VectorDType

    /// Creates a vector record.
    public init(modality: VectorModality, values: [Float], modelID: String, dtype: VectorDType = .float32) {
        self.modality = modality
        self.values = values
        self.modelID = modelID
        self.dtype = dtype
    }

    /// Number of components.
    public var dimension: Int { values.count }
}

/// All vectors of one modality as one row-major matrix: row `i` belongs to `itemIDs[i]`.
public struct VectorMatrix: Sendable, Equatable {
    /// Item ids in row order (ascending id order).
    public var itemIDs: [String]
    /// Components per row; 0 when there are no rows.
    public var dimension: Int
    /// `itemIDs.count * dimension` floats, row-major.
    public var values: [Float]

    /// Creates a matrix; `values.count` must equal `itemIDs.count * dimension`.
    public init(itemIDs: [String], dimension: Int, values: [Float]) {
        self.itemIDs = itemIDs
        self.dimension = dimension
        self.values = values
    }

    /// Number of rows.
    public var count: Int { itemIDs.count }

    /// Row `index` as a fresh array.
    public func row(_ index: Int) -> [Float] { Array(values[index * dimension ..< (index + 1) * dimension]) }
}

/// One user interaction with an item, appended to the event log.
public struct InteractionEvent: Sendable, Equatable, Hashable {
    public var userID: String
    public var itemID: String
    /// What happened (`"view"`, `"like"`, `"rating"`, …); the store does not interpret it.
    public var kind: String
    /// Optional magnitude (a rating, a dwell time); nil when the kind carries no value.
    public var value: Double?
    public var timestamp: Date

    /// Creates an event; the timestamp defaults to now.
    public init(userID: String, itemID: String, kind: String, value: Double? = nil, timestamp: Date = Date()) {
        self.userID = userID
        self.itemID = itemID
        self.kind = kind
        self.value = value
        self.timestamp = timestamp
    }
}

/// A saved trained model (e.g. the two-tower weights) with its configuration.
public struct TrainedModelBlob: Sendable, Equatable {
    /// Name the blob is saved under, e.g. `"two-tower"`.
    public var name: String
    /// Increasing save number; the highest is the latest.
    public var revision: Int
    public var createdAt: Date
    /// The training configuration as JSON text, opaque to the store.
    public var configJSON: String
    public var data: Data

    /// Creates a blob record.
    public init(name: String, revision: Int, createdAt: Date, configJSON: String, data: Data) {
        self.name = name
        self.revision = revision
        self.createdAt = createdAt
        self.configJSON = configJSON
        self.data = data
    }
}

/// Vectors whose model differs from the current model for their modality.
public struct StaleVectorReport: Sendable, Equatable {
    public var modality: VectorModality
    /// The model registered as current, or nil if none is registered (then nothing is stale).
    public var currentModelID: String?
    /// Items whose vector was produced by another model, ascending.
    public var itemIDs: [String]
}

/// Sizes and counts for `vitrine info`.
public struct StoreInfo: Sendable, Equatable {
    public var path: String
    public var schemaVersion: Int
    public var itemCount: Int
    public var vectorCounts: [VectorModality: Int]
    public var eventCount: Int
    public var userCount: Int
    public var trainedModelCount: Int
    /// Current model per modality, where one is registered.
    public var currentModels: [VectorModality: String]
    /// Bytes of the database file plus its write-ahead log.
    public var fileSizeBytes: Int64
}
