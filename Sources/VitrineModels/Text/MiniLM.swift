import Foundation
import VitrineTensor

/// Why token ids handed straight to ``MiniLM`` cannot be run (``TextEncoder`` never produces these).
public enum MiniLMInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A token id is outside the vocabulary.
    case tokenOutOfRange(sequence: Int, position: Int, id: Int32, vocabularySize: Int)
    /// A sequence is longer than the position table.
    case sequenceTooLong(sequence: Int, length: Int, limit: Int)

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .tokenOutOfRange(sequence, position, id, size):
            "sequence \(sequence), position \(position): token id \(id) is outside the vocabulary (0..<\(size))"
        case let .sequenceTooLong(sequence, length, limit):
            "sequence \(sequence) has \(length) tokens; the model's position table holds \(limit)"
        }
    }
}

/// The all-MiniLM-L6-v2 transformer (a BERT encoder) on the CPU: token ids → mean-pooled vectors.
///
/// Forward pass as in docs/models.md: word + position (0…n−1) + token-type-0 embeddings, LayerNorm;
/// per layer fused Q/K/V projection, 12-head softmax attention, output projection + residual +
/// LayerNorm, exact-GELU feed-forward + residual + LayerNorm; mean over the tokens.
///
/// A batch is run *packed*: the tokens of all its sequences are stacked into one matrix with no
/// padding (the projections and the feed-forward are per token), and attention runs per
/// sequence and head on that sequence's rows only. This is exactly the padded computation with a
/// key mask — masked keys get weight 0 — without the padding's wasted work.
/// Immutable after loading, so one instance may be used from many threads at once.
public struct MiniLM: Sendable {
    /// The architecture the weights were checked against.
    public let configuration: MiniLMConfiguration
    let wordEmbeddings: [Float]
    /// Position rows with token-type row 0 already added (single-segment inputs only use row 0).
    let positionEmbeddings: [Float]
    let embeddingNorm: (weight: [Float], bias: [Float])
    let layers: [MiniLMLayer]
    /// How the dense layers' weights are held (fp32 reference or int8).
    public let precision: WeightPrecision
    /// Most tokens run through one packed pass; bounds the scratch memory (≈ 15 KB per token).
    static let tokensPerPass = 2048

    /// Loads `config.json`, `sentence_bert_config.json`, `pooling_config.json` and
    /// `model.safetensors` from a model folder, through the checked loader.
    /// - Throws: `MiniLMLoadingError` naming the file, field or tensor.
    public init(directory: URL, precision: WeightPrecision = .fp32, calibration: [[Int32]] = []) throws(MiniLMLoadingError) {
        let configuration = try MiniLMConfiguration(directory: directory)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: directory.appendingPathComponent("model.safetensors")) } catch {
            throw .weights(error)
        }
        try self.init(configuration: configuration, weights: file, precision: precision, calibration: calibration)
    }

    /// Builds the model from an open weights file, verifying every tensor against `configuration`.
    ///
    /// With `precision` `.int8` the dense layers' weights are quantized here, once. When `calibration`
    /// holds token sequences (``TextEncoder`` passes ``MiniLMCalibration/sentences``), the fp32 model runs
    /// them first and each dense layer keeps the ``MiniLMCalibration/outlierChannels`` input channels
    /// with the largest activations in fp32 (see ``QuantizedPanels``); without, every channel is int8.
    /// - Throws: `MiniLMLoadingError.weights` naming a missing, unexpected or mis-shaped tensor.
    public init(configuration: MiniLMConfiguration, weights file: SafetensorsFile,
                precision: WeightPrecision = .fp32, calibration: [[Int32]] = []) throws(MiniLMLoadingError) {
        let tensors = try MiniLMCheckpoint.load(file, configuration: configuration)
        // Every name below is in `expectedTensors`, which `load` just verified.
        func weight(_ name: String) -> [Float] { tensors[name]?.scalars ?? [] }
        let h = configuration.hiddenSize
        var positions = weight("embeddings.position_embeddings.weight")
        let tokenType = weight("embeddings.token_type_embeddings.weight")
        for row in 0..<configuration.maxPositionEmbeddings {
            for j in 0..<h { positions[row * h + j] += tokenType[j] }
        }
        let embeddingNorm = (weight("embeddings.LayerNorm.weight"), weight("embeddings.LayerNorm.bias"))
        /// `outliers[layer][site]`: fp32 input channels of each dense layer (empty: none).
        func makeLayers(_ precision: WeightPrecision, outliers: [[[Int]]]) -> [MiniLMLayer] {
            (0..<configuration.layerCount).map { layer in
                let p = MiniLMCheckpoint.layerPrefix(layer)
                let f = configuration.intermediateSize
                // Weights are stored transposed ([in, out]) so the GEMM streams B rows without transposed packing.
                let qkv = ["query", "key", "value"].map { transposed(weight("\(p).attention.self.\($0).weight"), rows: h, columns: h) }
                var fused = [Float](repeating: 0, count: h * 3 * h)
                for row in 0..<h {
                    for part in 0..<3 { for j in 0..<h { fused[row * 3 * h + part * h + j] = qkv[part][row * h + j] } }
                }
                return MiniLMLayer(
                    qkvWeight: fused,
                    qkvBias: ["query", "key", "value"].flatMap { weight("\(p).attention.self.\($0).bias") },
                    attentionOutputWeight: transposed(weight("\(p).attention.output.dense.weight"), rows: h, columns: h),
                    attentionOutputBias: weight("\(p).attention.output.dense.bias"),
                    attentionNorm: (weight("\(p).attention.output.LayerNorm.weight"), weight("\(p).attention.output.LayerNorm.bias")),
                    intermediateWeight: transposed(weight("\(p).intermediate.dense.weight"), rows: f, columns: h),
                    intermediateBias: weight("\(p).intermediate.dense.bias"),
                    outputWeight: transposed(weight("\(p).output.dense.weight"), rows: h, columns: f),
                    outputBias: weight("\(p).output.dense.bias"),
                    outputNorm: (weight("\(p).output.LayerNorm.weight"), weight("\(p).output.LayerNorm.bias")),
                    precision: precision, outliers: outliers.isEmpty ? [] : outliers[layer])
            }
        }
        let words = weight("embeddings.word_embeddings.weight")
        var outliers: [[[Int]]] = []
        if precision == .int8 && !calibration.isEmpty {
            let reference = MiniLM(configuration: configuration, wordEmbeddings: words, positionEmbeddings: positions,
                                   embeddingNorm: embeddingNorm, layers: makeLayers(.fp32, outliers: []), precision: .fp32)
            outliers = reference.largestInputChannels(calibration, count: MiniLMCalibration.outlierChannels)
        }
        self.init(configuration: configuration, wordEmbeddings: words, positionEmbeddings: positions, embeddingNorm: embeddingNorm,
                  layers: makeLayers(precision, outliers: outliers), precision: precision)
    }

    private init(configuration: MiniLMConfiguration, wordEmbeddings: [Float], positionEmbeddings: [Float],
                 embeddingNorm: (weight: [Float], bias: [Float]), layers: [MiniLMLayer], precision: WeightPrecision) {
        self.configuration = configuration
        self.wordEmbeddings = wordEmbeddings
        self.positionEmbeddings = positionEmbeddings
        self.embeddingNorm = embeddingNorm
        self.layers = layers
        self.precision = precision
    }

    /// For every layer and dense site (Q/K/V, attention output, feed-forward in, feed-forward out), the
    /// `count` input channels with the largest |activation| over all tokens of `sequences`, ascending.
    func largestInputChannels(_ sequences: [[Int32]], count: Int) -> [[[Int]]] {
        var maxima = [[[Float]]](repeating: [], count: layers.count)
        _ = run(pass: sequences, observe: nil) { layer, site, input, rows, width in
            if maxima[layer].count <= site { maxima[layer].append([Float](repeating: 0, count: width)) }
            for r in 0..<rows {
                for j in 0..<width { maxima[layer][site][j] = max(maxima[layer][site][j], abs(input[r * width + j])) }
            }
        }
        return maxima.map { sites in
            sites.map { column in Array(column.indices.sorted { column[$0] > column[$1] }.prefix(count)).sorted() }
        }
    }

    /// The mean over its tokens of each sequence's last hidden state (not normalized), in order.
    ///
    /// Sequences are run in passes of at most ``tokensPerPass`` tokens, longest first, so that
    /// similar lengths share a pass; results come back in the caller's order. An empty sequence
    /// gives a zero vector.
    /// - Throws: `MiniLMInputError` for an id outside the vocabulary or a sequence longer than
    ///   the position table.
    public func meanPooled(_ sequences: [[Int32]]) throws(MiniLMInputError) -> [[Float]] {
        try validate(sequences)
        return meanPooledUnchecked(sequences)
    }

    /// The hidden states of one sequence: after the embedding LayerNorm, then after each layer.
    /// Returns `layerCount + 1` tensors of shape `[tokens, hiddenSize]` (for inspection and tests).
    /// - Throws: `MiniLMInputError` as ``meanPooled(_:)``.
    public func hiddenStates(_ inputIDs: [Int32]) throws(MiniLMInputError) -> [Tensor] {
        try validate([inputIDs])
        var states: [Tensor] = []
        _ = run(pass: [inputIDs], observe: { buffer in
            states.append(Tensor(shape: [inputIDs.count, configuration.hiddenSize], scalars: Array(buffer)))
        })
        return states
    }

    func validate(_ sequences: [[Int32]]) throws(MiniLMInputError) {
        for (index, ids) in sequences.enumerated() {
            if ids.count > configuration.maxPositionEmbeddings {
                throw .sequenceTooLong(sequence: index, length: ids.count, limit: configuration.maxPositionEmbeddings)
            }
            if let position = ids.firstIndex(where: { $0 < 0 || Int($0) >= configuration.vocabularySize }) {
                throw .tokenOutOfRange(sequence: index, position: position, id: ids[position], vocabularySize: configuration.vocabularySize)
            }
        }
    }

    /// ``meanPooled(_:)`` for sequences already known to be valid.
    func meanPooledUnchecked(_ sequences: [[Int32]]) -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var results = [[Float]](repeating: [], count: sequences.count)
        var start = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count, end == start || tokens + sequences[order[end]].count <= Self.tokensPerPass {
                tokens += sequences[order[end]].count
                end += 1
            }
            let pooled = run(pass: order[start..<end].map { sequences[$0] }, observe: nil)
            for (slot, index) in order[start..<end].enumerated() { results[index] = pooled[slot] }
            start = end
        }
        return results
    }

    /// One packed forward pass; `observe` sees the hidden states after the embeddings and each layer.
    /// `observeInputs(layer, site, input, rows, width)` sees each dense layer's input (see ``MiniLMLayer/forward``).
    private func run(pass sequences: [[Int32]], observe: ((UnsafeBufferPointer<Float>) -> Void)?,
                     observeInputs: ((Int, Int, UnsafePointer<Float>, Int, Int) -> Void)? = nil) -> [[Float]] {
        let h = configuration.hiddenSize, f = configuration.intermediateSize
        var offsets = [0]
        for ids in sequences { offsets.append(offsets[offsets.count - 1] + ids.count) }
        let tokens = offsets[offsets.count - 1]
        if tokens == 0 { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        var x = [Float](repeating: 0, count: tokens * h)
        var residual = [Float](repeating: 0, count: tokens * h)
        var context = [Float](repeating: 0, count: tokens * h)
        var qkv = [Float](repeating: 0, count: tokens * 3 * h)
        var hidden = [Float](repeating: 0, count: tokens * f)
        let epsilon = configuration.layerNormEpsilon
        x.withUnsafeMutableBufferPointer { xb in
            let x = xb.baseAddress!
            embed(sequences, offsets: offsets, into: x)
            observe?(UnsafeBufferPointer(xb))
            for (index, layer) in layers.enumerated() {
                residual.withUnsafeMutableBufferPointer { rb in
                    context.withUnsafeMutableBufferPointer { cb in
                        qkv.withUnsafeMutableBufferPointer { qb in
                            hidden.withUnsafeMutableBufferPointer { fb in
                                layer.forward(
                                    x: x, residual: rb.baseAddress!, context: cb.baseAddress!, qkv: qb.baseAddress!,
                                    hidden: fb.baseAddress!, tokens: tokens, offsets: offsets, hiddenSize: h,
                                    intermediateSize: f, heads: configuration.headCount, epsilon: epsilon,
                                    observe: observeInputs.map { observe in { site, input, width in observe(index, site, input, tokens, width) } })
                            }
                        }
                    }
                }
                observe?(UnsafeBufferPointer(xb))
            }
        }
        return sequences.indices.map { s in
            var mean = [Float](repeating: 0, count: h)
            let count = offsets[s + 1] - offsets[s]
            guard count > 0 else { return mean }
            for row in offsets[s]..<offsets[s + 1] {
                for j in 0..<h { mean[j] += x[row * h + j] }
            }
            let scale = 1 / Float(count)
            for j in 0..<h { mean[j] *= scale }
            return mean
        }
    }

    /// `LayerNorm(word[id] + position[t] + tokenType[0])` for every token, packed row by row.
    private func embed(_ sequences: [[Int32]], offsets: [Int], into x: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize, epsilon = configuration.layerNormEpsilon
        wordEmbeddings.withUnsafeBufferPointer { word in
            positionEmbeddings.withUnsafeBufferPointer { position in
                embeddingNorm.weight.withUnsafeBufferPointer { gamma in
                    embeddingNorm.bias.withUnsafeBufferPointer { beta in
                        for (s, ids) in sequences.enumerated() {
                            for (t, id) in ids.enumerated() {
                                let row = x + (offsets[s] + t) * h
                                Kernels.add(count: h, word.baseAddress! + Int(id) * h, position.baseAddress! + t * h, into: row)
                                Kernels.layerNorm(count: h, row, into: row, gamma: gamma.baseAddress, beta: beta.baseAddress,
                                                  epsilon: epsilon)
                            }
                        }
                    }
                }
            }
        }
    }
}

// (transposed(_:rows:columns:) is shared with EfficientNetForward.swift: same module, one definition.)
