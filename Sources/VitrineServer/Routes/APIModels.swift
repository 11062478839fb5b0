import Foundation
import VitrineCatalog
import VitrineCore

extension ItemJSON {
    /// The JSON of `item` with the URL the server serves its picture at.
    init(served item: CatalogItem) { self.init(item, imageURL: "/items/\(Self.pathComponent(item.id))/image") }

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
