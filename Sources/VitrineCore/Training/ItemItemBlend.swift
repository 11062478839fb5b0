import Foundation
import VitrineTensor

// On warm items a closed-form item–item model is hard to beat: on MovieLens-100K's random
// protocol EASE (Steck 2019) scored NDCG@10 0.391 against the two-tower model's 0.371
// (benchmarks/movielens/RESULTS.md). The two see different things — the towers learn from
// content and from who liked what, EASE only from which items were liked together — so the
// trained scorer adds an EASE term on top of its own logits:
//
//     logit(item) = cosine / τ + prior(item) + γ · s(item) / max |s|,   s(j) = Σ_{i ∈ history} B[i, j]
//
// (like the popularity prior, `blended` returns the logit times τ, which ranks the same). The
// per-user normalisation keeps γ in logit units whatever the history's length. B is EASE's
// weight matrix pruned to each item's `neighbours` largest weights, so the term stays small on
// a large catalog; an item nobody consumed in training adds nothing (cold items rank by content
// alone). λ and γ are fitted on validation data only, never on test rows.

/// EASE's item–item weights, pruned to each item's largest ones: what a user's history adds to each item.
public struct ItemItemTerm: Sendable, Equatable {
    /// Items the term covers (catalog indexes 0..<itemCount).
    public let itemCount: Int
    /// Weights kept per history item.
    public let neighbours: Int
    /// Row-major itemCount × neighbours: the item each kept weight of row i goes to (−1: an unused slot).
    let targets: [Int32]
    /// Row-major itemCount × neighbours: the kept weights (0 in unused slots).
    let weights: [Float]

    /// The `neighbours` weights of largest magnitude of each row of `model` (all of them when it has fewer).
    public init(_ model: ItemItemModel, neighbours: Int = 200) {
        let n = model.itemCount, keep = max(1, min(neighbours, n))
        var targets = [Int32](repeating: -1, count: n * keep)
        var weights = [Float](repeating: 0, count: n * keep)
        for i in 0..<n {
            var best = TopKHeap<(item: Int, weight: Float)>(capacity: keep) { a, b in
                let magnitudeA: Float = abs(a.weight), magnitudeB: Float = abs(b.weight)
                return magnitudeA < magnitudeB || (magnitudeA == magnitudeB && a.item > b.item)
            }
            for j in 0..<n where model.weights[i * n + j] != 0 { best.offer((j, model.weights[i * n + j])) }
            for (slot, kept) in best.sortedBestFirst().enumerated() {
                targets[i * keep + slot] = Int32(kept.item)
                weights[i * keep + slot] = kept.weight
            }
        }
        self.init(itemCount: n, neighbours: keep, targets: targets, weights: weights)
    }

    /// EASE with ridge `lambda` fitted on `histories` (catalog indexes per user), pruned to `neighbours` weights per item.
    /// - Throws: what `ItemItemModel.ease` throws (λ ≤ 0, a catalog above its size limit, a singular system).
    public static func ease(histories: [[Int]], itemCount: Int, lambda: Double,
                            neighbours: Int = ItemItemBlend.neighbours) throws -> ItemItemTerm {
        ItemItemTerm(try ItemItemModel.ease(histories: histories, itemCount: itemCount, lambda: lambda), neighbours: neighbours)
    }

    init(itemCount: Int, neighbours: Int, targets: [Int32], weights: [Float]) {
        self.itemCount = itemCount
        self.neighbours = neighbours
        self.targets = targets
        self.weights = weights
    }

    /// What `history` (catalog indexes; repeats count once, indexes outside the term ignored) adds
    /// to every item, divided by its largest magnitude: values in [−1, 1], all 0 for no signal.
    public func scores(history: [Int]) -> [Float] {
        var scores = [Float](repeating: 0, count: itemCount)
        for i in Set(history) where i >= 0 && i < itemCount {
            for slot in i * neighbours ..< (i + 1) * neighbours where targets[slot] >= 0 {
                scores[Int(targets[slot])] += weights[slot]
            }
        }
        let largest = scores.reduce(0) { max($0, abs($1)) }
        return largest > 0 ? scores.map { $0 / largest } : scores
    }
}

/// How strongly the trained scorer leans on the EASE term, and the λ its weights were fitted with.
public struct ItemItemBlend: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// γ: the term's weight in logit units (≥ 0; 0: off).
    public var weight: Float
    /// EASE's ridge λ the term was fitted with (> 0 when `weight` is).
    public var lambda: Double

    /// A blend; `weight` 0 leaves the model's ranking unchanged.
    public init(weight: Float, lambda: Double) {
        self.weight = weight
        self.lambda = lambda
    }

    /// No item–item term.
    public static let off = ItemItemBlend(weight: 0, lambda: 0)

    /// True when the blend changes nothing.
    public var isOff: Bool { weight == 0 }

    /// The γ candidates `fitted` tries for each λ (besides off); 64 is nearly EASE alone at τ = 0.1.
    public static let weights: [Float] = [0.5, 1, 2, 4, 8, 16, 32, 64]
    /// The λ candidates `fitted` tries. Smaller than EASE alone wants: beside the towers the term only
    /// has to say which neighbours matter, and on MovieLens-100K the validation best sat at 50, the edge
    /// of a first grid that began there.
    public static let lambdas: [Double] = [10, 25, 50, 200, 500, 1000]
    /// Weights kept per item in the served term.
    public static let neighbours = 200
    /// The largest catalog the term is fitted for: EASE solves a dense itemCount² system per λ.
    public static let maxItemCount = 3_000

    /// `scores` (cosine units) plus τ · γ · `itemItem` (the term's `scores(history:)` of the same candidates).
    public func blended(scores: [Float], itemItem: [Float], temperature: Float) -> [Float] {
        let step = temperature * weight
        guard step != 0 else { return scores }
        return zip(scores, itemItem).map { $0 + step * $1 }
    }

    /// The best blend by `metric` (measured on validation data) over off and every λ × γ of the grids,
    /// the weaker blend on ties (off, then smaller γ, then smaller λ), plus the metric of every candidate.
    /// - Parameters:
    ///   - term: the EASE term fitted with a given λ on the validation split's training rows.
    ///   - metric: the validation metric of the trained scorer with a blend (nil term: off).
    public static func fitted(lambdas: [Double] = lambdas, weights: [Float] = weights,
                              term: (Double) throws -> ItemItemTerm,
                              metric: (ItemItemBlend, ItemItemTerm?) throws -> Double) rethrows
        -> (best: ItemItemBlend, metrics: [ItemItemBlend: Double]) {
        var metrics: [ItemItemBlend: Double] = [.off: try metric(.off, nil)]
        var best = ItemItemBlend.off
        var bestMetric = metrics[.off] ?? 0
        for lambda in lambdas.sorted() {
            let fittedTerm = try term(lambda)
            for weight in weights.sorted() {
                let candidate = ItemItemBlend(weight: weight, lambda: lambda)
                let value = try metric(candidate, fittedTerm)
                metrics[candidate] = value
                if value > bestMetric || (value == bestMetric && (candidate.weight, candidate.lambda) < (best.weight, best.lambda)) {
                    best = candidate
                    bestMetric = value
                }
            }
        }
        return (best, metrics)
    }

    /// `γ = 8, λ = 500`, or `off`.
    public var description: String {
        isOff ? "off" : "γ = \(weight.formatted()), λ = \(lambda.formatted())"
    }
}

extension ItemItemTerm: Codable {
    private enum CodingKeys: String, CodingKey { case itemCount, neighbours, targets, weights }

    /// Targets and weights as little-endian Int32 / Float32 bytes (base64 in JSON), not number arrays.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(itemCount, forKey: .itemCount)
        try container.encode(neighbours, forKey: .neighbours)
        try container.encode(targets.withUnsafeBufferPointer { Data(buffer: $0) }, forKey: .targets)
        try container.encode(weights.withUnsafeBufferPointer { Data(buffer: $0) }, forKey: .weights)
    }

    /// Decodes what `encode(to:)` wrote; throws `DecodingError.dataCorrupted` naming the field that does not fit.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let itemCount = try container.decode(Int.self, forKey: .itemCount)
        let neighbours = try container.decode(Int.self, forKey: .neighbours)
        let targetBytes = try container.decode(Data.self, forKey: .targets)
        let weightBytes = try container.decode(Data.self, forKey: .weights)
        func corrupt(_ key: CodingKeys, _ reason: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: reason))
        }
        guard itemCount >= 1, neighbours >= 1, neighbours <= itemCount else {
            throw corrupt(.neighbours, "needs 1 ≤ neighbours ≤ itemCount, got \(neighbours) of \(itemCount)")
        }
        let (slots, overflow) = itemCount.multipliedReportingOverflow(by: neighbours)
        guard !overflow, targetBytes.count == slots * 4 else { throw corrupt(.targets, "expected \(itemCount)×\(neighbours) Int32 values") }
        guard weightBytes.count == slots * 4 else { throw corrupt(.weights, "expected \(itemCount)×\(neighbours) Float32 values") }
        let targets = targetBytes.withUnsafeBytes { raw in (0..<slots).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) } }
        let weights = weightBytes.withUnsafeBytes { raw in
            (0..<slots).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        guard targets.allSatisfy({ $0 >= -1 && $0 < itemCount }) else { throw corrupt(.targets, "an item index outside -1..<\(itemCount)") }
        guard weights.allSatisfy(\.isFinite) else { throw corrupt(.weights, "a weight that is not finite") }
        self.init(itemCount: itemCount, neighbours: neighbours, targets: targets, weights: weights)
    }
}

extension TwoTowerModel {
    /// Fits the EASE blend on held-out validation cases (the trainer's `TrainingSplit`), on top of the
    /// popularity prior already fitted: for each λ of `lambdas`, EASE on `trainingHistories` (what the
    /// model trained on, so held-out items stay unseen), then every γ; the best mean Recall@`k` over
    /// the same rankings the prior was fitted on (whole context and first `shortContextLength` events).
    /// - Parameters:
    ///   - positiveCounts: training positives per catalog item (the prior's popularity), catalog order.
    ///   - temperature: the training temperature (γ and β are in logit units).
    public func fittedItemItemBlend(cases: [TrainingValidationCase], items: [TwoTowerItemFeatures],
                                    trainingHistories: [[TwoTowerInteraction]], prior: PopularityPrior, positiveCounts: [Double],
                                    temperature: Float, k: Int = 10, shortContextLength: Int = 3,
                                    lambdas: [Double] = ItemItemBlend.lambdas, weights: [Float] = ItemItemBlend.weights) throws
        -> (best: ItemItemBlend, recall: [ItemItemBlend: Double]) {
        guard !cases.isEmpty else { return (.off, [:]) }
        guard positiveCounts.count == items.count else {
            throw TwoTowerModelError.shapeMismatch(argument: "positiveCounts", expected: [items.count], found: [positiveCounts.count])
        }
        let rankings = try validationRankings(cases: cases, items: items, shortContextLength: shortContextLength)
        let logPopularity = PopularityPrior.logPopularity(positiveCounts)
        let withPrior = rankings.map {
            prior.blended(cosines: $0.cosines, logPopularity: logPopularity, historyLength: $0.context.count, temperature: temperature)
        }
        let histories = trainingHistories.map { $0.map(\.item) }
        var termScores: [[Float]] = []
        let fitted = try ItemItemBlend.fitted(lambdas: lambdas, weights: weights, term: { lambda in
            let term = try ItemItemTerm.ease(histories: histories, itemCount: items.count, lambda: lambda)
            termScores = rankings.map { term.scores(history: $0.context.map(\.item)) }
            return term
        }, metric: { blend, term in
            Self.meanRecall(rankings, k: k) { index in
                term == nil ? withPrior[index] : blend.blended(scores: withPrior[index], itemItem: termScores[index], temperature: temperature)
            }
        })
        return (fitted.best, fitted.metrics)
    }
}
