// Offline evaluation: any model that can score candidate items for a user plugs in as a
// closure, so random, popularity, content similarity and the trained model are measured
// by exactly the same code on exactly the same split.

/// Scores `candidates` for `user` given that user's training history (higher = better).
/// Must return one score per candidate, in order.
public typealias CandidateScorer = (_ user: String, _ history: [Interaction], _ candidates: [String]) throws -> [Double]

/// What and how to measure.
public struct EvaluationOptions: Sendable {
    /// Cut-offs K for the @K metrics (default 10 and 20).
    public var cutoffs: [Int]
    /// Decides which test events are relevant (strength > 0) — dislikes and low ratings are not.
    public var strengths: EventStrengths

    /// Creates options.
    public init(cutoffs: [Int] = [10, 20], strengths: EventStrengths = EventStrengths()) {
        self.cutoffs = cutoffs
        self.strengths = strengths
    }
}

/// Mean metrics over the evaluated users.
public struct EvaluationReport: Sendable, Equatable {
    /// Users with at least one relevant test item (the averaging population).
    public let userCount: Int
    /// Recall@K by K.
    public let recall: [Int: Double]
    /// NDCG@K by K.
    public let ndcg: [Int: Double]
    /// MAP@K by K.
    public let map: [Int: Double]
    /// HitRate@K by K.
    public let hitRate: [Int: Double]
    /// Mean per-user AUC over all candidate (non-history) items.
    public let auc: Double
    /// Catalog coverage of the top-K lists by K.
    public let coverage: [Int: Double]
}

/// Runs a scorer over a split and averages the ranking metrics.
public struct Evaluator {
    /// All item ids that may be recommended.
    public let catalog: [String]
    /// Cut-offs and relevance rule.
    public let options: EvaluationOptions

    /// Creates an evaluator over a catalog (order is used only to break score ties).
    public init(catalog: [String], options: EvaluationOptions = EvaluationOptions()) {
        self.catalog = catalog
        self.options = options
    }

    /// Evaluates `scorer` on `split`.
    ///
    /// For each user with a relevant test item: history = their train events plus (cold users)
    /// onboarding events; candidates = catalog minus history items; relevant = candidates with a
    /// positive test event. Candidates are ranked by score (ties keep catalog order).
    /// - Throws: whatever the scorer throws; `.invalidOption` when it returns the wrong count.
    public func evaluate(split: DataSplit, scorer: CandidateScorer) throws -> EvaluationReport {
        var history: [String: [Interaction]] = [:]
        for event in split.train + split.onboarding { history[event.user, default: []].append(event) }
        var relevantByUser: [String: Set<String>] = [:]
        for event in split.test where options.strengths.isPositive(event) { relevantByUser[event.user, default: []].insert(event.item) }

        let cutoffs = options.cutoffs.filter { $0 > 0 }
        var sums = (recall: [Int: Double](), ndcg: [Int: Double](), map: [Int: Double](), hit: [Int: Double]())
        var aucSum = 0.0, aucUsers = 0, users = 0
        var lists: [[String]] = []
        for user in relevantByUser.keys.sorted() {
            let userHistory = history[user] ?? []
            let seen = Set(userHistory.map(\.item))
            let candidates = catalog.filter { !seen.contains($0) }
            let relevant = (relevantByUser[user] ?? []).intersection(candidates)
            guard !relevant.isEmpty else { continue }
            let scores = try scorer(user, userHistory, candidates)
            guard scores.count == candidates.count else {
                throw VitrineCoreError.invalidOption(name: "scorer", reason: "returned \(scores.count) scores for \(candidates.count) candidates")
            }
            let ranked = candidates.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.map { candidates[$0] }
            users += 1
            lists.append(ranked)
            for k in cutoffs {
                sums.recall[k, default: 0] += RankingMetrics.recall(ranked: ranked, relevant: relevant, k: k)
                sums.ndcg[k, default: 0] += RankingMetrics.ndcg(ranked: ranked, relevant: relevant, k: k)
                sums.map[k, default: 0] += RankingMetrics.averagePrecision(ranked: ranked, relevant: relevant, k: k)
                sums.hit[k, default: 0] += RankingMetrics.hitRate(ranked: ranked, relevant: relevant, k: k)
            }
            if let auc = RankingMetrics.auc(scores: scores, isRelevant: candidates.map(relevant.contains)) {
                aucSum += auc
                aucUsers += 1
            }
        }
        let n = Double(max(users, 1))
        func mean(_ values: [Int: Double]) -> [Int: Double] { Dictionary(uniqueKeysWithValues: cutoffs.map { ($0, (values[$0] ?? 0) / n) }) }
        return EvaluationReport(
            userCount: users, recall: mean(sums.recall), ndcg: mean(sums.ndcg), map: mean(sums.map), hitRate: mean(sums.hit),
            auc: aucUsers > 0 ? aucSum / Double(aucUsers) : 0,
            coverage: Dictionary(uniqueKeysWithValues: cutoffs.map { ($0, RankingMetrics.coverage(lists: lists, catalogSize: catalog.count, k: $0)) }))
    }
}

/// Reference scorers every model must beat.
public enum Baselines {
    /// Uniform random scores, reproducible: each (seed, user, item) hashes to a fixed score.
    public static func random(seed: UInt64) -> CandidateScorer {
        return { user, _, candidates in
            candidates.map { item in
                var generator = SplitMix64(seed: seed ^ SplitMix64.stableHash(user) &* 31 ^ SplitMix64.stableHash(item))
                return Double(generator.next() >> 11) / Double(1 << 53)
            }
        }
    }

    /// Scores candidates by their popularity in the training events (see `PopularityModel`).
    public static func popularity(train: [Interaction], strengths: EventStrengths = EventStrengths(),
                                  recentWindowSeconds: Double = 7 * 24 * 3600, recentBlend: Double = 0) -> CandidateScorer {
        let model = PopularityModel(interactions: train, strengths: strengths,
                                    recentWindowSeconds: recentWindowSeconds, recentBlend: recentBlend)
        return { _, _, candidates in candidates.map(model.score(of:)) }
    }

    /// Content similarity: the recommender's profile scores (best interest cosine), falling
    /// back to popularity for users without a usable history.
    public static func contentSimilarity(_ recommender: Recommender, fallback: CandidateScorer? = nil) -> CandidateScorer {
        return { user, history, candidates in
            let profile = recommender.profile(user: user, history: history)
            if !profile.hasTaste, let fallback { return try fallback(user, history, candidates) }
            return try recommender.scores(user: user, history: history, candidates: candidates)
        }
    }
}
