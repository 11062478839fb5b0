// The methods `vitrine evaluate` compares: random, popularity, untrained content similarity and
// the trained two-tower model (ID embeddings with DropoutNet dropout for items with training
// positives; content only for items without, e.g. cold items).

import Foundation
import VitrineCore

/// Scorers for one split, built from its training rows only.
public enum EvaluationMethods {
    /// Uniform random scores from a seeded SplitMix64, one draw per item per scored user.
    public static func random(itemCount: Int, seed: UInt64 = 20_261_129) -> EvaluationScorer {
        let generator = Locked(SplitMix64(seed: seed))
        return { _, _ in generator.withValue { g in (0..<itemCount).map { _ in Double.random(in: 0..<1, using: &g) } } }
    }

    /// Popularity: number of `train` rows with value ≥ `positiveThreshold` per item (onboarding not counted).
    public static func popularity(split: EvaluationSplit, indexOf: [String: Int], itemCount: Int,
                                  positiveThreshold: Double = 4) -> EvaluationScorer {
        let counts = positiveCounts(split, indexOf: indexOf, itemCount: itemCount, threshold: positiveThreshold)
        return { _, _ in counts }
    }

    /// Training rows with value ≥ `threshold` per item (catalog order): popularity, and the two-tower prior's counts.
    static func positiveCounts(_ split: EvaluationSplit, indexOf: [String: Int], itemCount: Int, threshold: Double) -> [Double] {
        var counts = [Double](repeating: 0, count: itemCount)
        for row in split.train where row.value >= threshold { if let i = indexOf[row.item] { counts[i] += 1 } }
        return counts
    }

    /// Untrained content similarity: the user's VitrineCore profile (rating strengths (r − 3)/2, negatives
    /// pushed away, multi-interest) over unit text vectors; an item scores its best cosine with any interest.
    public static func content(vectors: [[Float]], indexOf: [String: Int], profile options: ProfileOptions = ProfileOptions())
        -> EvaluationScorer {
        let dimension = vectors.first?.count ?? 0
        let flat = vectors.flatMap { $0 }
        return { user, history in
            let interactions = history.map { Interaction(user: user, item: $0.item, kind: .rating, value: $0.value, timestamp: $0.timestamp) }
            let profile = UserProfile(user: user, history: interactions, options: options) { id in indexOf[id].map { vectors[$0] } }
            guard profile.hasTaste else { return [Double](repeating: 0, count: vectors.count) }
            var best = [Double](repeating: -.infinity, count: vectors.count)
            for interest in profile.interests {
                for item in 0..<vectors.count {
                    var dot: Float = 0
                    let base = item * dimension
                    for d in 0..<dimension { dot += interest.vector[d] * flat[base + d] }
                    best[item] = max(best[item], Double(dot))
                }
            }
            return best
        }
    }

    /// Trains a two-tower model on the split's training positives (value ≥ `positiveThreshold`) and
    /// returns its scorer for given additions (popularity prior, EASE term; popularity = the split's
    /// training positives per item) plus the training report. Items with training positives get ID embeddings.
    public static func twoTower(split: EvaluationSplit, vectors: [[Float]], indexOf: [String: Int],
                                configuration: TrainingConfiguration, hiddenDimension: Int = 128, embeddingDimension: Int = 64,
                                pooling: TwoTowerPooling = .attention, sequenceLength: Int = 50, usesItemIDs: Bool = true, positiveThreshold: Double = 4,
                                progress: (TrainingEpochSummary) -> Void = { _ in }) throws
        -> (scorer: (TwoTowerScoring) -> EvaluationScorer, report: TrainingReport) {
        let features = vectors.map { TwoTowerItemFeatures(image: nil, text: $0) }
        var byUser: [String: [SplitRow]] = [:]
        for row in split.train where row.value >= positiveThreshold && indexOf[row.item] != nil { byUser[row.user, default: []].append(row) }
        var warm = Set<Int>()
        var histories: [[TwoTowerInteraction]] = []
        for user in SplitEvaluator.sortedUsers(Set(byUser.keys)) {
            let rows = chronological(byUser[user] ?? [], indexOf: indexOf)
            let history = rows.compactMap { indexOf[$0.item] }.map { TwoTowerInteraction(item: $0) }
            warm.formUnion(history.map(\.item))
            histories.append(history)
        }
        let config = TwoTowerConfiguration(imageDimension: 0, textDimension: vectors.first?.count ?? 0, hiddenDimension: hiddenDimension,
                                           embeddingDimension: embeddingDimension, itemIDCount: usesItemIDs ? vectors.count : 0,
                                           pooling: pooling, sequenceLength: sequenceLength)
        let initial = try TwoTowerModel(configuration: config, seed: configuration.seed)
        let (model, report) = try TwoTowerTrainer(training: configuration)
            .train(initial, on: TrainingDataset(items: features, histories: histories), progress: progress)
        let ids: [Int?] = vectors.indices.map { usesItemIDs && warm.contains($0) ? $0 : nil }
        let embeddings = try model.itemEmbeddings(features: features, ids: ids)
        let d = embeddings.columns
        let maxHistory = configuration.maxHistoryLength
        let logPopularity = PopularityPrior.logPopularity(
            positiveCounts(split, indexOf: indexOf, itemCount: vectors.count, threshold: positiveThreshold))
        let temperature = configuration.temperature
        // Tuning scores the same users under many additions: the model's cosines are computed once per history.
        let cosineCache = Locked([String: [Float]]())
        let scorer: (TwoTowerScoring) -> EvaluationScorer = { scoring in
            { user, history in
                let positives = chronological(history.filter { $0.value >= positiveThreshold }, indexOf: indexOf).compactMap { indexOf[$0.item] }
                let recent = Array(positives.suffix(maxHistory))
                let key = user + "|" + recent.map(String.init).joined(separator: ",")
                let cosines = try cosineCache.withValue { $0[key] } ?? {
                    var rows: [Float] = []
                    rows.reserveCapacity(recent.count * d)
                    for i in recent { rows.append(contentsOf: embeddings.values[i * d ..< (i + 1) * d]) }
                    let userVector = try model.userEmbedding(historyEmbeddings: TrainingMatrix(rows: recent.count, columns: d, values: rows),
                                                             strengths: recent.map { _ in 1 })
                    let computed = try model.scores(user: userVector, itemEmbeddings: embeddings)
                    cosineCache.withValue { $0[key] = computed }
                    return computed
                }()
                var scores = scoring.prior.blended(cosines: cosines, logPopularity: logPopularity, historyLength: recent.count,
                                                   temperature: temperature)
                if let term = scoring.term, !scoring.itemItem.isOff {
                    // EASE sees every positive of the history, as the EASE baseline does; the tower pools the recent ones.
                    scores = scoring.itemItem.blended(scores: scores, itemItem: term.scores(history: positives), temperature: temperature)
                }
                return scores.map(Double.init)
            }
        }
        return (scorer, report)
    }

    /// What the two-tower scorer adds to the model's cosines: the popularity prior and the EASE term.
    public struct TwoTowerScoring: Sendable {
        public var prior: PopularityPrior
        public var itemItem: ItemItemBlend
        /// The EASE term `itemItem` weighs (nil: none).
        public var term: ItemItemTerm?

        /// The model's cosines with the given additions (none by default).
        public init(prior: PopularityPrior = .off, itemItem: ItemItemBlend = .off, term: ItemItemTerm? = nil) {
            self.prior = prior
            self.itemItem = itemItem
            self.term = term
        }
    }

    /// The two-tower scorer's additions fitted for `split`'s protocol on its validation slice
    /// (`protocolValidationSlice`, training rows only): trains there once, picks the popularity prior
    /// with the best NDCG@10 (unless `prior` is given), then — when `fitsItemItem` — the EASE blend
    /// (λ × γ) with the best NDCG@10 given that prior. Returns the prior and blend (no term: the caller
    /// refits EASE on the whole split) with the NDCG@10 of every candidate tried.
    public static func tunedTwoTowerScoring(split: EvaluationSplit, evaluator: SplitEvaluator, itemCount: Int,
                                            prior given: PopularityPrior? = nil, fitsItemItem: Bool = true, positiveThreshold: Double = 4,
                                            train: (EvaluationSplit) throws -> (TwoTowerScoring) -> EvaluationScorer) throws
        -> (prior: PopularityPrior, itemItem: ItemItemBlend, priorNDCG: [PopularityPrior: Double], itemItemNDCG: [ItemItemBlend: Double]) {
        let slice = split.protocolValidationSlice()
        let scorer = try train(slice)
        // The last view: for cold-item, cold items ranked among all items. The prior and the EASE term
        // are zero on every cold item, so they cannot change the cold-only ranking, only how far they
        // push cold items below warm ones.
        guard let view = EvaluationView.views(of: slice, indexOf: evaluator.indexOf).last else { return (given ?? .off, .off, [:], [:]) }
        func ndcg(_ scoring: TwoTowerScoring) throws -> Double {
            try evaluator.evaluate(view, method: "tuning", scorer: scorer(scoring)).metrics["ndcg@10"] ?? 0
        }
        let prior = try given.map { ($0, [PopularityPrior: Double]()) } ?? PopularityPrior.fitted { try ndcg(TwoTowerScoring(prior: $0)) }
        guard fitsItemItem else { return (prior.0, .off, prior.1, [:]) }
        let histories = positives(slice, indexOf: evaluator.indexOf, threshold: positiveThreshold)
        let blend = try ItemItemBlend.fitted(term: {
            try ItemItemTerm.ease(histories: histories, itemCount: itemCount, lambda: $0)
        }, metric: { try ndcg(TwoTowerScoring(prior: prior.0, itemItem: $0, term: $1)) })
        return (prior.0, blend.best, prior.1, blend.metrics)
    }

    /// The EASE term of a fitted blend on the split's training positives (nil when the blend is off).
    public static func itemItemTerm(_ blend: ItemItemBlend, split: EvaluationSplit, indexOf: [String: Int], itemCount: Int,
                                    positiveThreshold: Double = 4) throws -> ItemItemTerm? {
        guard !blend.isOff else { return nil }
        return try ItemItemTerm.ease(histories: positives(split, indexOf: indexOf, threshold: positiveThreshold),
                                     itemCount: itemCount, lambda: blend.lambda)
    }

    /// EASE (Steck 2019) fitted on the split's training positives (value ≥ `positiveThreshold`).
    public static func ease(split: EvaluationSplit, indexOf: [String: Int], itemCount: Int, lambda: Double,
                            positiveThreshold: Double = 4) throws -> EvaluationScorer {
        itemItemScorer(try ItemItemModel.ease(histories: positives(split, indexOf: indexOf, threshold: positiveThreshold),
                                              itemCount: itemCount, lambda: lambda), indexOf: indexOf, threshold: positiveThreshold)
    }

    /// Cosine item-kNN with `neighbours` neighbours per item, fitted on the split's training positives.
    public static func itemKNN(split: EvaluationSplit, indexOf: [String: Int], itemCount: Int, neighbours: Int,
                               positiveThreshold: Double = 4) throws -> EvaluationScorer {
        itemItemScorer(try ItemItemModel.itemKNN(histories: positives(split, indexOf: indexOf, threshold: positiveThreshold),
                                                 itemCount: itemCount, neighbours: neighbours), indexOf: indexOf, threshold: positiveThreshold)
    }

    /// Picks the hyperparameter with the best NDCG@10 on `split.validationSlice()` — training rows only,
    /// the test file is never read — and returns it with its NDCG per candidate, for the caller to refit.
    public static func tuned(_ grid: [Double], split: EvaluationSplit, evaluator: SplitEvaluator,
                             fit: (EvaluationSplit, Double) throws -> EvaluationScorer) throws -> (best: Double, ndcg: [Double: Double]) {
        let slice = split.validationSlice()
        let view = EvaluationView(name: "validation", split: slice, candidates: .allExceptTrain)
        var ndcg: [Double: Double] = [:]
        for value in grid { ndcg[value] = try evaluator.evaluate(view, method: "tuning", scorer: fit(slice, value)).metrics["ndcg@10"] ?? 0 }
        let best = grid.max { (ndcg[$0] ?? 0, -$0) < (ndcg[$1] ?? 0, -$1) } ?? grid[0]
        return (best, ndcg)
    }

    /// Each training user's positive items (catalog indexes).
    static func positives(_ split: EvaluationSplit, indexOf: [String: Int], threshold: Double) -> [[Int]] {
        var byUser: [String: [Int]] = [:]
        for row in split.train where row.value >= threshold { if let i = indexOf[row.item] { byUser[row.user, default: []].append(i) } }
        return SplitEvaluator.sortedUsers(Set(byUser.keys)).map { byUser[$0] ?? [] }
    }

    static func itemItemScorer(_ model: ItemItemModel, indexOf: [String: Int], threshold: Double) -> EvaluationScorer {
        { _, history in model.scores(history: history.filter { $0.value >= threshold }.compactMap { indexOf[$0.item] }) }
    }

    /// Rows by (timestamp, integer item id), the splits' order.
    static func chronological(_ rows: [SplitRow], indexOf: [String: Int]) -> [SplitRow] {
        rows.sorted { ($0.timestamp, indexOf[$0.item] ?? 0) < ($1.timestamp, indexOf[$1.item] ?? 0) }
    }
}

/// A value behind a lock, for scorers that carry state (the random generator).
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
