import Foundation
import VitrineTensor

extension TrainingLayers {
    /// Pools each user's history rows into one vector: attention with a learned query, or a weighted mean.
    ///
    /// Attention weights are `softmax_i(q · h_i + log s_i)` over the user's history, so an event's
    /// strength `s_i` acts as a prior on its weight (a strength-2 event counts as two strength-1
    /// events of the same item). The weighted mean uses `s_i / Σ s`. An empty segment pools to a
    /// zero row; the model substitutes its learned cold-user vector for those users.
    public enum AttentionPooling {
        /// `items` holds every history row of the batch (`N × d`); `segments[b]` are user `b`'s rows;
        /// `strengths` (N, positive) are the event strengths; `query` is `1 × d`.
        /// Returns the pooled `B × d` matrix and the weight given to each history row.
        public static func forward(items: TrainingMatrix, segments: [Range<Int>], strengths: [Float],
                                   query: TrainingMatrix, mode: TwoTowerPooling)
            -> (output: TrainingMatrix, weights: [Float]) {
            forward(table: items, rows: Array(0..<items.rows), segments: segments, strengths: strengths, query: query, mode: mode)
        }

        /// Gradients with respect to the history rows (`N × d`) and the query (`1 × d`; zero for the mean).
        public static func backward(items: TrainingMatrix, segments: [Range<Int>], query: TrainingMatrix,
                                    mode: TwoTowerPooling, weights: [Float], outputGradient: TrainingMatrix)
            -> (items: TrainingMatrix, query: TrainingMatrix) {
            let gradients = backward(table: items, rows: Array(0..<items.rows), segments: segments, query: query, mode: mode,
                                     weights: weights, outputGradient: outputGradient)
            return (gradients.table, gradients.query)
        }

        /// The same pooling over rows of a shared table: history entry `i` is row `rows[i]` of `table`.
        /// The trainer passes the batch's item vectors, one row per distinct item, so the history is
        /// neither copied out (`N × d`) nor its gradient scattered back, and each item's attention
        /// logit `q · h` is computed once however many histories hold it.
        public static func forward(table: TrainingMatrix, rows: [Int], segments: [Range<Int>], strengths: [Float],
                                   query: TrainingMatrix, mode: TwoTowerPooling)
            -> (output: TrainingMatrix, weights: [Float]) {
            precondition(strengths.count == rows.count && query.columns == table.columns)
            precondition(mode != .sequence, "AttentionPooling: the sequence tower is TrainingLayers.CausalSelfAttentionBlock")
            let width = table.columns
            var output = TrainingMatrix(rows: segments.count, columns: width)
            var weights = [Float](repeating: 0, count: rows.count)
            let rowLogits = mode == .attention ? logits(table, query) : []
            table.values.withUnsafeBufferPointer { tableValues in
                output.values.withUnsafeMutableBufferPointer { outputValues in
                    guard let base = tableValues.baseAddress, let out = outputValues.baseAddress else { return }
                    for (user, segment) in segments.enumerated() where !segment.isEmpty {
                        switch mode {
                        case .weightedMean:
                            let total = segment.reduce(Float(0)) { $0 + strengths[$1] }
                            for index in segment { weights[index] = strengths[index] / total }
                        case .attention, .sequence:
                            var largest = -Float.infinity
                            for index in segment {
                                weights[index] = rowLogits[rows[index]] + log(strengths[index])
                                largest = max(largest, weights[index])
                            }
                            var total: Float = 0
                            for index in segment { weights[index] = exp(weights[index] - largest); total += weights[index] }
                            for index in segment { weights[index] /= total }
                        }
                        for index in segment {
                            addScaled(weights[index], base + rows[index] * width, to: out + user * width, count: width)
                        }
                    }
                }
            }
            return (output, weights)
        }

        /// Gradients with respect to the table (`table.rows × d`; rows no history uses stay zero) and
        /// the query (`1 × d`; zero for the mean).
        public static func backward(table: TrainingMatrix, rows: [Int], segments: [Range<Int>], query: TrainingMatrix,
                                    mode: TwoTowerPooling, weights: [Float], outputGradient: TrainingMatrix)
            -> (table: TrainingMatrix, query: TrainingMatrix) {
            let width = table.columns
            var tableGradient = TrainingMatrix(rows: table.rows, columns: width)
            var queryGradient = TrainingMatrix(rows: 1, columns: width)
            // d(output)/d(logit_i) = a_i (h_i − output); the logit gradients of one table row add up,
            // and each row's total reaches the row (times q) and the query (times the row) once.
            var rowLogitGradients = [Float](repeating: 0, count: mode == .attention ? table.rows : 0)
            var upstream: [Float] = []
            table.values.withUnsafeBufferPointer { tableValues in
                outputGradient.values.withUnsafeBufferPointer { gradientValues in
                    tableGradient.values.withUnsafeMutableBufferPointer { tableGradientValues in
                        guard let base = tableValues.baseAddress, let upstreamBase = gradientValues.baseAddress,
                              let target = tableGradientValues.baseAddress else { return }
                        for (user, segment) in segments.enumerated() where !segment.isEmpty {
                            let userGradient = upstreamBase + user * width
                            if mode == .attention {
                                upstream.removeAll(keepingCapacity: true)
                                var mean: Float = 0
                                for index in segment {
                                    let dot = Kernels.dot(count: width, userGradient, base + rows[index] * width)
                                    upstream.append(dot)
                                    mean += weights[index] * dot
                                }
                                for (offset, index) in segment.enumerated() {
                                    rowLogitGradients[rows[index]] += weights[index] * (upstream[offset] - mean)
                                }
                            }
                            for index in segment {
                                addScaled(weights[index], userGradient, to: target + rows[index] * width, count: width)
                            }
                        }
                    }
                }
            }
            for (row, logitGradient) in rowLogitGradients.enumerated() where logitGradient != 0 {
                for column in 0..<width {
                    tableGradient[row, column] += logitGradient * query.values[column]
                    queryGradient.values[column] += logitGradient * table[row, column]
                }
            }
            return (tableGradient, queryGradient)
        }

        /// `q · row` for every row of `table`.
        private static func logits(_ table: TrainingMatrix, _ query: TrainingMatrix) -> [Float] {
            table.values.withUnsafeBufferPointer { tableValues in
                query.values.withUnsafeBufferPointer { queryValues in
                    guard let base = tableValues.baseAddress, let q = queryValues.baseAddress else { return [] }
                    return (0..<table.rows).map { Kernels.dot(count: table.columns, q, base + $0 * table.columns) }
                }
            }
        }

        /// `target += scale · source` over `count` floats.
        @inline(__always)
        private static func addScaled(_ scale: Float, _ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
            for column in 0..<count { target[column] += scale * source[column] }
        }
    }

    /// Softmax cross-entropy averaged over rows; `-infinity` logits are masked out (probability 0).
    public enum SoftmaxCrossEntropy {
        /// Mean of `−log softmax(logits[b])[targets[b]]` and its gradient with respect to the logits.
        public static func lossAndGradient(logits: TrainingMatrix, targets: [Int])
            -> (loss: Float, logitsGradient: TrainingMatrix) {
            precondition(targets.count == logits.rows)
            var gradient = TrainingMatrix(rows: logits.rows, columns: logits.columns)
            guard logits.rows > 0 else { return (0, gradient) }
            let scale = 1 / Float(logits.rows)
            var loss: Float = 0
            for row in 0..<logits.rows {
                var largest = -Float.infinity
                for column in 0..<logits.columns { largest = max(largest, logits[row, column]) }
                var total: Float = 0
                for column in 0..<logits.columns { total += exp(logits[row, column] - largest) }
                let logTotal = log(total) + largest
                loss += logTotal - logits[row, targets[row]]
                for column in 0..<logits.columns {
                    gradient[row, column] = exp(logits[row, column] - logTotal) * scale
                }
                gradient[row, targets[row]] -= scale
            }
            return (loss * scale, gradient)
        }
    }

    /// Bayesian personalised ranking: mean of `softplus(negative − positive)` over every sampled pair.
    public enum BPRLoss {
        /// `positive[b]` is user `b`'s score for its target; `negatives` (`B × k`) its sampled negatives.
        public static func lossAndGradient(positive: [Float], negatives: TrainingMatrix)
            -> (loss: Float, positiveGradient: [Float], negativesGradient: TrainingMatrix) {
            precondition(positive.count == negatives.rows)
            var positiveGradient = [Float](repeating: 0, count: positive.count)
            var negativesGradient = TrainingMatrix(rows: negatives.rows, columns: negatives.columns)
            let pairs = negatives.rows * negatives.columns
            guard pairs > 0 else { return (0, positiveGradient, negativesGradient) }
            let scale = 1 / Float(pairs)
            var loss: Float = 0
            for row in 0..<negatives.rows {
                for column in 0..<negatives.columns {
                    let margin = negatives[row, column] - positive[row]
                    // softplus(m) = max(m, 0) + log(1 + e^{−|m|}), stable for large |m|.
                    loss += max(margin, 0) + log1p(exp(-abs(margin)))
                    let sigmoid = 1 / (1 + exp(-margin))
                    negativesGradient[row, column] = sigmoid * scale
                    positiveGradient[row] -= sigmoid * scale
                }
            }
            return (loss * scale, positiveGradient, negativesGradient)
        }
    }
}
