import Foundation
import VitrineCatalog
import VitrineCore

/// An item as the API returns it.
struct ItemJSON: Codable, Equatable {
    var id: String
    var title: String
    var description: String
    var tags: [String]
    var category: String?
    var hasImage: Bool
    var hasText: Bool
    /// Where the picture is served; absent when the item has none.
    var imageURL: String?

    init(_ item: CatalogItem) {
        id = item.id
        title = item.title
        description = item.description
        tags = item.tags
        category = item.category
        hasImage = item.hasImage
        hasText = item.hasText
        imageURL = item.hasImage ? "/items/\(Self.pathComponent(item.id))/image" : nil
    }

    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }
}

/// `GET /items`.
struct ItemPageJSON: Codable {
    var items: [ItemJSON]
    var offset: Int
    var limit: Int
    var total: Int
}

/// One similar-item or search result.
struct HitJSON: Codable {
    var item: ItemJSON
    var score: Float
    /// Near duplicates folded into this hit.
    var duplicates: [String]
}

/// `GET /items/{id}/similar` and `POST /search`.
struct HitListJSON: Codable {
    var modality: String
    var results: [HitJSON]
}

/// Why an item is recommended.
struct ExplanationJSON: Codable {
    struct ContributorJSON: Codable {
        var id: String
        var title: String
        var share: Double
    }
    var reason: String
    var summary: String
    var contributors: [ContributorJSON]
    var imageShare: Double
    var textShare: Double
    var inferred: [String]
}

/// One recommendation.
struct RecommendationJSON: Codable {
    var item: ItemJSON
    var score: Float
    var explanation: ExplanationJSON?
}

/// `GET /users/{id}/recommendations`.
struct RecommendationListJSON: Codable {
    var user: String
    /// How the list was made: `content`, `trained-model`, `onboarding` or `popularity`.
    var method: String
    /// True when the user had no usable history (the popularity list).
    var coldStart: Bool
    var results: [RecommendationJSON]
}

/// One event in `POST /users/{id}/events`.
struct EventJSON: Codable {
    var item: String
    var kind: String
    var value: Double?
    /// ISO 8601; default now.
    var timestamp: String?
}

/// The batch form of `POST /users/{id}/events`.
struct EventBatchJSON: Codable {
    var events: [EventJSON]
}

/// `POST /search` with a JSON body.
struct TextSearchJSON: Codable {
    var text: String
    var k: Int?
    var space: String?
    var tag: String?
}

/// `GET /users`: ids of users with recorded events.
struct UserListJSON: Codable {
    var users: [String]
    var total: Int
}
