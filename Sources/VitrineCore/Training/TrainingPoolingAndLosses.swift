import Foundation

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
            precondition(strengths.count == items.rows && query.columns == items.columns)
            let width = items.columns
            var output = TrainingMatrix(rows: segments.count, columns: width)
            var weights = [Float](repeating: 0, count: items.rows)
            for (user, segment) in segments.enumerated() where !segment.isEmpty {
                switch mode {
                case .weightedMean:
                    let total = segment.reduce(Float(0)) { $0 + strengths[$1] }
                    for index in segment { weights[index] = strengths[index] / total }
                case .attention:
                    var logits = [Float](repeating: 0, count: segment.count)
                    for (offset, index) in segment.enumerated() {
                        var dot: Float = 0
                        for column in 0..<width { dot += query.values[column] * items[index, column] }
                        logits[offset] = dot + log(strengths[index])
                    }
                    let largest = logits.max() ?? 0
                    var total: Float = 0
                    for offset in logits.indices { logits[offset] = exp(logits[offset] - largest); total += logits[offset] }
                    for (offset, index) in segment.enumerated() { weights[index] = logits[offset] / total }
                }
                for index in segment {
                    for column in 0..<width { output[user, column] += weights[index] * items[index, column] }
                }
            }
            return (output, weights)
        }

        /// Gradients with respect to the history rows (`N × d`) and the query (`1 × d`; zero for the mean).
        public static func backward(items: TrainingMatrix, segments: [Range<Int>], query: TrainingMatrix,
                                    mode: TwoTowerPooling, weights: [Float], outputGradient: TrainingMatrix)
            -> (items: TrainingMatrix, query: TrainingMatrix) {
            let width = items.columns
            var itemsGradient = TrainingMatrix(rows: items.rows, columns: width)
            var queryGradient = TrainingMatrix(rows: 1, columns: width)
            for (user, segment) in segments.enumerated() where !segment.isEmpty {
                for index in segment {
                    for column in 0..<width { itemsGradient[index, column] += weights[index] * outputGradient[user, column] }
                }
                guard mode == .attention else { continue }
                // d(output)/d(logit_i) = a_i (h_i − output); chain with the upstream gradient.
                var upstream = [Float](repeating: 0, count: segment.count)
                var mean: Float = 0
                for (offset, index) in segment.enumerated() {
                    var dot: Float = 0
                    for column in 0..<width { dot += outputGradient[user, column] * items[index, column] }
                    upstream[offset] = dot
                    mean += weights[index] * dot
                }
                for (offset, index) in segment.enumerated() {
                    let logitGradient = weights[index] * (upstream[offset] - mean)
                    for column in 0..<width {
                        itemsGradient[index, column] += logitGradient * query.values[column]
                        queryGradient.values[column] += logitGradient * items[index, column]
                    }
                }
            }
            return (itemsGradient, queryGradient)
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
