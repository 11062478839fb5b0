import Foundation
import VitrineCore
import VitrineStore

/// How a `Catalog` opens its store and builds vectors. The CLI flags and the server's settings map onto it.
public struct CatalogOptions: Sendable {
    /// SQLite settings (busy timeout, durability).
    public var store: StoreOptions
    /// PostgreSQL settings (vector columns, reader pool, connect timeout), for `postgres://` locations.
    public var postgres = PostgresStoreOptions()
    /// Where the encoders come from; nil = the pretrained EfficientNet-Lite0 and MiniLM from `assets/models`
    /// (found by `ModelAssets`: `VITRINE_ASSETS`, else an `assets/models` folder above the working directory).
    public var encoders: EncoderProvider?
    /// Image / text weights of the fused vector (normalized to sum to one).
    public var fusionWeights: FusionWeights
    /// Stored form of vectors. fp16 halves the store; measured top-10 overlap vs fp32 is in the report.
    public var vectorPrecision: VectorDType
    /// Hits whose cosine with a better hit is at least this are folded into it as near duplicates.
    public var nearDuplicateThreshold: Float

    /// Defaults: default store options, pretrained encoders, balanced weights, fp16 vectors, threshold 0.985.
    public init(store: StoreOptions = StoreOptions(), encoders: EncoderProvider? = nil, fusionWeights: FusionWeights = .balanced,
                vectorPrecision: VectorDType = .float16, nearDuplicateThreshold: Float = 0.985) {
        self.store = store
        self.encoders = encoders
        self.fusionWeights = fusionWeights
        self.vectorPrecision = vectorPrecision
        self.nearDuplicateThreshold = nearDuplicateThreshold
    }

    /// The default store location, relative to the working directory: `vitrine-store/catalog.sqlite`.
    public static let defaultStorePath = "vitrine-store/catalog.sqlite"
}

/// How one `index(folder:)` run behaves.
public struct IndexingOptions: Sendable {
    /// Items per write transaction (and per encoder batch): a kill loses at most this many items' work,
    /// never a committed one. 32 indexed 1,000 photos ~2–3 % faster than 16 (fewer hand-offs between
    /// the decoding and encoding stages); 64 gained nothing more.
    public var commitBatchSize: Int
    /// Decode and preprocess the next batch in the background while the current batch is encoded.
    public var overlapsDecoding: Bool
    /// Threads that read and decode one batch (nil: one per core without overlap, half the cores with it,
    /// since the image encoder's workers share the cores: 1 instead of 2 on 2 cores indexed 1,000
    /// photos ~1 % faster in four alternating pairs).
    public var decodeThreads: Int?
    /// Re-embed every item even when its content hash is unchanged.
    public var reembedAll: Bool
    /// Remove stored items (indexed from a folder) that are no longer in the folder.
    public var removesMissingItems: Bool
    /// Images beyond this many per item are ignored (reported).
    public var maxImagesPerItem: Int
    /// Text files larger than this are reported and ignored.
    public var maxTextFileBytes: Int

    /// Defaults: batches of 16 items, overlapped decoding on every core, incremental, removes deleted items, 16 images, 1 MiB text.
    public init(commitBatchSize: Int = 32, overlapsDecoding: Bool = true, reembedAll: Bool = false,
                removesMissingItems: Bool = true, maxImagesPerItem: Int = 16, maxTextFileBytes: Int = 1 << 20,
                decodeThreads: Int? = nil) {
        self.commitBatchSize = commitBatchSize
        self.overlapsDecoding = overlapsDecoding
        self.decodeThreads = decodeThreads
        self.reembedAll = reembedAll
        self.removesMissingItems = removesMissingItems
        self.maxImagesPerItem = maxImagesPerItem
        self.maxTextFileBytes = maxTextFileBytes
    }
}

/// Options of one similar-items or search query.
public struct QueryOptions: Sendable {
    /// Maximum number of hits.
    public var limit: Int
    /// Only items carrying at least one of these tags (ignored when empty).
    public var tags: Set<String>
    /// Only items in one of these categories (ignored when empty).
    public var categories: Set<String>
    /// Return near duplicates as ordinary hits instead of folding them into the better hit.
    public var includeNearDuplicates: Bool
    /// Ids never returned.
    public var excluding: Set<String>

    /// Defaults: 10 hits, no filter, near duplicates folded.
    public init(limit: Int = 10, tags: Set<String> = [], categories: Set<String> = [], includeNearDuplicates: Bool = false,
                excluding: Set<String> = []) {
        self.limit = limit
        self.tags = tags
        self.categories = categories
        self.includeNearDuplicates = includeNearDuplicates
        self.excluding = excluding
    }
}
