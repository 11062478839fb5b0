// The two-tower recommender: an item tower (MLP over content, plus an optional ID embedding)
// and a user tower (pooling over the item-tower outputs of the user's history).
//
//   item:  [image; text; flags] → Linear → ReLU → Dropout → Linear (+ ID embedding) → L2 normalise
//   user:  history item embeddings → attention / weighted-mean pooling, or a causal self-attention
//          block over the newest events (`.sequence`, SequenceUserTower.swift); cold vector if empty
//          → L2 normalise
//   score: cosine similarity user · item
//
// The ID embedding is DropoutNet-style (Volkovs et al., NeurIPS 2017): dropped per item during
// training so the content path alone must rank well; at inference warm items add it, cold don't.

import VitrineTensor

/// A trainable two-tower recommender over content features. Value type: copies are independent.
public struct TwoTowerModel: Sendable, Equatable {
    /// Shape of the model.
    public let configuration: TwoTowerConfiguration
    var hidden: TrainingLayers.Linear
    var output: TrainingLayers.Linear
    /// `itemIDCount × embeddingDimension`; row `i` belongs to catalog item `i`.
    var itemIDEmbedding: TrainingMatrix
    /// `1 × embeddingDimension`; used by `.attention` pooling only.
    var attentionQuery: TrainingMatrix
    /// `1 × embeddingDimension`; the pooled vector of a user with an empty history.
    var coldUserVector: TrainingMatrix
    /// The `.sequence` user tower's block; nil for the other poolings.
    var sequenceBlock: TrainingLayers.CausalSelfAttentionBlock?

    /// The `.sequence` user tower's block (read-only; nil for the other poolings).
    public var sequenceTower: TrainingLayers.CausalSelfAttentionBlock? { sequenceBlock }

    static let magic: [UInt8] = Array("VTTM".utf8)

    /// Names of the tensors every model has, in serialization and optimizer order.
    static let sharedParameterNames = [
        "item.hidden.weight", "item.hidden.bias", "item.output.weight", "item.output.bias",
        "item.id_embedding", "user.attention_query", "user.cold_vector",
    ]

    /// Names of the model's tensors under `configuration`, in serialization and optimizer order:
    /// the shared ones, then the sequence block's for `.sequence` pooling.
    public static func parameterNames(for configuration: TwoTowerConfiguration) -> [String] {
        sharedParameterNames + (configuration.pooling == .sequence ? TrainingLayers.CausalSelfAttentionBlock.parameterNames : [])
    }

    /// Names of this model's tensors, in serialization and optimizer order.
    public var parameterNames: [String] { Self.parameterNames(for: configuration) }

    /// Slots (into `parameterNames`) that weight decay applies to: weight matrices and ID embeddings.
    var decayedParameterSlots: Set<Int> {
        configuration.pooling == .sequence ? [0, 2, 4, 8, 10, 12] : [0, 2, 4]
    }

    /// A freshly initialised model; the same configuration and seed give identical weights.
    ///
    /// Empty-history rule: a user with no events gets the learned cold-user vector (trained on
    /// examples whose context was dropped), L2-normalised like any other user embedding.
    public init(configuration: TwoTowerConfiguration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        var generator = TrainingRandomGenerator(seed: seed)
        let d = configuration.embeddingDimension
        hidden = TrainingLayers.Linear(inputs: configuration.inputDimension, outputs: configuration.hiddenDimension,
                                       gain: 2, using: &generator)
        output = TrainingLayers.Linear(inputs: configuration.hiddenDimension, outputs: d, gain: 1, using: &generator)
        // Small ID embeddings: content drives the early epochs, IDs learn the residual.
        itemIDEmbedding = TrainingMatrix(rows: configuration.itemIDCount, columns: d)
        for index in itemIDEmbedding.values.indices { itemIDEmbedding.values[index] = 0.01 * generator.nextGaussian() }
        // A zero query starts attention as the strength-weighted mean.
        attentionQuery = TrainingMatrix(rows: 1, columns: d)
        coldUserVector = TrainingMatrix(rows: 1, columns: d)
        for index in coldUserVector.values.indices { coldUserVector.values[index] = 0.1 * generator.nextGaussian() }
        if configuration.pooling == .sequence {
            sequenceBlock = TrainingLayers.CausalSelfAttentionBlock(dimension: d, length: configuration.sequenceLength, using: &generator)
        }
    }

    /// Shape each named tensor must have under `configuration`.
    static func expectedShapes(_ configuration: TwoTowerConfiguration) -> [[Int]] {
        let d = configuration.embeddingDimension, h = configuration.hiddenDimension
        let shared = [[configuration.inputDimension, h], [1, h], [h, d], [1, d], [configuration.itemIDCount, d], [1, d], [1, d]]
        guard configuration.pooling == .sequence else { return shared }
        return shared + TrainingLayers.CausalSelfAttentionBlock.shapes(dimension: d, length: configuration.sequenceLength)
    }

    /// The model's tensors in `parameterNames` order.
    var parameters: [TrainingMatrix] {
        [hidden.weight, hidden.bias, output.weight, output.bias, itemIDEmbedding, attentionQuery, coldUserVector]
            + (sequenceBlock?.tensors ?? [])
    }

    /// Replaces the tensor at `slot` (an index into `parameterNames`); the caller guarantees the shape.
    mutating func setParameter(at slot: Int, _ value: TrainingMatrix) {
        switch slot {
        case 0: hidden.weight = value
        case 1: hidden.bias = value
        case 2: output.weight = value
        case 3: output.bias = value
        case 4: itemIDEmbedding = value
        case 5: attentionQuery = value
        case 6: coldUserVector = value
        case 7: sequenceBlock?.positions = value
        case 8: sequenceBlock?.projection.weight = value
        case 9: sequenceBlock?.projection.bias = value
        case 10: sequenceBlock?.feedForwardHidden.weight = value
        case 11: sequenceBlock?.feedForwardHidden.bias = value
        case 12: sequenceBlock?.feedForwardOutput.weight = value
        default: sequenceBlock?.feedForwardOutput.bias = value
        }
    }

    /// The tensor called `name` (one of `parameterNames`), or nil.
    public func parameter(named name: String) -> TrainingMatrix? {
        parameterNames.firstIndex(of: name).map { parameters[$0] }
    }

    /// Replaces the tensor called `name`; throws if the name is unknown or the shape differs.
    public mutating func setParameter(named name: String, to value: TrainingMatrix) throws {
        guard let slot = parameterNames.firstIndex(of: name) else {
            throw TwoTowerModelError.unexpectedTensor(name: name)
        }
        let expected = TwoTowerModel.expectedShapes(configuration)[slot]
        guard value.shape == expected else {
            throw TwoTowerModelError.tensorShapeMismatch(name: name, expected: expected, found: value.shape)
        }
        setParameter(at: slot, value)
    }

    // MARK: - Item tower

    /// Builds the tower input rows `[image; text; flags]`, validating every vector's length.
    func inputMatrix(_ features: [TwoTowerItemFeatures]) throws -> TrainingMatrix {
        let c = configuration
        var input = TrainingMatrix(rows: features.count, columns: c.inputDimension)
        for (row, item) in features.enumerated() {
            let blocks: [(String, [Float]?, Int, Int)] = [("image", item.image, c.imageDimension, 0),
                                                          ("text", item.text, c.textDimension, c.imageDimension)]
            for (flag, (modality, vector, dimension, start)) in blocks.enumerated() {
                guard let vector else { continue }
                guard vector.count == dimension else {
                    throw TwoTowerModelError.featureDimensionMismatch(item: row, modality: modality,
                                                                      expected: dimension, found: vector.count)
                }
                vector.withUnsafeBufferPointer { source in
                    input.values.withUnsafeMutableBufferPointer { target in
                        guard let from = source.baseAddress, let to = target.baseAddress else { return }
                        var scale: Float = 1
                        if c.normalizesModalities {
                            let norm = Kernels.dot(count: dimension, from, from).squareRoot()
                            scale = norm > 0 ? 1 / norm : 0
                        }
                        let rowStart = to + row * c.inputDimension + start
                        for offset in 0..<dimension { rowStart[offset] = from[offset] * scale }
                    }
                }
                if c.usesPresenceFlags { input[row, c.imageDimension + c.textDimension + flag] = 1 }
            }
        }
        return input
    }

    /// Checks ids against the table; returns them as optional rows.
    func validatedIDs(_ ids: [Int?], featureCount: Int) throws -> [Int?] {
        guard ids.count == featureCount else { throw TwoTowerModelError.idCountMismatch(features: featureCount, ids: ids.count) }
        for (item, id) in ids.enumerated() {
            if let id, !(0..<configuration.itemIDCount).contains(id) {
                throw TwoTowerModelError.itemIDOutOfRange(item: item, id: id, count: configuration.itemIDCount)
            }
        }
        return ids
    }

    /// Inference item tower on validated input: no dropout, every given ID embedding added.
    func itemTower(input: TrainingMatrix, ids: [Int?]) -> TrainingMatrix {
        var raw = output.forward(hidden.forward(input, activation: .relu))
        let d = configuration.embeddingDimension
        for (row, id) in ids.enumerated() {
            guard let id else { continue }
            for column in 0..<d { raw[row, column] += itemIDEmbedding[id, column] }
        }
        return TrainingLayers.L2Normalize.forward(raw)
    }

    // MARK: - Inference API

    /// Unit-length embeddings (`features.count × embeddingDimension`) of the given items.
    ///
    /// `ids[i]` is item `i`'s ID-embedding row, or nil for a cold item (content only). Works for
    /// items never seen in training.
    public func itemEmbeddings(features: [TwoTowerItemFeatures], ids: [Int?]) throws -> TrainingMatrix {
        let ids = try validatedIDs(ids, featureCount: features.count)
        return itemTower(input: try inputMatrix(features), ids: ids)
    }

    /// The unit-length user embedding for a history given by content (empty history → cold-user vector).
    public func userEmbedding(history: [TwoTowerHistoryEntry]) throws -> [Float] {
        let embeddings = try itemEmbeddings(features: history.map(\.features), ids: history.map(\.id))
        return try userEmbedding(historyEmbeddings: embeddings, strengths: history.map(\.strength))
    }

    /// The unit-length user embedding from precomputed history item embeddings (rows of
    /// `itemEmbeddings(features:ids:)`) and their event strengths. The `.sequence` tower reads the
    /// rows as a time line, oldest first, and uses the newest `sequenceLength`; the poolings ignore order.
    public func userEmbedding(historyEmbeddings: TrainingMatrix, strengths: [Float]) throws -> [Float] {
        let d = configuration.embeddingDimension
        guard historyEmbeddings.columns == d, historyEmbeddings.rows == strengths.count else {
            throw TwoTowerModelError.shapeMismatch(argument: "historyEmbeddings", expected: [strengths.count, d],
                                                   found: historyEmbeddings.shape)
        }
        for (entry, strength) in strengths.enumerated() where !(strength > 0 && strength.isFinite) {
            throw TwoTowerModelError.invalidStrength(entry: entry, value: strength)
        }
        var pooled = coldUserVector
        if let sequenceBlock, historyEmbeddings.rows > 0 {
            // The newest `length` events, oldest first; the user is the output at the newest.
            let window = max(0, historyEmbeddings.rows - sequenceBlock.length)..<historyEmbeddings.rows
            let output = sequenceBlock.prefixOutputs(items: historyEmbeddings.gatheringRows(Array(window)),
                                                     strengths: Array(strengths[window]))
            pooled = output.gatheringRows([window.count - 1])
        } else if historyEmbeddings.rows > 0 {
            pooled = TrainingLayers.AttentionPooling.forward(
                items: historyEmbeddings, segments: [0..<historyEmbeddings.rows], strengths: strengths,
                query: attentionQuery, mode: configuration.pooling).output
        }
        return TrainingLayers.L2Normalize.forward(pooled).values
    }

    /// Cosine scores of `candidates` for the user with `history`, in candidate order.
    public func score(history: [TwoTowerHistoryEntry], candidates: [TwoTowerItemFeatures], ids: [Int?]) throws -> [Float] {
        let user = try userEmbedding(history: history)
        return try scores(user: user, itemEmbeddings: itemEmbeddings(features: candidates, ids: ids))
    }

    /// Cosine scores of precomputed item embeddings for a precomputed user embedding.
    public func scores(user: [Float], itemEmbeddings: TrainingMatrix) throws -> [Float] {
        let d = configuration.embeddingDimension
        guard user.count == d else {
            throw TwoTowerModelError.shapeMismatch(argument: "user", expected: [d], found: [user.count])
        }
        guard itemEmbeddings.columns == d else {
            throw TwoTowerModelError.shapeMismatch(argument: "itemEmbeddings", expected: [itemEmbeddings.rows, d],
                                                   found: itemEmbeddings.shape)
        }
        return trainingGEMM(itemEmbeddings, TrainingMatrix(rows: 1, columns: d, values: user), transposeB: true).values
    }
}
