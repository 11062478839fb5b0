import Foundation

// A trained model scores items from what it knows of the user. With three interactions it knows
// little, and on MovieLens-100K's cold-user protocol plain popularity ranked better than the
// model (NDCG@10 0.351 vs 0.264, benchmarks/movielens/RESULTS.md). Training with the logQ
// correction takes much of popularity out of the scores on purpose (it is what sampled softmax
// over-counts); this prior puts some back, strongly for a short history and fading as it grows:
//
//     logit(item) = cosine / τ + β(n) · log(1 + positives(item)),   β(n) = β₀ · h / (h + n)
//
// (scores stay in cosine units: `blended` returns the logit times τ, which ranks the same).
// n = history items the user tower pooled, τ = the training temperature (so β is in logit units),
// h = the history length at which the prior's weight has halved. β₀ = 0 is the plain model.
// β₀ and h are fitted on validation data only (`fitted(from:metric:)`), never on test rows.

/// Popularity blended into a trained model's scores while a user's history is short.
public struct PopularityPrior: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// Weight β₀ of log(1 + positives) in logit units for a user with an empty history (≥ 0; 0: off).
    public var weight: Float
    /// History length h at which the weight has fallen to half of `weight` (> 0).
    public var halfLength: Float

    /// A prior; `weight` 0 leaves the model's ranking unchanged.
    public init(weight: Float, halfLength: Float = 10) {
        self.weight = weight
        self.halfLength = halfLength
    }

    /// No popularity blended in.
    public static let off = PopularityPrior(weight: 0)

    /// True when the prior changes nothing.
    public var isOff: Bool { weight == 0 }

    /// The candidates `fitted` tries: off, and every weight × half-length pair of a small grid.
    public static let grid: [PopularityPrior] =
        [.off] + [0.25, 0.5, 1, 2, 4, 8, 16].flatMap { weight in [3, 10, 30].map { PopularityPrior(weight: weight, halfLength: $0) } }

    /// β(n): the prior's weight for a history of `historyLength` pooled items.
    public func weight(historyLength: Int) -> Float {
        weight * halfLength / (halfLength + Float(max(historyLength, 0)))
    }

    /// log(1 + count) of each item's positive count, the prior's popularity term.
    public static func logPopularity(_ counts: [Double]) -> [Float] { counts.map(logPopularity(count:)) }

    /// log(1 + count), the prior's popularity term of one item.
    public static func logPopularity(count: Double) -> Float { Float(log1p(max(count, 0))) }

    /// `cosines` (the model's scores) with the prior added for a user who pooled `historyLength` items,
    /// in cosine units (the logits times τ, so an untouched score stays a cosine):
    /// `cosine + τ · β(n) · log(1 + positives)`.
    /// - Parameter logPopularity: `logPopularity(_:)` of the candidates, in the same order as `cosines`.
    public func blended(cosines: [Float], logPopularity: [Float], historyLength: Int, temperature: Float) -> [Float] {
        let step = temperature * weight(historyLength: historyLength)
        guard step != 0 else { return cosines }
        return zip(cosines, logPopularity).map { $0 + step * $1 }
    }

    /// The candidate of `grid` with the best `metric` (measured on validation data), the weaker prior
    /// on ties (smaller weight, then shorter half-length), plus the metric of every candidate.
    public static func fitted(from grid: [PopularityPrior] = grid,
                              metric: (PopularityPrior) throws -> Double) rethrows -> (best: PopularityPrior, metrics: [PopularityPrior: Double]) {
        var metrics: [PopularityPrior: Double] = [:]
        var best = PopularityPrior.off
        var bestMetric = -Double.infinity
        for candidate in grid.sorted(by: { ($0.weight, $0.halfLength) < ($1.weight, $1.halfLength) }) {
            let value = try metric(candidate)
            metrics[candidate] = value
            if value > bestMetric { best = candidate; bestMetric = value }
        }
        return (best, metrics)
    }

    /// `β₀ = 0.5, h = 10`, or `off`.
    public var description: String {
        isOff ? "off" : "β₀ = \(weight.formatted()), h = \(halfLength.formatted())"
    }
}

extension TwoTowerModel {
    /// Fits a popularity prior on held-out validation cases (the trainer's `TrainingSplit`): the grid
    /// prior with the best mean Recall@`k`, each case ranked twice — from its whole context and from
    /// its first `shortContextLength` events, the short history the prior exists for.
    /// - Parameters:
    ///   - positiveCounts: training positives per catalog item (the prior's popularity), catalog order.
    ///   - temperature: the training temperature (β is in logit units).
    public func fittedPopularityPrior(cases: [TrainingValidationCase], items: [TwoTowerItemFeatures], positiveCounts: [Double],
                                      temperature: Float, k: Int = 10, shortContextLength: Int = 3,
                                      grid: [PopularityPrior] = PopularityPrior.grid) throws
        -> (best: PopularityPrior, recall: [PopularityPrior: Double]) {
        guard !cases.isEmpty else { return (.off, [:]) }
        guard positiveCounts.count == items.count else {
            throw TwoTowerModelError.shapeMismatch(argument: "positiveCounts", expected: [items.count], found: [positiveCounts.count])
        }
        let rankings = try validationRankings(cases: cases, items: items, shortContextLength: shortContextLength)
        let logPopularity = PopularityPrior.logPopularity(positiveCounts)
        let fitted = PopularityPrior.fitted(from: grid) { prior in
            Self.meanRecall(rankings, k: k) { index in
                prior.blended(cosines: rankings[index].cosines, logPopularity: logPopularity,
                              historyLength: rankings[index].context.count, temperature: temperature)
            }
        }
        return (fitted.best, fitted.metrics)
    }
}

/// One validation ranking: the model's cosines over the catalog from a context, and what was held out.
struct ValidationRanking {
    let cosines: [Float]
    let context: [TwoTowerInteraction]
    /// Held-out items not already in `context`.
    let heldOut: [Int]
}

extension TwoTowerModel {
    /// The model's rankings of `cases` (each from its whole context and, when shorter, from its first
    /// `shortContextLength` events; nil: only the whole context). Cosines are computed once here so
    /// that fitting a blend only re-runs the cheap part per candidate.
    func validationRankings(cases: [TrainingValidationCase], items: [TwoTowerItemFeatures],
                            shortContextLength: Int?) throws -> [ValidationRanking] {
        try TwoTowerTrainer.validate(histories: cases.map { $0.context + $0.heldOut.map { TwoTowerInteraction(item: $0) } },
                                     itemCount: items.count)
        let ids: [Int?] = items.indices.map { $0 < configuration.itemIDCount ? $0 : nil }
        let catalog = try itemEmbeddings(features: items, ids: ids)
        var rankings: [ValidationRanking] = []
        for validationCase in cases {
            let lengths = Set([validationCase.context.count, min(shortContextLength ?? .max, validationCase.context.count)])
            for context in lengths.sorted() {
                let events = Array(validationCase.context.prefix(context))
                let user = try userEmbedding(historyEmbeddings: catalog.gatheringRows(events.map(\.item)), strengths: events.map(\.strength))
                let seen = Set(events.map(\.item))
                rankings.append(ValidationRanking(cosines: try scores(user: user, itemEmbeddings: catalog), context: events,
                                                  heldOut: validationCase.heldOut.filter { !seen.contains($0) }))
            }
        }
        return rankings
    }

    /// Mean Recall@`k` of `rankings` re-scored by `scores` (given a ranking's index; context items
    /// excluded), over those with held-out items.
    static func meanRecall(_ rankings: [ValidationRanking], k: Int, scores: (Int) -> [Float]) -> Double {
        var total = 0.0
        var counted = 0
        for (index, ranking) in rankings.enumerated() where !ranking.heldOut.isEmpty {
            var blended = scores(index)
            for event in ranking.context { blended[event.item] = -.infinity }
            let top = Set(topIndices(blended, k: k))
            total += Double(ranking.heldOut.filter { top.contains($0) }.count) / Double(ranking.heldOut.count)
            counted += 1
        }
        return counted > 0 ? total / Double(counted) : 0
    }
}
