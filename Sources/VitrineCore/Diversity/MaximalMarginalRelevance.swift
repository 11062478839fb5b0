// Maximal Marginal Relevance (Carbonell & Goldstein, 1998): pick greedily the candidate
// maximizing (1 − λ)·relevance − λ·max similarity to what is already picked. λ = 0 keeps
// the incoming order untouched (pure relevance, or the multi-interest merge order);
// λ = 1 ignores relevance and spreads the list as far as possible.

/// Re-ranks a candidate list for diversity.
public enum MaximalMarginalRelevance {
    /// Indices into `relevances` in pick order, at most `limit` of them.
    /// - Parameters:
    ///   - relevances: relevance of each candidate, in the incoming (preferred) order.
    ///   - limit: how many to pick.
    ///   - lambda: diversity weight in [0, 1] (clamped).
    ///   - similarity: similarity of candidates `i` and `j` (cosine).
    public static func select(relevances: [Float], limit: Int, lambda: Float,
                              similarity: (Int, Int) -> Float) -> [Int] {
        let n = relevances.count
        let count = max(0, min(limit, n))
        let lambda = min(max(lambda, 0), 1)
        if lambda == 0 { return Array(0..<count) }
        var picked: [Int] = []
        picked.reserveCapacity(count)
        var available = [Bool](repeating: true, count: n)
        var maxSimilarity = [Float](repeating: -.infinity, count: n)
        while picked.count < count {
            var best = -1
            var bestScore = -Float.infinity
            for i in 0..<n where available[i] {
                let redundancy = picked.isEmpty ? 0 : maxSimilarity[i]
                let score = (1 - lambda) * relevances[i] - lambda * redundancy
                // Strict ">" keeps the earlier (preferred) candidate on ties.
                if score > bestScore { best = i; bestScore = score }
            }
            guard best >= 0 else { break }
            picked.append(best)
            available[best] = false
            for i in 0..<n where available[i] { maxSimilarity[i] = max(maxSimilarity[i], similarity(i, best)) }
        }
        return picked
    }
}
