import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

private let day = Date(timeIntervalSince1970: 1_767_225_600)

private func likes(_ user: String, _ items: [String]) -> [Interaction] {
    items.enumerated().map { Interaction(user: user, item: $1, kind: .like, timestamp: day.addingTimeInterval(Double($0))) }
}

@Test func unknownUserGetsPopularItemsWithDiversity() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    try catalog.record(events: likes("a", ["lamp", "chair"]) + likes("b", ["lamp", "table"]) + likes("c", ["lamp"]))
    let list = try catalog.recommendations(for: "stranger", options: UserRecommendationOptions(
        recommendation: RecommendationOptions(limit: 3)))
    #expect(list.method == .popularity)
    #expect(list.items.first?.item.id == "lamp")
    #expect(list.items.count == 3)
    #expect(list.items.allSatisfy { $0.explanation.reason == .popularity || $0.explanation.reason == .exploration })
}

@Test func onboardingTextMakesTheFirstListPersonal() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    try catalog.record(events: likes("a", ["lamp"]))
    let list = try catalog.recommendations(for: "newcomer", options: UserRecommendationOptions(
        recommendation: RecommendationOptions(limit: 3), onboardingText: "an oak wood table"))
    #expect(list.method == .onboarding)
    #expect(Set(list.items.map(\.item.id)) == ["table", "chair", "desk"])
}

@Test func oneLikedItemMakesTheFirstListPersonal() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    let list = try catalog.recommendations(for: "newcomer", options: UserRecommendationOptions(
        recommendation: RecommendationOptions(limit: 2), likedItems: ["sweater-red"]))
    #expect(list.method == .onboarding)
    #expect(!list.items.map(\.item.id).contains("sweater-red"))
    #expect(Set(list.items.map(\.item.id)).isSubset(of: ["sweater-blue", "scarf"]))
}

@Test func historyExplanationsNameContributingItemsWithTitles() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    try catalog.record(events: likes("dana", ["sweater-red", "scarf"]))
    let list = try catalog.recommendations(for: "dana", options: UserRecommendationOptions(
        recommendation: RecommendationOptions(limit: 2)))
    #expect(list.method == .content)
    let top = try #require(list.items.first)
    #expect(top.item.id == "sweater-blue")
    #expect(top.contributors.contains { $0.item == "sweater-red" && $0.title == "Red wool sweater knit" })
    #expect(top.explanation.textShare > 0.5)
    #expect(top.summary.contains("because you liked"))
    let furniture = try catalog.recommendations(for: "dana", options: UserRecommendationOptions(
        recommendation: RecommendationOptions(limit: 5, filter: IndexFilter(anyOfTags: ["furniture"]))))
    #expect(furniture.items.allSatisfy { $0.item.tags == ["furniture"] })
}

@Test func newItemIsRecommendableWithoutRetraining() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    try catalog.record(events: likes("erin", ["chair", "table"]))
    let before = try catalog.recommendations(for: "erin", options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: 2)))
    #expect(!before.items.map(\.item.id).contains("bench"))
    try catalog.addItem(NewItem(Item(id: "bench", title: "Oak bench", description: "Oak wood chair table bench")))
    let after = try catalog.recommendations(for: "erin", options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: 2)))
    #expect(after.items.first?.item.id == "bench")
}

@Test func trainedModelIsUsedWhenPresentAndContentOtherwise() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    var events: [Interaction] = []
    for user in 0..<12 {
        events += likes("wool\(user)", user % 2 == 0 ? ["sweater-red", "sweater-blue", "scarf"] : ["scarf", "sweater-blue", "sweater-red"])
        events += likes("wood\(user)", user % 2 == 0 ? ["chair", "table", "desk"] : ["desk", "chair", "table"])
    }
    try catalog.record(events: events + likes("frank", ["sweater-red"]))
    #expect(try catalog.recommendations(for: "frank").method == .content)
    var training = TrainingConfiguration()
    training.maxEpochs = 3
    training.batchSize = 16
    training.validationUserFraction = 0
    let result = try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8))
    #expect(result.report.epochs.count == 3)
    let trained = try catalog.recommendations(for: "frank", options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: 3)))
    #expect(trained.method == .trainedModel)
    #expect(trained.modelRevision == result.revision)
    #expect(trained.items.count == 3 && !trained.items.map(\.item.id).contains("sweater-red"))
    #expect(trained.items.first?.contributors.first?.item == "sweater-red")
    // A new item after training is still eligible: the item tower embeds it from content.
    try catalog.addItem(NewItem(Item(id: "mitten", title: "Wool mitten", description: "wool knit")))
    let withNew = try catalog.recommendations(for: "frank", options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: 20)))
    #expect(withNew.items.map(\.item.id).contains("mitten"))
    let fallback = try catalog.recommendations(for: "frank", options: UserRecommendationOptions(usesTrainedModel: false))
    #expect(fallback.method == .content)
}
