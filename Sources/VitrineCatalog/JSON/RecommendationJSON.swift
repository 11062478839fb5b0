import Foundation

// The JSON form of items and recommendations: one shape for `GET /users/{id}/recommendations`,
// `GET /items/{id}` and `vitrine recommend --json`, so the server and the CLI cannot drift apart.

/// An item as JSON: its fields, which vectors it has, and (from the server) where its picture is served.
public struct ItemJSON: Codable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var description: String
    public var tags: [String]
    public var category: String?
    public var hasImage: Bool
    public var hasText: Bool
    /// Where the picture is served; absent when the item has none or nothing serves it (the CLI).
    public var imageURL: String?

    /// The JSON of `item`, with the URL its picture is served at.
    public init(_ item: CatalogItem, imageURL: String? = nil) {
        id = item.id
        title = item.title
        description = item.description
        tags = item.tags
        category = item.category
        hasImage = item.hasImage
        hasText = item.hasText
        self.imageURL = item.hasImage ? imageURL : nil
    }
}

/// Why an item is recommended, as JSON.
public struct ExplanationJSON: Codable, Equatable, Sendable {
    /// A history item that pulled the recommendation up.
    public struct ContributorJSON: Codable, Equatable, Sendable {
        public var id: String
        public var title: String
        public var share: Double
    }
    /// `history`, `onboardingText`, `similarItem`, `popularity` or `exploration`.
    public var reason: String
    /// The one-line human reason.
    public var summary: String
    public var contributors: [ContributorJSON]
    public var imageShare: Double
    public var textShare: Double
    /// Halves of the item's vector that were imputed rather than encoded.
    public var inferred: [String]

    /// The explanation of one recommendation.
    public init(_ recommendation: UserRecommendation) {
        let explanation = recommendation.explanation
        reason = explanation.reason.rawValue
        summary = recommendation.summary
        contributors = recommendation.contributors.map { ContributorJSON(id: $0.item, title: $0.title, share: $0.share) }
        imageShare = explanation.imageShare
        textShare = explanation.textShare
        inferred = explanation.imputedModalities.map(\.rawValue)
    }
}

/// One recommendation as JSON.
public struct RecommendationJSON: Codable, Equatable, Sendable {
    public var item: ItemJSON
    public var score: Float
    /// Present when explanations were asked for.
    public var explanation: ExplanationJSON?
    /// Near duplicates folded into this result.
    public var duplicates: [String]
}

/// A user's recommendation list as JSON.
public struct RecommendationListJSON: Codable, Equatable, Sendable {
    public var user: String
    /// How the list was made: `content`, `trained-model`, `onboarding` or `popularity`.
    public var method: String
    /// True when the user had no usable history (the popularity list).
    public var coldStart: Bool
    /// Events in the user's stored history.
    public var historyCount: Int
    /// Revision of the trained model used; absent unless `method` is `trained-model`.
    public var modelRevision: Int?
    public var results: [RecommendationJSON]

    /// The JSON of `list`; `explained` adds each result's explanation, `imageURL` says where an item's picture is served.
    public init(_ list: UserRecommendations, explained: Bool, imageURL: (CatalogItem) -> String? = { _ in nil }) {
        user = list.user
        method = list.method.rawValue
        coldStart = list.method == .popularity
        historyCount = list.historyCount
        modelRevision = list.modelRevision
        results = list.items.map { recommendation in
            RecommendationJSON(item: ItemJSON(recommendation.item, imageURL: imageURL(recommendation.item)), score: recommendation.score,
                               explanation: explained ? ExplanationJSON(recommendation) : nil, duplicates: recommendation.duplicates)
        }
    }
}
