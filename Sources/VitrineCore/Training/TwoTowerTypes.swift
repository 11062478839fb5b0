// Value types shared by the two-tower model, its trainer and its serialized form.

/// How the user tower pools the item-tower outputs of a user's history.
public enum TwoTowerPooling: UInt8, Sendable, Equatable, CaseIterable {
    /// Softmax attention with a learned query; event strengths enter as log-priors.
    case attention = 0
    /// Strength-weighted mean (no parameters).
    case weightedMean = 1
    /// Sequence-aware: a causal self-attention block over the newest `sequenceLength` events in
    /// time order (SASRec-style, `TrainingLayers.CausalSelfAttentionBlock`), trained on next-event
    /// prediction; the user is the block's output at the newest event.
    case sequence = 2
}

/// Shape of a two-tower model. Mirrors the serialized header field for field.
public struct TwoTowerConfiguration: Sendable, Equatable {
    /// Length of an item's image vector (EfficientNet-Lite0 pooled features: 1280).
    public var imageDimension: Int
    /// Length of an item's text vector (all-MiniLM-L6-v2 sentence embedding: 384).
    public var textDimension: Int
    /// Width of the item tower's hidden ReLU layer.
    public var hiddenDimension: Int
    /// Length of the item and user embeddings (the tower outputs).
    public var embeddingDimension: Int
    /// Number of per-item ID embedding rows; item index `i < itemIDCount` owns row `i`. 0 disables them.
    public var itemIDCount: Int
    /// Pooling used by the user tower.
    public var pooling: TwoTowerPooling
    /// Position slots of the `.sequence` user tower: it reads the user's newest `sequenceLength`
    /// events. Ignored (and stored as 0) by the other poolings.
    public var sequenceLength: Int
    /// Append one 0/1 presence flag per modality to the tower input, so a missing picture or
    /// description (fed as zeros) is distinguishable from a present all-zero one.
    public var usesPresenceFlags: Bool
    /// L2-normalise each present modality vector before concatenation, so neither encoder's
    /// scale dominates the first layer.
    public var normalizesModalities: Bool

    /// A configuration; defaults fit EfficientNet-Lite0 + MiniLM features and a 64-d embedding.
    public init(imageDimension: Int = 1280, textDimension: Int = 384, hiddenDimension: Int = 256,
                embeddingDimension: Int = 64, itemIDCount: Int = 0, pooling: TwoTowerPooling = .attention,
                sequenceLength: Int = 50, usesPresenceFlags: Bool = true, normalizesModalities: Bool = true) {
        self.imageDimension = imageDimension
        self.textDimension = textDimension
        self.hiddenDimension = hiddenDimension
        self.embeddingDimension = embeddingDimension
        self.itemIDCount = itemIDCount
        self.pooling = pooling
        self.sequenceLength = pooling == .sequence ? sequenceLength : 0
        self.usesPresenceFlags = usesPresenceFlags
        self.normalizesModalities = normalizesModalities
    }

    /// Width of the item tower's input vector: image, text, then the two presence flags if used.
    public var inputDimension: Int { imageDimension + textDimension + (usesPresenceFlags ? 2 : 0) }

    /// Throws `TwoTowerModelError.invalidConfiguration` naming the first field out of range.
    public func validate() throws {
        if imageDimension < 0 { throw TwoTowerModelError.invalidConfiguration(field: "imageDimension", value: imageDimension) }
        if textDimension < 0 { throw TwoTowerModelError.invalidConfiguration(field: "textDimension", value: textDimension) }
        if imageDimension + textDimension == 0 {
            throw TwoTowerModelError.invalidConfiguration(field: "imageDimension+textDimension", value: 0)
        }
        if hiddenDimension < 1 { throw TwoTowerModelError.invalidConfiguration(field: "hiddenDimension", value: hiddenDimension) }
        if embeddingDimension < 1 {
            throw TwoTowerModelError.invalidConfiguration(field: "embeddingDimension", value: embeddingDimension)
        }
        if itemIDCount < 0 { throw TwoTowerModelError.invalidConfiguration(field: "itemIDCount", value: itemIDCount) }
        if pooling == .sequence ? sequenceLength < 1 : sequenceLength != 0 {
            throw TwoTowerModelError.invalidConfiguration(field: "sequenceLength", value: sequenceLength)
        }
        let limit = Int(UInt32.max)
        for (field, value) in [("imageDimension", imageDimension), ("textDimension", textDimension),
                               ("hiddenDimension", hiddenDimension), ("embeddingDimension", embeddingDimension),
                               ("itemIDCount", itemIDCount), ("sequenceLength", sequenceLength)] where value > limit {
            throw TwoTowerModelError.invalidConfiguration(field: field, value: value)
        }
    }
}

/// An item's content: either modality may be missing (fed to the tower as zeros, flag 0).
public struct TwoTowerItemFeatures: Sendable, Equatable {
    /// Image feature vector, `imageDimension` long, or nil when the item has no picture.
    public var image: [Float]?
    /// Text feature vector, `textDimension` long, or nil when the item has no description.
    public var text: [Float]?

    /// Content of one item.
    public init(image: [Float]?, text: [Float]?) {
        self.image = image
        self.text = text
    }
}

/// One event in a user's history, by item index into the training catalog.
public struct TwoTowerInteraction: Sendable, Equatable {
    /// Index of the item in the catalog passed to the trainer.
    public var item: Int
    /// Event strength (e.g. 1 for a view, 3 for a purchase); must be positive and finite.
    public var strength: Float

    /// An event on `item` with the given strength.
    public init(item: Int, strength: Float = 1) {
        self.item = item
        self.strength = strength
    }
}

/// One event in a user's history, given by content (for items outside any training catalog).
public struct TwoTowerHistoryEntry: Sendable, Equatable {
    /// The item's content.
    public var features: TwoTowerItemFeatures
    /// The item's ID-embedding row, or nil for an item without one (cold item).
    public var id: Int?
    /// Event strength; must be positive and finite.
    public var strength: Float

    /// A history entry.
    public init(features: TwoTowerItemFeatures, id: Int? = nil, strength: Float = 1) {
        self.features = features
        self.id = id
        self.strength = strength
    }
}

/// Why a two-tower model could not be built, loaded or applied to an input.
public enum TwoTowerModelError: Error, Equatable, CustomStringConvertible {
    /// A configuration field is out of range.
    case invalidConfiguration(field: String, value: Int)
    /// An item's modality vector has the wrong length.
    case featureDimensionMismatch(item: Int, modality: String, expected: Int, found: Int)
    /// An ID is outside `0..<itemIDCount`.
    case itemIDOutOfRange(item: Int, id: Int, count: Int)
    /// `features` and `ids` differ in length.
    case idCountMismatch(features: Int, ids: Int)
    /// An event strength is zero, negative or not finite.
    case invalidStrength(entry: Int, value: Float)
    /// A matrix argument has the wrong shape.
    case shapeMismatch(argument: String, expected: [Int], found: [Int])
    /// The blob does not start with the model magic.
    case badMagic(found: [UInt8])
    /// The blob's format version is not one this build reads.
    case unsupportedVersion(found: UInt32, supported: UInt32)
    /// The blob ends before `field` could be read.
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    /// The blob's checksum does not match its contents.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// The blob holds a tensor the model does not have, or holds one twice.
    case unexpectedTensor(name: String)
    /// The blob lacks a tensor the model needs.
    case missingTensor(name: String)
    /// A tensor in the blob has the wrong shape for the configuration.
    case tensorShapeMismatch(name: String, expected: [Int], found: [Int])
    /// A header field holds an impossible value.
    case corruptHeader(field: String, detail: String)

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .invalidConfiguration(field, value):
            return "two-tower configuration: \(field) = \(value) is out of range"
        case let .featureDimensionMismatch(item, modality, expected, found):
            return "item \(item): \(modality) vector has \(found) values, the model expects \(expected)"
        case let .itemIDOutOfRange(item, id, count):
            return "item \(item): ID \(id) is outside the model's \(count) ID embeddings"
        case let .idCountMismatch(features, ids):
            return "\(features) feature rows but \(ids) IDs; pass one ID (or nil) per item"
        case let .invalidStrength(entry, value):
            return "history entry \(entry): strength \(value) must be positive and finite"
        case let .shapeMismatch(argument, expected, found):
            return "\(argument): expected shape \(expected), found \(found)"
        case let .badMagic(found):
            return "not a Vitrine two-tower model: magic bytes \(found), expected \(Array(TwoTowerModel.magic))"
        case let .unsupportedVersion(found, supported):
            return "two-tower model format version \(found) is not supported (this build reads \(supported))"
        case let .truncated(field, offset, needed, available):
            return "two-tower model is truncated at \(field): needs \(needed) bytes at offset \(offset), \(available) left"
        case let .checksumMismatch(stored, computed):
            return "two-tower model is corrupted: stored CRC32 \(stored), computed \(computed)"
        case let .unexpectedTensor(name):
            return "two-tower model holds an unexpected or repeated tensor '\(name)'"
        case let .missingTensor(name):
            return "two-tower model lacks tensor '\(name)'"
        case let .tensorShapeMismatch(name, expected, found):
            return "two-tower tensor '\(name)' has shape \(found), the configuration needs \(expected)"
        case let .corruptHeader(field, detail):
            return "two-tower model header field \(field) is corrupt: \(detail)"
        }
    }
}
