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
    @OptionGroup var fusion: ImageWeightOption
    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    func run() throws {
        let core = RecommendationOptions(limit: limit, excludeSeen: !includeSeen,
                                         filter: IndexFilter(anyOfTags: Set(tag), categories: Set(category)), diversity: diversity)
        let options = UserRecommendationOptions(recommendation: core, onboardingText: onboarding, likedItems: liked,
                                                usesTrainedModel: !contentOnly)
        let list = try failing { try store.openCatalog(options: fusion.catalogOptions).recommendations(for: user, options: options) }
        if output.json {
            try Output.printJSON(RecommendationListJSON(list, explained: true))
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
