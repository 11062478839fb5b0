// The sequence-aware user tower: one causal self-attention block over the user's newest events,
// after SASRec (Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018).
//
//   x_t = e_t + p[slot of t]                     item-tower output plus a learned position
//   q, k, v = x · W + b                           one projection, split in three (d columns each)
//   z_t = Σ_{j ≤ t} softmax_j(q_t · k_j / √d + log s_j) · v_j     causal; strength s_j as a log-prior
//   h_t = x_t + z_t
//   o_t = h_t + ReLU(h_t · W1 + b1) · W2 + b2
//
// Positions are right-aligned: the newest event of a window always sits in the last position slot,
// so a user's embedding (o at the newest event) reads the same slots in training and in serving.
// Because row t sees only rows j ≤ t, one pass over a window gives the user vector after every
// prefix, and training predicts each next event from it (`TrainingSequence`). The model then
// L2-normalises o like any user embedding. There is no layer norm: o feeds a cosine, and the
// residual paths keep the item vectors' scale.

import Foundation
import VitrineTensor

extension TrainingLayers {
    /// A causal self-attention block with learned positions and a feed-forward layer (see above).
    public struct CausalSelfAttentionBlock: Sendable, Equatable {
        /// `length × d`; row `length − 1` is the newest event's position.
        public var positions: TrainingMatrix
        /// `d → 3d`: queries, keys and values side by side.
        public var projection: Linear
        /// `d → d`, followed by ReLU.
        public var feedForwardHidden: Linear
        /// `d → d`, added to the attention output.
        public var feedForwardOutput: Linear

        /// Names of the block's tensors after the model's own, in serialization and optimizer order.
        static let parameterNames = [
            "user.sequence.positions", "user.sequence.projection.weight", "user.sequence.projection.bias",
            "user.sequence.feed_forward.hidden.weight", "user.sequence.feed_forward.hidden.bias",
            "user.sequence.feed_forward.output.weight", "user.sequence.feed_forward.output.bias",
        ]

        /// Shapes of `parameterNames`' tensors.
        static func shapes(dimension d: Int, length: Int) -> [[Int]] {
            [[length, d], [d, 3 * d], [1, 3 * d], [d, d], [1, d], [d, d], [1, d]]
        }

        /// The longest window the block reads (its number of position slots).
        public var length: Int { positions.rows }

        /// A randomly initialised block. The feed-forward output starts small, so the untrained
        /// block is close to "the newest item plus attention over the older ones".
        init(dimension d: Int, length: Int, using generator: inout TrainingRandomGenerator) {
            positions = TrainingMatrix(rows: length, columns: d)
            for index in positions.values.indices { positions.values[index] = 0.02 * generator.nextGaussian() }
            projection = Linear(inputs: d, outputs: 3 * d, gain: 1, using: &generator)
            feedForwardHidden = Linear(inputs: d, outputs: d, gain: 2, using: &generator)
            feedForwardOutput = Linear(inputs: d, outputs: d, gain: 0.1, using: &generator)
        }

        /// The block's tensors in `parameterNames` order.
        var tensors: [TrainingMatrix] {
            [positions, projection.weight, projection.bias, feedForwardHidden.weight, feedForwardHidden.bias,
             feedForwardOutput.weight, feedForwardOutput.bias]
        }

        /// What the backward pass needs from the forward one.
        struct Cache {
            var segments: [Range<Int>]
            var positionSlots: [Int]
            var input: TrainingMatrix
            var projected: TrainingMatrix
            /// Attention weights, per segment an `n × n` block (row t, column j ≤ t), back to back.
            var weights: [Float]
            var weightOffsets: [Int]
            /// h = x + z.
            var hidden: TrainingMatrix
            /// ReLU(h · W1 + b1).
            var feedForward: TrainingMatrix
        }

        /// `items` holds the windows' item vectors (`N × d`), oldest first within each segment;
        /// `segments` are the windows (each at most `length` rows); `strengths` (N, positive) the
        /// event strengths. Returns `o` for every row: row t is the user after the events up to t.
        func forward(items: TrainingMatrix, segments: [Range<Int>], strengths: [Float]) -> (output: TrainingMatrix, cache: Cache) {
            let d = items.columns
            precondition(positions.columns == d && strengths.count == items.rows, "sequence block: input shape mismatch")
            var positionSlots = [Int](repeating: 0, count: items.rows)
            var input = items
            for segment in segments {
                precondition(segment.count <= length, "sequence block: window of \(segment.count) exceeds \(length) positions")
                for (offset, row) in segment.enumerated() {
                    positionSlots[row] = length - segment.count + offset
                    for column in 0..<d { input[row, column] += positions[positionSlots[row], column] }
                }
            }
            let projected = projection.forward(input)
            var weightOffsets: [Int] = []
            var total = 0
            for segment in segments { weightOffsets.append(total); total += segment.count * segment.count }
            var weights = [Float](repeating: 0, count: total)
            var attended = TrainingMatrix(rows: items.rows, columns: d)
            let scale = 1 / Float(d).squareRoot()
            let logStrengths = strengths.map { log($0) }
            projected.values.withUnsafeBufferPointer { qkv in
                attended.values.withUnsafeMutableBufferPointer { z in
                    weights.withUnsafeMutableBufferPointer { w in
                        guard let qkv = qkv.baseAddress, let z = z.baseAddress, let w = w.baseAddress else { return }
                        for (index, segment) in segments.enumerated() {
                            let n = segment.count, start = segment.lowerBound
                            for t in 0..<n {
                                let query = qkv + (start + t) * 3 * d
                                let row = w + weightOffsets[index] + t * n
                                var largest = -Float.infinity
                                for j in 0...t {
                                    row[j] = Kernels.dot(count: d, query, qkv + (start + j) * 3 * d + d) * scale + logStrengths[start + j]
                                    largest = max(largest, row[j])
                                }
                                var sum: Float = 0
                                for j in 0...t { row[j] = exp(row[j] - largest); sum += row[j] }
                                let out = z + (start + t) * d
                                for j in 0...t {
                                    row[j] /= sum
                                    let value = qkv + (start + j) * 3 * d + 2 * d
                                    for column in 0..<d { out[column] += row[j] * value[column] }
                                }
                            }
                        }
                    }
                }
            }
            var hidden = input
            hidden.add(attended)
            let feedForward = feedForwardHidden.forward(hidden, activation: .relu)
            var output = feedForwardOutput.forward(feedForward)
            output.add(hidden)
            return (output, Cache(segments: segments, positionSlots: positionSlots, input: input, projected: projected,
                                  weights: weights, weightOffsets: weightOffsets, hidden: hidden, feedForward: feedForward))
        }

        /// One window's item vectors (`n × d`, oldest first, `n ≤ length`) and event strengths →
        /// row t is the block's output after the events up to t (the model L2-normalises the last row).
        public func prefixOutputs(items: TrainingMatrix, strengths: [Float]) -> TrainingMatrix {
            forward(items: items, segments: [0..<items.rows], strengths: strengths).output
        }

        /// Gradients with respect to the item rows (`N × d`) and the block's tensors (`parameterNames` order).
        func backward(cache: Cache, outputGradient: TrainingMatrix) -> (items: TrainingMatrix, tensors: [TrainingMatrix]) {
            let d = outputGradient.columns
            let output = feedForwardOutput.backward(input: cache.feedForward, outputGradient: outputGradient)
            let hiddenPre = ReLU.backward(input: cache.feedForward, outputGradient: output.input)
            let hidden = feedForwardHidden.backward(input: cache.hidden, outputGradient: hiddenPre)
            var hiddenGradient = outputGradient
            hiddenGradient.add(hidden.input)

            // Attention backward: dv_j += w_tj dz_t; dlogit_tj = w_tj (dz_t·v_j − Σ_j' w_tj' dz_t·v_j').
            var projectedGradient = TrainingMatrix(rows: cache.input.rows, columns: 3 * d)
            let scale = 1 / Float(d).squareRoot()
            cache.projected.values.withUnsafeBufferPointer { qkv in
                projectedGradient.values.withUnsafeMutableBufferPointer { dqkv in
                    hiddenGradient.values.withUnsafeBufferPointer { dz in
                        cache.weights.withUnsafeBufferPointer { w in
                            guard let qkv = qkv.baseAddress, let dqkv = dqkv.baseAddress, let dz = dz.baseAddress,
                                  let w = w.baseAddress else { return }
                            var logitGradient = [Float](repeating: 0, count: length)
                            for (index, segment) in cache.segments.enumerated() {
                                let n = segment.count, start = segment.lowerBound
                                for t in 0..<n {
                                    let row = w + cache.weightOffsets[index] + t * n
                                    let upstream = dz + (start + t) * d
                                    var expected: Float = 0
                                    for j in 0...t {
                                        let value = qkv + (start + j) * 3 * d + 2 * d
                                        logitGradient[j] = Kernels.dot(count: d, upstream, value)
                                        expected += row[j] * logitGradient[j]
                                        let valueGradient = dqkv + (start + j) * 3 * d + 2 * d
                                        for column in 0..<d { valueGradient[column] += row[j] * upstream[column] }
                                    }
                                    let query = qkv + (start + t) * 3 * d
                                    let queryGradient = dqkv + (start + t) * 3 * d
                                    for j in 0...t {
                                        let g = row[j] * (logitGradient[j] - expected) * scale
                                        let key = qkv + (start + j) * 3 * d + d
                                        let keyGradient = dqkv + (start + j) * 3 * d + d
                                        for column in 0..<d {
                                            queryGradient[column] += g * key[column]
                                            keyGradient[column] += g * query[column]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let projected = projection.backward(input: cache.input, outputGradient: projectedGradient)
            var itemsGradient = hiddenGradient
            itemsGradient.add(projected.input)
            var positionsGradient = TrainingMatrix(rows: length, columns: d)
            for (row, slot) in cache.positionSlots.enumerated() {
                for column in 0..<d { positionsGradient[slot, column] += itemsGradient[row, column] }
            }
            return (itemsGradient, [positionsGradient, projected.weight, projected.bias, hidden.weight, hidden.bias,
                                    output.weight, output.bias])
        }
    }
}
