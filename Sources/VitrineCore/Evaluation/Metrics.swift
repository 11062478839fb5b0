// Ranking metrics as small pure functions over one user's ranked list and relevant set.
// Binary relevance throughout; NDCG uses the log2(rank + 1) discount (rank from 1).
import Foundation


/// Top-K ranking metrics and catalog coverage.
public enum RankingMetrics {
    /// Fraction of the relevant items that appear in the top `k` (0 when nothing is relevant).
    public static func recall(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        guard !relevant.isEmpty, k > 0 else { return 0 }
        let hits = ranked.prefix(k).filter { relevant.contains($0) }.count
        return Double(hits) / Double(relevant.count)
    }

    /// 1 when any relevant item is in the top `k`, else 0.
    public static func hitRate(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        guard k > 0 else { return 0 }
        return ranked.prefix(k).contains(where: relevant.contains) ? 1 : 0
    }

    /// Normalized discounted cumulative gain: DCG = Σ rel_i / log2(i + 1) over ranks i = 1…k,
    /// divided by the DCG of an ideal list (all relevant items first).
    public static func ndcg(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        guard !relevant.isEmpty, k > 0 else { return 0 }
        var dcg = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            dcg += 1 / log2(Double(position + 2))
        }
        var ideal = 0.0
        for position in 0..<min(k, relevant.count) { ideal += 1 / log2(Double(position + 2)) }
        return dcg / ideal
    }

    /// Average precision at `k`: mean of precision@i over the ranks i ≤ k holding a relevant
    /// item, divided by min(|relevant|, k). MAP@K is its mean over users.
    public static func averagePrecision(ranked: [String], relevant: Set<String>, k: Int) -> Double {
        guard !relevant.isEmpty, k > 0 else { return 0 }
        var hits = 0
        var sum = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            hits += 1
            sum += Double(hits) / Double(position + 1)
        }
        return sum / Double(min(relevant.count, k))
    }

    /// Area under the ROC curve for one user: the probability that a random relevant
    /// candidate outscores a random non-relevant one (ties count ½). Nil when either side is empty.
    /// Precondition: `scores` and `isRelevant` have equal lengths.
    public static func auc(scores: [Double], isRelevant: [Bool]) -> Double? {
        precondition(scores.count == isRelevant.count, "auc: scores and labels differ in length")
        let positives = isRelevant.filter { $0 }.count
        let negatives = isRelevant.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Mann–Whitney U from average ranks (handles ties exactly), O(n log n).
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for i in start...end where isRelevant[order[i]] { rankSum += averageRank }
            start = end + 1
        }
        let u = rankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }

    /// Fraction of the catalog that appears in at least one list's top `k`.
    public static func coverage(lists: [[String]], catalogSize: Int, k: Int) -> Double {
        guard catalogSize > 0 else { return 0 }
        var shown = Set<String>()
        for list in lists { shown.formUnion(list.prefix(k)) }
        return Double(shown.count) / Double(catalogSize)
    }
}
