import VitrineTensor

// Item–item baselines for offline evaluation: EASE (Steck, "Embarrassingly Shallow Autoencoders
// for Sparse Data", WWW 2019) and cosine item-kNN. Both learn only from which items were
// consumed together, so they are strong on warm items and have no signal at all for an item
// nobody interacted with in training (a cold item scores 0 for everyone).

/// A dense item × item weight matrix: a user's score for item j is the sum of the weights from
/// the items of their history to j.
public struct ItemItemModel: Sendable {
    /// Items the model covers (catalog indexes 0..<itemCount).
    public let itemCount: Int
    /// Row-major itemCount²: `weights[i · itemCount + j]` is what history item i adds to item j.
    let weights: [Float]

    /// Scores of every item for a user who interacted with `history` (catalog indexes; repeats count once).
    public func scores(history: [Int]) -> [Double] {
        var scores = [Double](repeating: 0, count: itemCount)
        for i in Set(history) where i >= 0 && i < itemCount {
            let row = i * itemCount
            for j in 0..<itemCount { scores[j] += Double(weights[row + j]) }
        }
        return scores
    }

    /// The largest catalog either baseline builds: both hold dense itemCount² matrices.
    public static let maxItemCount = 20_000

    /// EASE: `B = I − P · diag(1 / diag P)` with `P = (XᵀX + λI)⁻¹` and a zero diagonal, where X is
    /// the binary user × item matrix of `histories`. One Gram GEMM on the packed kernels and one
    /// Cholesky solve.
    /// - Throws: `.invalidOption` for λ ≤ 0 or a catalog above `maxItemCount`; `.notPositiveDefinite`.
    public static func ease(histories: [[Int]], itemCount: Int, lambda: Double) throws -> ItemItemModel {
        guard lambda > 0, lambda.isFinite else { throw VitrineCoreError.invalidOption(name: "lambda", reason: "must be > 0, got \(lambda)") }
        var system = try gram(histories: histories, itemCount: itemCount).map(Double.init)
        for i in 0..<itemCount { system[i * itemCount + i] += lambda }
        var identity = [Double](repeating: 0, count: itemCount * itemCount)
        for i in 0..<itemCount { identity[i * itemCount + i] = 1 }
        let inverse = try CholeskySolver(matrix: system, size: itemCount).solve(identity, columns: itemCount)
        var weights = [Float](repeating: 0, count: itemCount * itemCount)
        for i in 0..<itemCount {
            for j in 0..<itemCount where i != j {
                weights[i * itemCount + j] = Float(-inverse[i * itemCount + j] / inverse[j * itemCount + j])
            }
        }
        return ItemItemModel(itemCount: itemCount, weights: weights)
    }

    /// Cosine item-kNN: item j keeps its `neighbours` most similar items by co-occurrence cosine
    /// `|U_i ∩ U_j| / √(|U_i| |U_j|)`; a history item i adds that similarity to j when it is one of them.
    /// - Throws: `.invalidOption` for `neighbours` < 1 or a catalog above `maxItemCount`.
    public static func itemKNN(histories: [[Int]], itemCount: Int, neighbours: Int) throws -> ItemItemModel {
        guard neighbours >= 1 else { throw VitrineCoreError.invalidOption(name: "neighbours", reason: "must be ≥ 1, got \(neighbours)") }
        let counts = try gram(histories: histories, itemCount: itemCount)
        var weights = [Float](repeating: 0, count: itemCount * itemCount)
        for j in 0..<itemCount {
            let own = counts[j * itemCount + j]
            guard own > 0 else { continue }
            var best = TopKHeap<(item: Int, similarity: Float)>(capacity: neighbours) { a, b in
                a.similarity < b.similarity || (a.similarity == b.similarity && a.item > b.item)
            }
            for i in 0..<itemCount where i != j {
                let shared = counts[i * itemCount + j], other = counts[i * itemCount + i]
                if shared > 0 && other > 0 { best.offer((i, shared / (own * other).squareRoot())) }
            }
            for neighbour in best.sortedBestFirst() { weights[neighbour.item * itemCount + j] = neighbour.similarity }
        }
        return ItemItemModel(itemCount: itemCount, weights: weights)
    }

    /// `XᵀX` of the binary user × item matrix (co-occurrence counts, exact in Float below 2²⁴ users).
    static func gram(histories: [[Int]], itemCount: Int) throws -> [Float] {
        guard itemCount >= 1, itemCount <= maxItemCount else {
            throw VitrineCoreError.invalidOption(name: "itemCount", reason: "item–item baselines need 1…\(maxItemCount) items, got \(itemCount)")
        }
        var x = [Float](repeating: 0, count: max(histories.count, 1) * itemCount)
        for (user, history) in histories.enumerated() {
            for item in history where item >= 0 && item < itemCount { x[user * itemCount + item] = 1 }
        }
        var gram = [Float](repeating: 0, count: itemCount * itemCount)
        Kernels.gemm(transposeA: true, m: itemCount, n: itemCount, k: max(histories.count, 1), a: x, lda: itemCount,
                     b: x, ldb: itemCount, c: &gram, ldc: itemCount)
        return gram
    }
}
