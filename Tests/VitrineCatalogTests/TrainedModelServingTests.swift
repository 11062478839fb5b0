import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

// How a saved two-tower model is served: the history length it was trained with, and how often a
// request goes to the store for it.

private let day = Date(timeIntervalSince1970: 1_767_225_600)

private func likes(_ user: String, _ items: [String]) -> [Interaction] {
    items.enumerated().map { Interaction(user: user, item: $1, kind: .like, timestamp: day.addingTimeInterval(Double($0))) }
}

/// Wool and wood shoppers, enough to train a tiny model.
private func shoppers() -> [Interaction] {
    (0..<12).flatMap { user in
        likes("wool\(user)", ["sweater-red", "sweater-blue", "scarf"]) + likes("wood\(user)", ["chair", "table", "desk"])
    }
}

private func trainTinyModel(_ catalog: Catalog, maxHistoryLength: Int = TrainingConfiguration().maxHistoryLength) throws {
    var training = TrainingConfiguration()
    training.maxEpochs = 2
    training.batchSize = 16
    training.validationUserFraction = 0
    training.maxHistoryLength = maxHistoryLength
    try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8))
}

@Test func trainedModelPoolsTheHistoryLengthItWasTrainedWith() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    // Equal weights rank a profile's items by id, so "chair" is each user's first positive.
    try catalog.record(events: shoppers() + likes("ann", ["chair", "sweater-red"]) + likes("bob", ["chair", "lamp", "shirt"]))
    try trainTinyModel(catalog, maxHistoryLength: 1)
    let options = UserRecommendationOptions(recommendation: RecommendationOptions(limit: 8, excludeSeen: false))
    let ann = try catalog.recommendations(for: "ann", options: options)
    let bob = try catalog.recommendations(for: "bob", options: options)
    #expect(ann.method == .trainedModel && bob.method == .trainedModel)
    // Trained on one history item, the user tower sees only "chair" for both: the same ranking.
    #expect(ann.items.map(\.item.id) == bob.items.map(\.item.id))
    #expect(ann.items.map(\.score) == bob.items.map(\.score))
}

@Test func recommendationRequestsDoNotReadTheModelBlobEachTime() throws {
    let counting = CountingStore(try SQLiteStore(path: temporaryStoreURL().path))
    let catalog = try Catalog(store: counting, options: CatalogOptions(encoders: testEncoders))
    try addTestItems(catalog)
    try catalog.record(events: shoppers() + likes("frank", ["sweater-red"]))
    try trainTinyModel(catalog)
    let before = counting.blobReads
    for _ in 0..<5 { #expect(try catalog.recommendations(for: "frank").method == .trainedModel) }
    #expect(counting.blobReads - before == 1, "the model blob was read \(counting.blobReads - before) times for 5 requests")
    // A newly trained revision is picked up (read once more).
    try trainTinyModel(catalog)
    for _ in 0..<3 { #expect(try catalog.recommendations(for: "frank").method == .trainedModel) }
    #expect(counting.blobReads - before == 2)
}

/// A store that forwards everything to another and counts full trained-model reads.
private final class CountingStore: CatalogStore, @unchecked Sendable {
    private let base: any CatalogStore
    private let lock = NSLock()
    private var reads = 0
    var blobReads: Int { lock.withLock { reads } }

    init(_ base: any CatalogStore) { self.base = base }

    var location: String { base.location }
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try base.write(body) }
    func item(id: String) throws -> StoredItem? { try base.item(id: id) }
    func items(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] { try base.items(offset: offset, limit: limit, tag: tag) }
    func itemCount(tag: String?) throws -> Int { try base.itemCount(tag: tag) }
    func contentHashes() throws -> [String: String] { try base.contentHashes() }
    func vectors(for itemID: String) throws -> [StoredVector] { try base.vectors(for: itemID) }
    func vectorMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix { try base.vectorMatrix(modality: modality, modelID: modelID) }
    func currentModel(for modality: Modality) throws -> String? { try base.currentModel(for: modality) }
    func staleVectors(modality: Modality) throws -> StaleVectorReport { try base.staleVectors(modality: modality) }
    func itemsMissingVectors(modality: Modality) throws -> [String] { try base.itemsMissingVectors(modality: modality) }
    func events(for userID: String) throws -> [Interaction] { try base.events(for: userID) }
    func allEvents() throws -> [Interaction] { try base.allEvents() }
    func eventCount(for userID: String?) throws -> Int { try base.eventCount(for: userID) }
    func userIDs() throws -> [String] { try base.userIDs() }
    func latestTrainedModel(named name: String) throws -> TrainedModelBlob? {
        lock.withLock { reads += 1 }
        return try base.latestTrainedModel(named: name)
    }
    func latestTrainedModelRevision(named name: String) throws -> TrainedModelRevision? { try base.latestTrainedModelRevision(named: name) }
    func metaValue(for key: String) throws -> String? { try base.metaValue(for: key) }
    func info() throws -> StoreInfo { try base.info() }
    func integrityCheck() throws -> [String] { try base.integrityCheck() }
}

@Test func theEaseTermIsFittedOnValidationUsersAndServedWithTheModel() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    // Every shopper buys a pair that has nothing to do with content (wool sweater → oak chair, ...).
    let pairs = [("sweater-red", "chair"), ("scarf", "lamp"), ("table", "shirt"), ("desk", "sweater-blue")]
    try catalog.record(events: (0..<40).flatMap { likes("u\($0)", [pairs[$0 % 4].0, pairs[$0 % 4].1]) }
                       + pairs.enumerated().flatMap { likes("new\($0.offset)", [$0.element.0]) })
    // A model that barely moves from its random start: only the item–item term knows the pairs.
    var training = TrainingConfiguration()
    training.maxEpochs = 1
    training.batchSize = 16
    training.learningRate = 1e-7
    training.validationUserFraction = 0.5
    training.validationHoldoutFraction = 0.5
    training.recallK = 1
    let result = try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8))
    #expect(!result.itemItemBlend.isOff && result.itemItemSkipped == nil, "EASE term \(result.itemItemBlend)")
    // Each newcomer's first recommendation is the partner of what they liked (by chance alone: (1/7)⁴).
    for (user, pair) in pairs.enumerated() {
        let got = try catalog.recommendations(for: "new\(user)", options: UserRecommendationOptions(recommendation: RecommendationOptions(limit: 3)))
        #expect(got.method == .trainedModel)
        #expect(got.items.first?.item.id == pair.1, "after \(pair.0): \(got.items.map(\.item.id))")
    }
}

@Test func givenScoreAdditionsAreServedInsteadOfFitted() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    let pairs = [("sweater-red", "chair"), ("scarf", "lamp"), ("table", "shirt"), ("desk", "sweater-blue")]
    try catalog.record(events: (0..<40).flatMap { likes("u\($0)", [pairs[$0 % 4].0, pairs[$0 % 4].1]) })
    var training = TrainingConfiguration()
    training.maxEpochs = 1
    training.batchSize = 16
    training.validationUserFraction = 0.5
    let off = try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8,
                                                                popularityPrior: .off, itemItemBlend: .off))
    #expect(off.popularityPrior == .off && off.itemItemBlend.isOff && off.itemItemSkipped == nil)
    let given = ItemItemBlend(weight: 3, lambda: 25), prior = PopularityPrior(weight: 0.5, halfLength: 10)
    let on = try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8,
                                                               popularityPrior: prior, itemItemBlend: given))
    #expect(on.popularityPrior == prior && on.itemItemBlend == given)
}

@Test func aSequenceModelReadsTheHistoryInTimeOrderAndStillExplains() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    // Ann and Carl like the same two items in opposite order.
    try catalog.record(events: shoppers() + likes("ann", ["chair", "sweater-red"]) + likes("carl", ["sweater-red", "chair"]))
    var training = TrainingConfiguration()
    training.maxEpochs = 2
    training.batchSize = 16
    training.validationUserFraction = 0
    try catalog.train(options: CatalogTrainingOptions(training: training, hiddenDimension: 8, embeddingDimension: 8, pooling: .sequence,
                                                      sequenceLength: 4, popularityPrior: .off, itemItemBlend: .off))
    let options = UserRecommendationOptions(recommendation: RecommendationOptions(limit: 8, excludeSeen: false))
    let ann = try catalog.recommendations(for: "ann", options: options)
    let carl = try catalog.recommendations(for: "carl", options: options)
    #expect(ann.method == .trainedModel && carl.method == .trainedModel)
    let scores = { (result: UserRecommendations) in Dictionary(uniqueKeysWithValues: result.items.map { ($0.item.id, $0.score) }) }
    #expect(scores(ann) != scores(carl), "the sequence tower saw the same history for both orders")
    // The pipeline still names the history items that pulled each result up.
    let named = Set(ann.items.flatMap { $0.contributors.map(\.item) })
    #expect(!named.isEmpty && named.isSubset(of: ["chair", "sweater-red"]), "contributors \(named)")
}
