import VitrineTensor

// A user's taste as query vectors, built from their history. The main vector is the
// weighted mean of the fused vectors of the items they touched (dislikes and low ratings
// carry negative weight and push it away). Multi-interest: the positive history is also
// clustered into up to `maxInterests` groups, one query vector each, so a user who likes
// both hiking boots and jazz records gets both in their list instead of only the
// dominant taste.

import Foundation

/// How profiles are built from history.
public struct ProfileOptions: Sendable, Hashable, Codable {
    /// Per-kind event strengths.
    public var strengths: EventStrengths
    /// Recency forgetting.
    public var decay: RecencyDecay
    /// "Now" for recency decay; nil = the user's latest event.
    public var referenceDate: Date?
    /// Multiplier on negative evidence (0 ignores dislikes).
    public var negativeWeight: Double
    /// Most interests per user (1 disables multi-interest).
    public var maxInterests: Int
    /// Fewest positive items an interest must hold.
    public var minItemsPerInterest: Int
    /// Interests whose centroids have cosine ≥ this are too alike to keep apart.
    public var interestSeparationThreshold: Float

    /// Creates options with defaults: no decay, negatives at full weight, ≤ 3 interests of ≥ 2 items, separation 0.8.
    public init(strengths: EventStrengths = EventStrengths(), decay: RecencyDecay = RecencyDecay(),
                referenceDate: Date? = nil, negativeWeight: Double = 1, maxInterests: Int = 3,
                minItemsPerInterest: Int = 2, interestSeparationThreshold: Float = 0.8) {
        self.strengths = strengths
        self.decay = decay
        self.referenceDate = referenceDate
        self.negativeWeight = negativeWeight
        self.maxInterests = maxInterests
        self.minItemsPerInterest = minItemsPerInterest
        self.interestSeparationThreshold = interestSeparationThreshold
    }
}

/// The net, decayed weight of one history item.
public struct ItemWeight: Sendable, Hashable, Codable {
    /// Item id.
    public let item: String
    /// Signed weight (negative = disliked).
    public let weight: Double

    /// Creates a weight.
    public init(item: String, weight: Double) {
        self.item = item
        self.weight = weight
    }
}

/// One cluster of a user's positive history with its own query vector.
public struct Interest: Sendable, Equatable {
    /// Unit query vector of this interest (negatives applied).
    public let vector: [Float]
    /// Positive history items in this interest, heaviest first.
    public let members: [ItemWeight]
    /// This interest's share of the user's total positive weight (interests sum to 1).
    public let share: Double
}

/// A user's taste, ready to query an index.
public struct UserProfile: Sendable {
    /// User id.
    public let user: String
    /// Net weight of every history item with a known vector, heaviest first.
    public let itemWeights: [ItemWeight]
    /// The items of `itemWeights` with positive weight in time order of their newest event, oldest
    /// first (ties by id): what a sequence-aware model reads.
    public let positivesByRecency: [String]
    /// Every item the user interacted with (known vector or not).
    public let seenItems: Set<String>
    /// Unit weighted-mean query vector, or nil when no positive history has a vector.
    public let vector: [Float]?
    /// Interests (one when the history does not split); empty when `vector` is nil.
    public let interests: [Interest]

    /// True when the profile can drive a personal recommendation.
    public var hasTaste: Bool { vector != nil }

    /// Builds a profile from a user's history.
    /// - Parameters:
    ///   - history: the user's events (events of other users are ignored).
    ///   - vectorOf: the item's vector (e.g. `index.vector(for:)`); items without one are skipped.
    public init(user: String, history: [Interaction], options: ProfileOptions = ProfileOptions(),
                vectorOf: (String) -> [Float]?) {
        self.user = user
        let own = history.filter { $0.user == user }
        seenItems = Set(own.map(\.item))
        let now = options.referenceDate ?? own.map(\.timestamp).max() ?? Date(timeIntervalSince1970: 0)
        var net: [String: Double] = [:]
        for event in own {
            net[event.item, default: 0] += options.strengths.strength(of: event) * options.decay.factor(for: event.timestamp, now: now)
        }
        var vectors: [String: [Float]] = [:]
        for item in net.keys { if let v = vectorOf(item) { vectors[item] = v } }
        itemWeights = net.filter { vectors[$0.key] != nil && $0.value != 0 }
            .map { ItemWeight(item: $0.key, weight: $0.value) }
            .sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.item < $1.item }
        var newest: [String: Date] = [:]
        for event in own { newest[event.item] = max(newest[event.item] ?? event.timestamp, event.timestamp) }
        positivesByRecency = itemWeights.filter { $0.weight > 0 }.map(\.item).sorted {
            let (a, b) = (newest[$0] ?? .distantPast, newest[$1] ?? .distantPast)
            return a != b ? a < b : $0 < $1
        }

        let positives = itemWeights.filter { $0.weight > 0 }
        let negatives = itemWeights.filter { $0.weight < 0 }
        guard let dimension = positives.first.flatMap({ vectors[$0.item]?.count }) else {
            vector = nil
            interests = []
            return
        }
        var negativeSum = [Float](repeating: 0, count: dimension)
        for n in negatives { VectorMath.addScaled(&negativeSum, vectors[n.item] ?? [], Float(n.weight * options.negativeWeight)) }
        let totalPositive = positives.reduce(0) { $0 + $1.weight }

        func queryVector(_ members: [ItemWeight]) -> [Float]? {
            var sum = [Float](repeating: 0, count: dimension)
            for m in members { VectorMath.addScaled(&sum, vectors[m.item] ?? [], Float(m.weight)) }
            let share = members.reduce(0) { $0 + $1.weight } / totalPositive
            // Each interest absorbs negatives in proportion to its share, so the pushes add up
            // to exactly the negatives of the single weighted-mean vector.
            VectorMath.addScaled(&sum, negativeSum, Float(share))
            return l2Normalized(sum)
        }

        let overall = queryVector(positives)
        vector = overall
        guard overall != nil else { interests = []; return }
        let clusters = Self.split(positives, vectors: vectors, options: options)
        interests = clusters.compactMap { members in
            queryVector(members).map { Interest(vector: $0, members: members, share: members.reduce(0) { $0 + $1.weight } / totalPositive) }
        }.sorted { $0.share > $1.share }
    }

    /// Picks the largest k ≤ maxInterests whose clusters are all big enough and mutually distinct.
    private static func split(_ positives: [ItemWeight], vectors: [String: [Float]], options: ProfileOptions) -> [[ItemWeight]] {
        let points = positives.compactMap { vectors[$0.item].flatMap(l2Normalized) }
        guard points.count == positives.count else { return [positives] }
        let weights = positives.map(\.weight)
        var best: [[ItemWeight]] = [positives]
        var k = 2
        while k <= options.maxInterests, positives.count >= k * max(1, options.minItemsPerInterest) {
            let assignment = SphericalKMeans.cluster(vectors: points, weights: weights, k: k)
            let groups = (0..<k).map { c in positives.indices.filter { assignment[$0] == c } }
            guard groups.allSatisfy({ $0.count >= max(1, options.minItemsPerInterest) }) else { break }
            let centroids = groups.map { group -> [Float] in
                var sum = [Float](repeating: 0, count: points[0].count)
                for i in group { VectorMath.addScaled(&sum, points[i], Float(weights[i])) }
                return l2Normalized(sum) ?? sum
            }
            var separated = true
            for a in 0..<k { for b in (a + 1)..<k where VectorMath.dot(centroids[a], centroids[b]) >= options.interestSeparationThreshold { separated = false } }
            guard separated else { break }
            best = groups.map { $0.map { positives[$0] } }
            k += 1
        }
        return best
    }
}
