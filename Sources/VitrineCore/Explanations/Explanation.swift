// Why an item was recommended: which history items pulled it up (and by how much), how
// much of its score came from the picture versus the description, and which mechanism
// put it there.

/// The mechanism that put an item in the list.
public enum ReasonKind: String, Sendable, Codable, CaseIterable {
    /// Similar to items in the user's history ("because you liked X").
    case history
    /// Matches the free-text onboarding query.
    case onboardingText
    /// Similar to one given item ("more like this").
    case similarItem
    /// Popular overall or recently (no usable history).
    case popularity
    /// Chosen by the diversity re-ranker from beyond the relevance top-`limit`.
    case exploration
}

/// One history item's part in a recommendation.
public struct Contributor: Sendable, Equatable, Codable {
    /// History (or seed) item id.
    public let item: String
    /// Its share of the positive evidence for the recommendation, in (0, 1].
    public let share: Double

    /// Creates a contributor.
    public init(item: String, share: Double) {
        self.item = item
        self.share = share
    }
}

/// The explanation attached to every recommendation.
public struct Explanation: Sendable, Equatable, Codable {
    /// The mechanism behind the recommendation.
    public let reason: ReasonKind
    /// Up to three history/seed items that contributed most, largest share first.
    public let contributors: [Contributor]
    /// Raw image-half part of the fused score (`imageContribution + textContribution` = score).
    public let imageContribution: Float
    /// Raw text-half part of the fused score.
    public let textContribution: Float
    /// Halves of the recommended item's vector that were imputed rather than encoded.
    public let imputedModalities: [Modality]

    /// Creates an explanation.
    public init(reason: ReasonKind, contributors: [Contributor] = [], imageContribution: Float = 0,
                textContribution: Float = 0, imputedModalities: [Modality] = []) {
        self.reason = reason
        self.contributors = contributors
        self.imageContribution = imageContribution
        self.textContribution = textContribution
        self.imputedModalities = imputedModalities
    }

    /// Share of the positive evidence from the picture, in [0, 1]; `imageShare + textShare` is 1
    /// whenever either part is positive (a negative part argued against and counts 0).
    public var imageShare: Double {
        let image = Double(max(imageContribution, 0)), text = Double(max(textContribution, 0))
        return image + text > 0 ? image / (image + text) : 0
    }

    /// Share of the positive evidence from the description, in [0, 1].
    public var textShare: Double {
        let image = Double(max(imageContribution, 0)), text = Double(max(textContribution, 0))
        return image + text > 0 ? text / (image + text) : 0
    }

    /// A one-line human reason, e.g. "because you liked Trail Boots (62%) · 70% picture, 30% description".
    /// - Parameter title: display title of an item id (nil falls back to the id).
    public func summary(title: (String) -> String? = { _ in nil }) -> String {
        let names = contributors.map { title($0.item) ?? $0.item }
        var text: String
        switch reason {
        case .history: text = names.isEmpty ? "based on your history" : "because you liked " + names.joined(separator: ", ")
        case .onboardingText: text = "matches what you described"
        case .similarItem: text = names.isEmpty ? "similar item" : "similar to " + names.joined(separator: ", ")
        case .popularity: text = "popular right now"
        case .exploration: text = "something different" + (names.isEmpty ? "" : ", near " + names.joined(separator: ", "))
        }
        if imageContribution != 0 || textContribution != 0 {
            text += " · \(Int((imageShare * 100).rounded()))% picture, \(Int((textShare * 100).rounded()))% description"
        }
        if !imputedModalities.isEmpty {
            text += " (\(imputedModalities.map(\.rawValue).joined(separator: "/")) inferred)"
        }
        return text
    }

    /// Top contributors from raw per-item contributions: positive ones only, shares of their
    /// sum, largest first (ties by id), at most `limit`.
    public static func topContributors(_ contributions: [(item: String, value: Double)], limit: Int = 3) -> [Contributor] {
        let positive = contributions.filter { $0.value > 0 }
        let total = positive.reduce(0) { $0 + $1.value }
        guard total > 0 else { return [] }
        return positive.sorted { $0.value != $1.value ? $0.value > $1.value : $0.item < $1.item }
            .prefix(limit).map { Contributor(item: $0.item, share: $0.value / total) }
    }
}
