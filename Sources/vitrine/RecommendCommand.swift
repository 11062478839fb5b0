import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// `vitrine recommend USER`: a user's list from the stored history (or cold start).
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommend items for a user from their stored events; new users get popular, diverse items.")

    @Argument(help: "User id (unknown users get the cold-start list).") var user: String
    @Option(help: "Number of results.") var limit: Int = 10
    @Option(help: "MMR diversity in [0, 1] (0 = pure relevance).") var diversity: Float = 0
    @Option(help: "Only items with this tag (repeatable).") var tag: [String] = []
    @Option(help: "Only items in this category (repeatable).") var category: [String] = []
    @Option(help: "New user's description of what they like.") var onboarding: String?
    @Option(help: "An item the new user likes (repeatable).") var liked: [String] = []
    @Flag(help: "Include items the user already interacted with.") var includeSeen = false
    @Flag(help: "Ignore a trained model (content similarity only).") var contentOnly = false
    @Flag(help: "Print why each item is recommended.") var explain = false
    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    func run() throws {
        let core = RecommendationOptions(limit: limit, excludeSeen: !includeSeen,
                                         filter: IndexFilter(anyOfTags: Set(tag), categories: Set(category)), diversity: diversity)
        let options = UserRecommendationOptions(recommendation: core, onboardingText: onboarding, likedItems: liked,
                                                usesTrainedModel: !contentOnly)
        let list = try failing { try store.openCatalog().recommendations(for: user, options: options) }
        if output.json {
            try Output.printJSON(RecommendationListOutput(list))
            return
        }
        print("\(list.user): \(list.method.rawValue) (\(list.historyCount) events\(list.modelRevision.map { ", model r\($0)" } ?? ""))")
        let idWidth = list.items.map(\.item.id.count).max() ?? 0
        for (rank, r) in list.items.enumerated() {
            let padded = r.item.id.padding(toLength: idWidth, withPad: " ", startingAt: 0)
            print("\(String(format: "%2d", rank + 1)). \(padded)  \(String(format: "%.3f", Double(r.score)))  \(r.item.title)")
            if explain { print("      \(r.summary)") }
        }
    }
}

/// `recommend --json`: the shape of the server's `GET /users/{id}/recommendations` (RecommendationListJSON
/// in VitrineServer), with every result explained (the server only on `explain=true`), the item without
/// its picture URL, and the history count and model revision the table prints.
struct RecommendationListOutput: Encodable {
    /// An item as the server's ItemJSON has it, less the served picture's URL.
    struct Item: Encodable {
        let id: String
        let title: String
        let description: String
        let tags: [String]
        let category: String?
        let hasImage: Bool
        let hasText: Bool
    }

    /// Why an item is recommended, as the server's ExplanationJSON.
    struct Explanation: Encodable {
        struct Contributor: Encodable {
            let id: String
            let title: String
            let share: Double
        }
        let reason: String
        let summary: String
        let contributors: [Contributor]
        let imageShare: Double
        let textShare: Double
        /// Halves of the item's vector that were imputed rather than encoded.
        let inferred: [String]
    }

    struct Result: Encodable {
        let item: Item
        let score: Float
        let explanation: Explanation
        /// Near duplicates folded into this result.
        let duplicates: [String]
    }

    let user: String
    /// How the list was made: `content`, `trained-model`, `onboarding` or `popularity`.
    let method: String
    /// True when the user had no usable history (the popularity list).
    let coldStart: Bool
    let historyCount: Int
    /// Revision of the trained model used; absent unless `method` is `trained-model`.
    let modelRevision: Int?
    let results: [Result]

    init(_ list: UserRecommendations) {
        user = list.user
        method = list.method.rawValue
        coldStart = list.method == .popularity
        historyCount = list.historyCount
        modelRevision = list.modelRevision
        results = list.items.map { recommendation in
            let item = recommendation.item, explanation = recommendation.explanation
            return Result(
                item: Item(id: item.id, title: item.title, description: item.description, tags: item.tags, category: item.category,
                           hasImage: item.hasImage, hasText: item.hasText),
                score: recommendation.score,
                explanation: Explanation(
                    reason: explanation.reason.rawValue, summary: recommendation.summary,
                    contributors: recommendation.contributors.map { Explanation.Contributor(id: $0.item, title: $0.title, share: $0.share) },
                    imageShare: explanation.imageShare, textShare: explanation.textShare,
                    inferred: explanation.imputedModalities.map(\.rawValue)),
                duplicates: recommendation.duplicates)
        }
    }
}
