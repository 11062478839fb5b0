import Foundation
import VitrineCore

/// Options of `Catalog.recommendations(for:options:)`; the CLI flags and HTTP parameters map onto these.
public struct UserRecommendationOptions: Sendable {
    /// List length, exclusions, tag/category filter, MMR diversity, near-duplicate folding.
    public var recommendation: RecommendationOptions
    /// Event strengths, recency decay, negative weight and multi-interest settings of the profile.
    public var profile: ProfileOptions
    /// Free text a new user gave at sign-up ("minimalist oak furniture"); used when the history has no taste.
    public var onboardingText: String?
    /// Items a new user picked as liked; used (with `onboardingText`) when the history has no taste.
    public var likedItems: [String]
    /// Rank with the trained two-tower model when one is saved in the store (default true).
    public var usesTrainedModel: Bool
    /// Popularity for cold start: recent window in seconds (default 7 days).
    public var recentWindowSeconds: Double
    /// Popularity for cold start: 0 = all-time counts, 1 = recent counts only (default 0.5).
    public var recentBlend: Double

    /// Creates options with the documented defaults.
    public init(recommendation: RecommendationOptions = RecommendationOptions(), profile: ProfileOptions = ProfileOptions(),
                onboardingText: String? = nil, likedItems: [String] = [], usesTrainedModel: Bool = true,
                recentWindowSeconds: Double = 7 * 24 * 3600, recentBlend: Double = 0.5) {
        self.recommendation = recommendation
        self.profile = profile
        self.onboardingText = onboardingText
        self.likedItems = likedItems
        self.usesTrainedModel = usesTrainedModel
        self.recentWindowSeconds = recentWindowSeconds
        self.recentBlend = recentBlend
    }
}

/// How a list was made.
public enum RecommendationMethod: String, Sendable, Codable, CaseIterable {
    /// Cosine of the user's content profile (interests) with item vectors (untrained path).
    case content
    /// Scores of the trained two-tower model; explanations still from content.
    case trainedModel = "trained-model"
    /// Onboarding text and/or liked items of a new user.
    case onboarding
    /// Cold start: popularity (global + recent) re-ranked for diversity.
    case popularity
}

/// A history item that contributed to a recommendation, with its title for display.
public struct RecommendationContributor: Sendable, Equatable, Codable {
    /// The history item's id.
    public var item: String
    /// Its title (empty when the item has since been removed).
    public var title: String
    /// Its share of the contribution (shares of one result sum to ≤ 1).
    public var share: Double
}

/// One recommended item, with the item itself and an explanation.
public struct UserRecommendation: Sendable, Equatable {
    /// The item.
    public var item: CatalogItem
    /// Relevance (cosine-like for content and trained model; popularity in [0, 1] for cold start).
    public var score: Float
    /// Why it is here: reason, contributors and image/text contribution.
    public var explanation: Explanation
    /// Contributing history items with titles ("because you liked X").
    public var contributors: [RecommendationContributor]
    /// Near-duplicate ids folded into this result.
    public var duplicates: [String]

    /// A one-line human explanation, e.g. "because you liked Oak Chair (text 70%, image 30%)".
    public var summary: String {
        explanation.summary { id in contributors.first { $0.item == id }?.title }
    }
}

/// A user's list and how it was made.
public struct UserRecommendations: Sendable, Equatable {
    /// The user asked about.
    public var user: String
    /// Which path produced the list.
    public var method: RecommendationMethod
    /// Events in the user's stored history.
    public var historyCount: Int
    /// Revision of the trained model used (nil unless `method == .trainedModel`).
    public var modelRevision: Int?
    /// The recommendations, best first.
    public var items: [UserRecommendation]
}
