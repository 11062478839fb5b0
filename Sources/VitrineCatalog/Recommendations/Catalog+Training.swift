// Learning from feedback: stored events + item content vectors [image; text] → the two-tower
// model of VitrineCore/Training (seeded, validation split, early stopping), saved as a blob in
// the store. Recommend loads the newest blob (cached per revision) and embeds items with it;
// item embeddings are cached per (revision, item content hash), so a new item costs one tower pass.

import Foundation
import VitrineCore

/// Options of `Catalog.train`; `vitrine train` flags map onto these.
public struct CatalogTrainingOptions: Sendable {
    /// Optimizer, loss, epochs, early stopping, validation split and seed.
    public var training: TrainingConfiguration
    /// Hidden width of the item tower.
    public var hiddenDimension: Int
    /// Output embedding width.
    public var embeddingDimension: Int
    /// The user tower (`.sequence`: causal self-attention over the newest `sequenceLength` events).
    public var pooling: TwoTowerPooling
    /// Newest events the `.sequence` user tower reads.
    public var sequenceLength: Int
    /// Learn a per-item ID embedding (DropoutNet-style dropped during training) for items with events.
    public var usesItemIDs: Bool
    /// Strengths turning events into training weights; only positive events are training targets.
    public var strengths: EventStrengths
    /// The popularity prior to serve with; nil fits it on the validation users.
    public var popularityPrior: PopularityPrior?
    /// The EASE term's weight and λ; nil fits them on the validation users. Both additions favour
    /// items with training events, so `.off` keeps items added after training level with the rest.
    public var itemItemBlend: ItemItemBlend?

    /// Creates options with the defaults of `TrainingConfiguration` and a 128→64 tower.
    public init(training: TrainingConfiguration = TrainingConfiguration(), hiddenDimension: Int = 128, embeddingDimension: Int = 64,
                pooling: TwoTowerPooling = .attention, sequenceLength: Int = 50, usesItemIDs: Bool = true, strengths: EventStrengths = EventStrengths(),
                popularityPrior: PopularityPrior? = nil, itemItemBlend: ItemItemBlend? = nil) {
        self.training = training
        self.hiddenDimension = hiddenDimension
        self.embeddingDimension = embeddingDimension
        self.pooling = pooling
        self.sequenceLength = sequenceLength
        self.usesItemIDs = usesItemIDs
        self.strengths = strengths
        self.popularityPrior = popularityPrior
        self.itemItemBlend = itemItemBlend
    }
}

/// What `Catalog.train` did.
public struct CatalogTrainingResult: Sendable {
    /// Per-epoch losses and validation recall, best epoch, early stop.
    public var report: TrainingReport
    /// Store revision of the saved model.
    public var revision: Int
    /// Users with at least one positive event used.
    public var userCount: Int
    /// Positive events used as targets.
    public var eventCount: Int
    /// Wall seconds of the training loop.
    public var seconds: Double
    /// Popularity blended into the model's scores while a history is short, fitted on the validation
    /// users (off without them).
    public var popularityPrior: PopularityPrior
    /// The EASE item–item term added to the model's scores, fitted on the validation users after the
    /// prior (off without them, when it did not help there, or above `ItemItemBlend.maxItemCount` items).
    public var itemItemBlend: ItemItemBlend
    /// Why the EASE term was not fitted at all (nil when it was tried).
    public var itemItemSkipped: String?
}

/// What the blob's config JSON records next to the weights.
struct TwoTowerBlobMetadata: Codable {
    /// Item id of each ID-embedding row.
    var itemIDs: [String]
    var imageModelID: String
    var textModelID: String
    /// History items the user tower pooled in training; nil in blobs saved before it was recorded
    /// (those were trained with the default).
    var maxHistoryLength: Int?
    /// The fitted popularity prior (`PopularityPrior`); nil in blobs saved before it existed (off).
    var popularityPrior: PopularityPrior?
    /// Training positives per item id (items without any left out), the prior's popularity.
    var positiveCounts: [String: Double]?
    /// Training temperature, the prior's logit scale.
    var temperature: Float?
    /// The fitted EASE blend; nil in blobs saved before it existed (off).
    var itemItemBlend: ItemItemBlend?
    /// The EASE term the blend weighs (absent when off), over `itemItemIDs` in order.
    var itemItemTerm: ItemItemTerm?
    var itemItemIDs: [String]?
}

/// A trained model loaded from the store.
struct LoadedTwoTower: @unchecked Sendable {
    let model: TwoTowerModel
    let revision: Int
    let idRows: [String: Int]
    /// History items the user tower pools at serving time: as many as in training.
    let maxHistoryLength: Int
    /// Popularity added while a history is short (off for blobs without one).
    let popularityPrior: PopularityPrior
    /// log(1 + training positives) per item id, for the prior.
    let logPopularity: [String: Float]
    let temperature: Float
    /// EASE term added to the scores (off for blobs without one) and the term row of each item id.
    let itemItemBlend: ItemItemBlend
    let itemItemTerm: ItemItemTerm?
    let itemItemRows: [String: Int]
}

/// The trained two-tower model as the recommender's scorer: the user tower pools the user's
/// strongest positives (as many as the model saw in training), the item tower embeds every
/// candidate (cached per model revision and item content hash, so a new item costs one pass).
struct TrainedModelScorer: RecommendationScorer {
    let catalog: Catalog
    let trained: LoadedTwoTower

    func scores(for profile: UserProfile, candidates: [String]) throws -> [Float] {
        let positives: [ItemWeight]
        if let block = trained.model.sequenceTower {
            // The sequence tower reads a time line: the newest positives, oldest first.
            let weightOf = Dictionary(uniqueKeysWithValues: profile.itemWeights.map { ($0.item, $0.weight) })
            positives = profile.positivesByRecency.suffix(block.length).map { ItemWeight(item: $0, weight: weightOf[$0] ?? 1) }
        } else {
            positives = Array(profile.itemWeights.filter { $0.weight > 0 }.prefix(trained.maxHistoryLength))
        }
        let historyIDs = positives.map(\.item)
        let embeddings = try catalog.trainedEmbeddings(trained, ids: historyIDs + candidates)
        let history = TrainingMatrix(rowVectors: Array(embeddings.prefix(historyIDs.count)),
                                     columns: trained.model.configuration.embeddingDimension)
        let user = try trained.model.userEmbedding(historyEmbeddings: history, strengths: positives.map { Float($0.weight) })
        let items = TrainingMatrix(rowVectors: Array(embeddings.suffix(candidates.count)), columns: user.count)
        let cosines = try trained.model.scores(user: user, itemEmbeddings: items)
        let scores = trained.popularityPrior.blended(cosines: cosines, logPopularity: candidates.map { trained.logPopularity[$0] ?? 0 },
                                                     historyLength: positives.count, temperature: trained.temperature)
        guard let term = trained.itemItemTerm, !trained.itemItemBlend.isOff else { return scores }
        // EASE reads every positive of the history (as in training); items added since training add and get nothing.
        let termHistory = profile.itemWeights.filter { $0.weight > 0 }.compactMap { trained.itemItemRows[$0.item] }
        let added = term.scores(history: termHistory)
        return trained.itemItemBlend.blended(scores: scores, itemItem: candidates.map { trained.itemItemRows[$0].map { added[$0] } ?? 0 },
                                             temperature: trained.temperature)
    }
}

extension Catalog {
    /// Name of the two-tower blob in the store.
    static let twoTowerBlobName = "two-tower"

    /// Trains the two-tower model on every stored event and saves it in the store; recommend uses it from then on.
    /// - Parameter progress: called after each epoch (the CLI's progress bar).
    /// - Throws: `.invalidInput` when there are no positive events on catalog items, training errors as `.index`, `.store`.
    @discardableResult
    public func train(options: CatalogTrainingOptions = CatalogTrainingOptions(),
                      progress: (TrainingEpochSummary) -> Void = { _ in }) throws -> CatalogTrainingResult {
        let snapshot = state.read { state in
            state.items.keys.sorted().map { id in
                (id, TwoTowerItemFeatures(image: state.imageIndex.vector(for: id), text: state.textIndex.vector(for: id)))
            }
        }
        let usable = snapshot.filter { $0.1.image != nil || $0.1.text != nil }
        let rowOf = Dictionary(uniqueKeysWithValues: usable.enumerated().map { ($1.0, $0) })
        let events = try CatalogError.wrapping { try store.allEvents() }
        var byUser: [String: [Interaction]] = [:]
        for event in events where rowOf[event.item] != nil { byUser[event.user, default: []].append(event) }
        var histories: [[TwoTowerInteraction]] = []
        var targetCount = 0
        for user in byUser.keys.sorted() {
            let ordered = (byUser[user] ?? []).sorted { $0.timestamp != $1.timestamp ? $0.timestamp < $1.timestamp : $0.item < $1.item }
            let history = ordered.compactMap { event -> TwoTowerInteraction? in
                let strength = options.strengths.strength(of: event)
                guard strength > 0, let row = rowOf[event.item] else { return nil }
                return TwoTowerInteraction(item: row, strength: Float(strength))
            }
            if !history.isEmpty { histories.append(history); targetCount += history.count }
        }
        guard !histories.isEmpty else {
            throw CatalogError.invalidInput(field: "events", reason: "no positive events on catalog items to train from")
        }
        let configuration = TwoTowerConfiguration(
            imageDimension: encoderProvider.imageDimension, textDimension: encoderProvider.textDimension,
            hiddenDimension: options.hiddenDimension, embeddingDimension: options.embeddingDimension,
            itemIDCount: options.usesItemIDs ? usable.count : 0, pooling: options.pooling, sequenceLength: options.sequenceLength)
        let dataset = TrainingDataset(items: usable.map(\.1), histories: histories)
        let start = Date()
        let trained = try CatalogError.wrapping { () throws -> (model: TwoTowerModel, report: TrainingReport) in
            let model = try TwoTowerModel(configuration: configuration, seed: options.training.seed)
            return try TwoTowerTrainer(training: options.training).train(model, on: dataset, progress: progress)
        }
        let seconds = Date().timeIntervalSince(start)
        // The popularity prior is fitted on the validation users the trainer held out (the same
        // deterministic split), from the positives the model trained on; it serves with all of them.
        let split = TrainingSplit(dataset: dataset, configuration: options.training)
        var trainingCounts = [Double](repeating: 0, count: usable.count)
        for history in split.trainingHistories { for event in history { trainingCounts[event.item] += 1 } }
        let prior = try options.popularityPrior ?? CatalogError.wrapping {
            try trained.model.fittedPopularityPrior(cases: split.validationCases, items: dataset.items, positiveCounts: trainingCounts,
                                                    temperature: options.training.temperature, k: options.training.recallK).best
        }
        // The EASE term likewise, on top of that prior; the one served is refitted on every history.
        var blend = ItemItemBlend.off
        var term: ItemItemTerm?
        let skipped = usable.count > ItemItemBlend.maxItemCount && options.itemItemBlend?.isOff != true
            ? "\(usable.count) items is above the EASE term's limit of \(ItemItemBlend.maxItemCount) (a dense item × item solve)" : nil
        if skipped == nil {
            blend = try options.itemItemBlend ?? CatalogError.wrapping {
                try trained.model.fittedItemItemBlend(cases: split.validationCases, items: dataset.items, trainingHistories: split.trainingHistories,
                                                      prior: prior, positiveCounts: trainingCounts, temperature: options.training.temperature,
                                                      k: options.training.recallK).best
            }
            if !blend.isOff {
                term = try CatalogError.wrapping {
                    try ItemItemTerm.ease(histories: histories.map { $0.map(\.item) }, itemCount: usable.count, lambda: blend.lambda)
                }
            }
        }
        var positiveCounts: [String: Double] = [:]
        for history in histories { for event in history { positiveCounts[usable[event.item].0, default: 0] += 1 } }
        let metadata = TwoTowerBlobMetadata(itemIDs: options.usesItemIDs ? usable.map(\.0) : [],
                                            imageModelID: encoderProvider.imageModelID, textModelID: encoderProvider.textModelID,
                                            maxHistoryLength: options.training.maxHistoryLength, popularityPrior: prior,
                                            positiveCounts: positiveCounts, temperature: options.training.temperature,
                                            itemItemBlend: blend, itemItemTerm: term, itemItemIDs: term == nil ? nil : usable.map(\.0))
        let json = String(decoding: (try? JSONEncoder().encode(metadata)) ?? Data("{}".utf8), as: UTF8.self)
        let blob = try CatalogError.wrapping {
            try store.saveTrainedModel(name: Self.twoTowerBlobName, data: trained.model.serializedData(), configJSON: json)
        }
        return CatalogTrainingResult(report: trained.report, revision: blob.revision, userCount: histories.count,
                                     eventCount: targetCount, seconds: seconds, popularityPrior: prior, itemItemBlend: blend,
                                     itemItemSkipped: skipped)
    }

    /// The newest saved two-tower model made with the current encoders, or nil (content fallback).
    /// A request reads only the latest revision's record; the blob is read and decoded once per
    /// revision (a blob that does not fit the current encoders is remembered as unusable too).
    func trainedModel() throws -> LoadedTwoTower? {
        guard let saved = try CatalogError.wrapping({ try store.latestTrainedModelRevision(named: Self.twoTowerBlobName) }) else {
            return nil
        }
        let key = "\(storeName)|\(saved.revision)|\(saved.createdAt.timeIntervalSince1970)"
        if let cached = RecommendationCaches.shared.model(key: key) { return cached }
        let loaded = try loadTrainedModel()
        RecommendationCaches.shared.setModel(loaded, key: key)
        return loaded
    }

    /// Reads and decodes the latest two-tower blob; nil when it was made for other encoders or is unreadable.
    private func loadTrainedModel() throws -> LoadedTwoTower? {
        guard let blob = try CatalogError.wrapping({ try store.latestTrainedModel(named: Self.twoTowerBlobName) }) else { return nil }
        guard let metadata = try? JSONDecoder().decode(TwoTowerBlobMetadata.self, from: Data(blob.configJSON.utf8)),
              metadata.imageModelID == encoderProvider.imageModelID, metadata.textModelID == encoderProvider.textModelID,
              let model = try? TwoTowerModel(serializedData: blob.data),
              model.configuration.imageDimension == encoderProvider.imageDimension,
              model.configuration.textDimension == encoderProvider.textDimension else { return nil }
        let rows = Dictionary(metadata.itemIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // A term is used only when it has one row per recorded item id.
        let usableTerm = metadata.itemItemTerm.flatMap { $0.itemCount == metadata.itemItemIDs?.count ? $0 : nil }
        return LoadedTwoTower(model: model, revision: blob.revision, idRows: rows,
                              maxHistoryLength: metadata.maxHistoryLength ?? TrainingConfiguration().maxHistoryLength,
                              popularityPrior: metadata.popularityPrior ?? .off,
                              logPopularity: (metadata.positiveCounts ?? [:]).mapValues(PopularityPrior.logPopularity(count:)),
                              temperature: metadata.temperature ?? TrainingConfiguration().temperature,
                              itemItemBlend: usableTerm == nil ? .off : metadata.itemItemBlend ?? .off, itemItemTerm: usableTerm,
                              itemItemRows: Dictionary((metadata.itemItemIDs ?? []).enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Item-tower embeddings of `ids` (cached per model and item content hash).
    func trainedEmbeddings(_ trained: LoadedTwoTower, ids: [String]) throws -> [[Float]] {
        let prefix = "\(storeName)|\(trained.revision)|"
        var result = [[Float]?](repeating: nil, count: ids.count)
        var missing: [Int] = []
        for (position, id) in ids.enumerated() {
            let hash = item(id)?.contentHash ?? ""
            if let cached = RecommendationCaches.shared.embedding(key: prefix + id + "|" + hash) { result[position] = cached }
            else { missing.append(position) }
        }
        if !missing.isEmpty {
            let features = state.read { state in
                missing.map { TwoTowerItemFeatures(image: state.imageIndex.vector(for: ids[$0]), text: state.textIndex.vector(for: ids[$0])) }
            }
            let rows = missing.map { trained.idRows[ids[$0]].flatMap { $0 < trained.model.configuration.itemIDCount ? $0 : nil } }
            let matrix = try CatalogError.wrapping { try trained.model.itemEmbeddings(features: features, ids: rows) }
            for (offset, position) in missing.enumerated() {
                let vector = Array(matrix.values[offset * matrix.columns ..< (offset + 1) * matrix.columns])
                result[position] = vector
                RecommendationCaches.shared.setEmbedding(vector, key: prefix + ids[position] + "|" + (item(ids[position])?.contentHash ?? ""))
            }
        }
        return result.map { $0 ?? [] }
    }
}

/// Process-wide caches for the recommendation layer, keyed by store path plus a version
/// (event count, model revision, item content hash) so a stale entry is never hit.
final class RecommendationCaches: @unchecked Sendable {
    static let shared = RecommendationCaches()
    private let lock = NSLock()
    private var popularities: [String: PopularityModel] = [:]
    /// nil values: that revision is not usable with the current encoders (checked once).
    private var models: [String: LoadedTwoTower?] = [:]
    private var embeddings: [String: [Float]] = [:]

    func popularity(key: String) -> PopularityModel? { lock.withLock { popularities[key] } }
    func setPopularity(_ value: PopularityModel, key: String) {
        lock.withLock { if popularities.count > 16 { popularities.removeAll() }; popularities[key] = value }
    }
    /// The cached load of `key`: `.some(nil)` when that revision was found unusable, nil when not cached.
    func model(key: String) -> LoadedTwoTower?? { lock.withLock { models[key] } }
    func setModel(_ value: LoadedTwoTower?, key: String) {
        lock.withLock { if models.count > 4 { models.removeAll() }; models[key] = value }
    }
    func embedding(key: String) -> [Float]? { lock.withLock { embeddings[key] } }
    func setEmbedding(_ value: [Float], key: String) {
        lock.withLock { if embeddings.count > 200_000 { embeddings.removeAll() }; embeddings[key] = value }
    }
}
