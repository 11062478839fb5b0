import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

/// How a `Catalog` opens its store and builds vectors. The CLI flags and the server's settings map onto it.
public struct CatalogOptions: Sendable {
    /// SQLite settings (busy timeout, durability).
    public var store: StoreOptions
    /// PostgreSQL settings (vector columns, reader pool, connect timeout), for `postgres://` locations.
    public var postgres = PostgresStoreOptions()
    /// Where the encoders come from; nil = the pretrained EfficientNet-Lite0 and MiniLM from `assets/models`
    /// (found by `ModelAssets`: `VITRINE_ASSETS`, else an `assets/models` folder above the working directory).
    public var encoders: EncoderProvider?
    /// Precision of the pretrained models' weights (EfficientNet's 1×1 convs, MiniLM's dense layers);
    /// nil (the default) = whatever the store's vectors were made with (its current model of that
    /// modality), fp32 for a new store. `vitrine index --precision int8` sets both; the store then
    /// re-embeds under the int8 identities.
    public var imagePrecision: WeightPrecision?
    public var textPrecision: WeightPrecision?
    /// Image / text weights of the fused vector (normalized to sum to one).
    public var fusionWeights: FusionWeights
    /// Stored form of vectors. fp16 halves the store; measured top-10 overlap vs fp32 is in the report.
    public var vectorPrecision: VectorDType
    /// Hits whose cosine with a better hit is at least this are folded into it as near duplicates.
    public var nearDuplicateThreshold: Float
    /// HNSW settings of the image, text and fused indexes. The catalog builds a graph in the
    /// background once an index reaches `bruteForceBelow` items and a query arrives (so `vitrine index`
    /// never pays for one, and opening a big store is not slowed); until then searches are exact.
    public var approximateSearch: ApproximateSearchOptions
    /// Image weight of fused scores for this process, in [0, 1], overriding the weight fitted to the
    /// catalog (`vitrine info` shows the fit); nil = the fitted weight. `--image-weight` on the CLI.
    public var imageWeight: Float?
    /// Open from the index snapshot beside an SQLite store when it is current, and let
    /// `saveIndexSnapshot()` write one (default true; see Catalog+Snapshot.swift).
    public var usesIndexSnapshot = true
    /// Where a catalog on a database server (PostgreSQL) keeps its index snapshot: a local folder of
    /// this machine (nil, the default: no snapshot). An SQLite catalog keeps its own beside the file.
    public var indexSnapshotDirectory: String?

    /// Defaults: default store options, pretrained encoders, balanced weights, fp16 vectors, threshold 0.985,
    /// HNSW from 20,000 items built in the background.
    public init(store: StoreOptions = StoreOptions(), encoders: EncoderProvider? = nil, fusionWeights: FusionWeights = .balanced,
                vectorPrecision: VectorDType = .float16, nearDuplicateThreshold: Float = 0.985,
                approximateSearch: ApproximateSearchOptions = ApproximateSearchOptions(buildsGraphInline: false)) {
        self.store = store
        self.encoders = encoders
        self.fusionWeights = fusionWeights
        self.vectorPrecision = vectorPrecision
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.approximateSearch = approximateSearch
    }

    /// How the in-memory indexes hold vectors: fp16 when the store keeps fp16 (lossless there), else fp32.
    var indexPrecision: VectorPrecision { vectorPrecision == .float16 ? .float16 : .float32 }

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
    /// Index only this share of the folder (several processes on one PostgreSQL store, one share
    /// each); nil indexes everything. A sharded run leaves the imputer refit to `finalizeIndexing()`.
    public var shard: IndexShard?

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

/// One of `count` disjoint shares of a folder: item `id` belongs to share
/// `fnv1a64(id) % count + 1`, so every process agrees on the split without talking to the others,
/// and a rerun of share k embeds exactly what share k embedded before (minus what is committed).
public struct IndexShard: Sendable, Equatable, CustomStringConvertible {
    /// Which share, 1 … `count`.
    public let number: Int
    /// How many shares the folder is split into.
    public let count: Int

    /// Share `number` of `count`. - Throws: `CatalogError.invalidInput` unless 1 ≤ number ≤ count.
    public init(_ number: Int, of count: Int) throws {
        guard count >= 1, (1 ... count).contains(number) else {
            throw CatalogError.invalidInput(field: "shard", reason: "\(number)/\(count): expected k/n with 1 ≤ k ≤ n")
        }
        self.number = number
        self.count = count
    }

    /// Parses `k/n`, e.g. `2/4`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let number = Int(parts[0]), let count = Int(parts[1]) else {
            throw CatalogError.invalidInput(field: "shard", reason: "'\(text)': expected k/n, e.g. 1/2")
        }
        try self.init(number, of: count)
    }

    /// Whether item `id` is in this share.
    public func contains(_ id: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count)) == number - 1
    }

    public var description: String { "\(number)/\(count)" }
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
    /// Scan every item even where the index has an HNSW graph (see `SearchOptions.exact`).
    public var exact: Bool
    /// Image weight of fused scores for this query, in [0, 1] (nil: the catalog's weight, see `Catalog.fusionWeightFit`).
    public var imageWeight: Float?
    /// HNSW candidate list size for this query (nil: `CatalogOptions.approximateSearch.efSearch`).
    public var efSearch: Int?

    /// Defaults: 10 hits, no filter, near duplicates folded, approximate where an index has a graph.
    public init(limit: Int = 10, tags: Set<String> = [], categories: Set<String> = [], includeNearDuplicates: Bool = false,
                excluding: Set<String> = [], exact: Bool = false, efSearch: Int? = nil, imageWeight: Float? = nil) {
        self.limit = limit
        self.tags = tags
        self.categories = categories
        self.includeNearDuplicates = includeNearDuplicates
        self.excluding = excluding
        self.exact = exact
        self.efSearch = efSearch
        self.imageWeight = imageWeight
    }
}
