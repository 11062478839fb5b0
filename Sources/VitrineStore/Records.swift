import Foundation
import VitrineCore

/// An item as the store keeps it: the item itself plus what only the store tracks.
@dynamicMemberLookup
public struct StoredItem: Sendable, Equatable, Hashable {
    /// What the item is (id, title, description, tags, category, metadata).
    public var item: Item
    /// Relative paths of the item's source files (images and text), in the order given.
    public var sourcePaths: [String]
    /// Hash of the item's source bytes and fields, compared for incremental re-indexing.
    public var contentHash: String
    /// When the item was first stored; an upsert of an existing id keeps the stored value.
    public var createdAt: Date
    /// When the item was last written.
    public var updatedAt: Date

    /// Creates an item record; timestamps default to now.
    public init(_ item: Item, sourcePaths: [String] = [], contentHash: String = "", createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.item = item
        self.sourcePaths = sourcePaths
        self.contentHash = contentHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The item's own fields (`stored.id`, `stored.tags`, …).
    public subscript<Value>(dynamicMember field: WritableKeyPath<Item, Value>) -> Value {
        get { item[keyPath: field] }
        set { item[keyPath: field] = newValue }
    }
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
    public var modality: Modality
    /// The components; after an `.float16` round trip they are the half-precision values widened to `Float`.
    public var values: [Float]
    /// Model identity, e.g. `"efficientnet-lite0@3f2a…"`; compared against `currentModel(for:)`.
    public var modelID: String
    /// How the values are stored.
    public var dtype: VectorDType

    /// Creates a vector record.
    public init(modality: Modality, values: [Float], modelID: String, dtype: VectorDType = .float32) {
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

/// Which revision of a trained model blob is saved, without its data.
public struct TrainedModelRevision: Sendable, Equatable {
    /// Name the blob is saved under, e.g. `"two-tower"`.
    public var name: String
    /// Increasing save number; the highest is the latest.
    public var revision: Int
    public var createdAt: Date
    /// The training configuration as JSON text, opaque to the store.
    public var configJSON: String

    /// Creates a revision record.
    public init(name: String, revision: Int, createdAt: Date, configJSON: String) {
        self.name = name
        self.revision = revision
        self.createdAt = createdAt
        self.configJSON = configJSON
    }
}

/// A saved trained model (e.g. the two-tower weights): its revision record and its bytes.
@dynamicMemberLookup
public struct TrainedModelBlob: Sendable, Equatable {
    /// Name, revision, time and configuration (`blob.revision`, `blob.configJSON`, … read through).
    public var saved: TrainedModelRevision
    /// The model's bytes, opaque to the store.
    public var data: Data

    /// Creates a blob record.
    public init(_ saved: TrainedModelRevision, data: Data) {
        self.saved = saved
        self.data = data
    }

    /// The revision record's fields.
    public subscript<Value>(dynamicMember field: KeyPath<TrainedModelRevision, Value>) -> Value { saved[keyPath: field] }
}

/// Vectors whose model differs from the current model for their modality.
public struct StaleVectorReport: Sendable, Equatable {
    public var modality: Modality
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
    public var vectorCounts: [Modality: Int]
    public var eventCount: Int
    public var userCount: Int
    public var trainedModelCount: Int
    /// Current model per modality, where one is registered.
    public var currentModels: [Modality: String]
    /// Bytes the store takes (for SQLite: the database file plus its write-ahead log).
    public var fileSizeBytes: Int64
}
