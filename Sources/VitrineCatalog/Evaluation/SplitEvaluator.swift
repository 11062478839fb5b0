// Ranking evaluation with exactly the rules of benchmarks/movielens/README.md, so Vitrine's rows
// sit beside the peers' (peers.py / ranking_metrics.py) on equal terms:
// candidates per protocol, relevance = the user's test items, ranking by score descending with
// ties broken by lower catalog index, users with no relevant candidate skipped.
// VitrineCore's RankingMetrics are reused: Recall/NDCG/MAP/HitRate/coverage match the written
// definitions given the tie-broken list. Its AUC gives ties half credit, while the rules break
// ties first, so AUC is fed the tie-broken positions (distinct scores) — the exact variant.

import Foundation
import VitrineCore

/// One method's metrics on one view of a split (a row of the results table).
public struct EvaluationRow: Sendable, Equatable, Codable {
    /// View name (protocol, or `cold-item (ranked among all items)`).
    public var view: String
    /// Method name.
    public var method: String
    /// Users averaged.
    public var users: Int
    /// Metrics by name: `recall@10`, `recall@20`, `ndcg@10`, `ndcg@20`, `map@10`, `map@20`, `hit@10`, `hit@20`, `auc`, `coverage@10`, `coverage@20`.
    public var metrics: [String: Double]
    /// Seconds spent preparing the method (training), 0 for baselines.
    public var fitSeconds: Double
    /// Set instead of metrics when the method has no signal on this view (e.g. item–item baselines on
    /// cold items) or how its hyperparameter was chosen.
    public var note: String?

    /// A row without metrics that says why the method has none on `view`.
    public static func noSignal(view: String, method: String, fitSeconds: Double, reason: String) -> EvaluationRow {
        EvaluationRow(view: view, method: method, users: 0, metrics: [:], fitSeconds: fitSeconds, note: reason)
    }
}

/// Which items a user's list is ranked over.
public enum CandidateRule: Sendable {
    /// Every item the user has no train row for.
    case allExceptTrain
    /// Every item except the user's onboarding items (cold-user).
    case allExceptOnboarding
    /// The same fixed items (catalog indexes) for everyone (cold-item).
    case fixed([Int])
}

/// A split seen one way: its candidate rule and coverage pool.
public struct EvaluationView: Sendable {
    /// Display name.
    public var name: String
    /// The split.
    public var split: EvaluationSplit
    /// Candidate rule.
    public var candidates: CandidateRule

    /// The views of a split: one, or two for cold-item (fixed cold set, and all items).
    public static func views(of split: EvaluationSplit, indexOf: [String: Int]) -> [EvaluationView] {
        switch split.name {
        case "cold-item":
            let cold = split.coldItems.compactMap { indexOf[$0] }.sorted()
            return [EvaluationView(name: "cold-item", split: split, candidates: .fixed(cold)),
                    EvaluationView(name: "cold-item (ranked among all items)", split: split, candidates: .allExceptTrain)]
        case "cold-user": return [EvaluationView(name: "cold-user", split: split, candidates: .allExceptOnboarding)]
        default: return [EvaluationView(name: split.name, split: split, candidates: .allExceptTrain)]
        }
    }
}

/// Scores every catalog item (catalog order) for a user given the history the protocol allows.
public typealias EvaluationScorer = (_ user: String, _ history: [SplitRow]) throws -> [Double]

/// Evaluates scorers on split views.
public struct SplitEvaluator: Sendable {
    /// Catalog items in tie-break order.
    public let items: [Item]
    /// Catalog index of each id.
    public let indexOf: [String: Int]

    /// Creates an evaluator over a catalog (its order is the tie-break order).
    public init(items: [Item]) {
        self.items = items
        indexOf = Dictionary(items.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Users in integer-id order (string order for non-numeric ids).
    static func sortedUsers(_ users: Set<String>) -> [String] {
        users.sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
    }

    /// The history a scorer may see for `user` in `view`: onboarding rows for cold-user, else train rows.
    public static func histories(for view: EvaluationView) -> [String: [SplitRow]] {
        let rows = view.split.name == "cold-user" ? view.split.onboarding : view.split.train
        return Dictionary(grouping: rows, by: \.user)
    }

    /// Metrics of `scorer` on `view`, averaged over test users with at least one relevant candidate.
    public func evaluate(_ view: EvaluationView, method: String, fitSeconds: Double = 0, scorer: EvaluationScorer) throws -> EvaluationRow {
        let histories = Self.histories(for: view)
        let trainItems = Dictionary(grouping: view.split.train, by: \.user).mapValues { Set($0.compactMap { indexOf[$0.item] }) }
        let onboardingItems = Dictionary(grouping: view.split.onboarding, by: \.user).mapValues { Set($0.compactMap { indexOf[$0.item] }) }
        let testItems = Dictionary(grouping: view.split.test, by: \.user).mapValues { Set($0.compactMap { indexOf[$0.item] }) }
        var sums: [String: Double] = [:]
        var users = 0
        var top10: [[String]] = [], top20: [[String]] = []
        for user in Self.sortedUsers(Set(testItems.keys)) {
            let candidates: [Int]
            switch view.candidates {
            case .fixed(let fixed): candidates = fixed
            case .allExceptTrain:
                let seen = trainItems[user] ?? []
                candidates = items.indices.filter { !seen.contains($0) }
            case .allExceptOnboarding:
                let seen = onboardingItems[user] ?? []
                candidates = items.indices.filter { !seen.contains($0) }
            }
            let candidateSet = Set(candidates)
            let relevant = (testItems[user] ?? []).filter { candidateSet.contains($0) }
            guard !relevant.isEmpty else { continue }
            let scores = try scorer(user, histories[user] ?? [])
            let ranking = candidates.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            let rankedIDs = ranking.prefix(20).map { items[$0].id }
            let relevantIDs = Set(relevant.map { items[$0].id })
            users += 1
            for k in [10, 20] {
                sums["recall@\(k)", default: 0] += RankingMetrics.recall(ranked: rankedIDs, relevant: relevantIDs, k: k)
                sums["ndcg@\(k)", default: 0] += RankingMetrics.ndcg(ranked: rankedIDs, relevant: relevantIDs, k: k)
                sums["map@\(k)", default: 0] += RankingMetrics.averagePrecision(ranked: rankedIDs, relevant: relevantIDs, k: k)
                sums["hit@\(k)", default: 0] += RankingMetrics.hitRate(ranked: rankedIDs, relevant: relevantIDs, k: k)
            }
            // Distinct scores from the tie-broken positions: no pair is tied, as the rules require.
            let positionScores = ranking.indices.map { Double(ranking.count - $0) }
            if let auc = RankingMetrics.auc(scores: positionScores, isRelevant: ranking.map { relevant.contains($0) }) {
                sums["auc", default: 0] += auc
                sums["aucUsers", default: 0] += 1
            }
            top10.append(Array(rankedIDs.prefix(10)))
            top20.append(rankedIDs)
        }
        let pool: Int
        if case .fixed(let fixed) = view.candidates { pool = fixed.count } else { pool = items.count }
        var metrics: [String: Double] = [:]
        for (name, sum) in sums where name != "auc" && name != "aucUsers" { metrics[name] = users > 0 ? sum / Double(users) : 0 }
        metrics["auc"] = (sums["aucUsers"] ?? 0) > 0 ? (sums["auc"] ?? 0) / (sums["aucUsers"] ?? 1) : 0
        metrics["coverage@10"] = RankingMetrics.coverage(lists: top10, catalogSize: pool, k: 10)
        metrics["coverage@20"] = RankingMetrics.coverage(lists: top20, catalogSize: pool, k: 20)
        return EvaluationRow(view: view.name, method: method, users: users, metrics: metrics, fitSeconds: fitSeconds)
    }
}
