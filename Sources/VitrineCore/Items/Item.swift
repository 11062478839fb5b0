// Catalog items and their raw per-modality vectors, before fusion.

/// A catalog item: what the recommender shows and filters on.
public struct Item: Sendable, Hashable, Codable {
    /// Stable identifier, unique in the catalog.
    public var id: String
    /// Short display title.
    public var title: String
    /// Free-text description (the text encoder's input).
    public var description: String
    /// Free-form tags used by filters.
    public var tags: [String]
    /// Optional single category used by filters.
    public var category: String?
    /// Any further string attributes (price, url, …) carried through untouched.
    public var metadata: [String: String]

    /// Creates an item; only `id` is required.
    public init(
        id: String, title: String = "", description: String = "", tags: [String] = [],
        category: String? = nil, metadata: [String: String] = [:]
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.tags = tags
        self.category = category
        self.metadata = metadata
    }
}

/// The raw encoder outputs of one item: an image vector, a text vector, or both.
///
/// Dimensions are not fixed here (EfficientNet-Lite0 gives 1280, MiniLM gives 384);
/// `VectorFusion` checks them against its configured dimensions.
public struct ItemVectors: Sendable, Hashable, Codable {
    /// Image embedding, or nil when the item has no picture.
    public var image: [Float]?
    /// Text embedding, or nil when the item has no description.
    public var text: [Float]?

    /// Creates the vectors of one item.
    public init(image: [Float]? = nil, text: [Float]? = nil) {
        self.image = image
        self.text = text
    }

    /// True when both modalities are present (usable to fit the cross-modal maps).
    public var isComplete: Bool { image != nil && text != nil }
}

/// How much each modality counts in the fused similarity.
///
/// Weights are normalized to sum to one, so between two complete items
/// `fusedCosine = image · imageCosine + text · textCosine`.
public struct FusionWeights: Sendable, Hashable, Codable {
    /// Weight of image cosine similarity, in [0, 1] after normalization.
    public let image: Float
    /// Weight of text cosine similarity, in [0, 1] after normalization.
    public let text: Float

    /// Equal weights: 0.5 / 0.5.
    public static let balanced = FusionWeights(uncheckedImage: 0.5, text: 0.5)

    /// Creates weights; they are rescaled to sum to one.
    /// - Throws: `VitrineCoreError.invalidOption` when a weight is negative or both are zero.
    public init(image: Float, text: Float) throws {
        guard image >= 0, text >= 0, image.isFinite, text.isFinite else {
            throw VitrineCoreError.invalidOption(name: "fusion weights", reason: "weights must be finite and ≥ 0, got \(image)/\(text)")
        }
        let total = image + text
        guard total > 0 else {
            throw VitrineCoreError.invalidOption(name: "fusion weights", reason: "image and text weights are both zero")
        }
        self.image = image / total
        self.text = text / total
    }

    private init(uncheckedImage image: Float, text: Float) {
        self.image = image
        self.text = text
    }
}
