// Recommendations for a user from the stored history. Order of paths:
// history with taste → trained two-tower model when one is saved (else content profiles);
// no taste but onboarding text / liked items → onboarding; nothing → popularity with diversity.
// New items are eligible at once on every path: content vectors exist the moment an item is
// indexed, and the trained item tower embeds any item from its content (no ID row needed).

import Foundation
import VitrineCore
import VitrineStore

extension Catalog {
    /// A user's recommendations. An unknown user or one without usable history gets the cold-start list.
    /// - Throws: `.invalidInput` for bad options, `.unknownItem` for a liked id not in the catalog,
    ///   `.encoderUnavailable` when onboarding text needs the text encoder, `.store`.
    public func recommendations(for user: String, options: UserRecommendationOptions = UserRecommendationOptions()) throws
        -> UserRecommendations {
        let history = try history(for: user)
        var recommender = recommender()
        recommender.profileOptions = options.profile
        let profile = recommender.profile(user: user, history: history)
        let core = options.recommendation
        var method = RecommendationMethod.content
        var revision: Int?
        let results: [RankedResult]
        if profile.hasTaste {
            if options.usesTrainedModel, let trained = try trainedModel() {
                results = try coreCall { try trainedRecommendations(trained, profile: profile, recommender: recommender, options: core) }
                method = .trainedModel
                revision = trained.revision
            } else {
                results = try coreCall { try recommender.recommend(for: profile, options: core) }.map(RankedResult.init)
            }
        } else {
            let text = options.onboardingText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if !text.isEmpty || !options.likedItems.isEmpty {
                var query: [Float]?
                if !text.isEmpty {
                    query = try CatalogError.wrapping { try encoders.textEncoder().embed(batch: [text]) }.first
                }
                var onboardingOptions = core
                onboardingOptions.excluding.formUnion(profile.seenItems)
                let input = OnboardingInput(textQuery: query, likedItems: options.likedItems)
                results = try coreCall { try recommender.recommend(onboarding: input, options: onboardingOptions) }.map(RankedResult.init)
                method = .onboarding
            } else {
                recommender.popularity = try popularity(options: options)
                var coldOptions = core
                if core.excludeSeen { coldOptions.excluding.formUnion(profile.seenItems) }
                results = try coreCall { try recommender.popular(options: coldOptions) }.map(RankedResult.init)
                method = .popularity
            }
        }
        let items = results.compactMap { result -> UserRecommendation? in
            guard let item = item(result.item) else { return nil }
            let contributors = result.explanation.contributors.map {
                RecommendationContributor(item: $0.item, title: self.item($0.item)?.title ?? "", share: $0.share)
            }
            return UserRecommendation(item: item, score: result.score, explanation: result.explanation,
                                      contributors: contributors, duplicates: result.duplicates)
        }
        return UserRecommendations(user: user, method: method, historyCount: history.count, modelRevision: revision, items: items)
    }

    /// Popularity over every stored event, cached until the event count changes.
    func popularity(options: UserRecommendationOptions) throws -> PopularityModel {
        let count = try CatalogError.wrapping { try store.eventCount() }
        let key = "\(storeURL.path)|\(count)|\(options.recentWindowSeconds)|\(options.recentBlend)|\(options.profile.strengths)"
        if let cached = RecommendationCaches.shared.popularity(key: key) { return cached }
        let interactions = try CatalogError.wrapping { try store.allEvents() }
        let model = PopularityModel(interactions: interactions, strengths: options.profile.strengths,
                                    recentWindowSeconds: options.recentWindowSeconds, recentBlend: options.recentBlend)
        RecommendationCaches.shared.setPopularity(model, key: key)
        return model
    }

    /// Runs a VitrineCore call, mapping its option errors to `.invalidInput`.
    func coreCall<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as VitrineCoreError {
            switch error {
            case let .unknownItem(id): throw CatalogError.unknownItem(id: id)
            case let .invalidOption(name, reason): throw CatalogError.invalidInput(field: name, reason: reason)
            default: throw CatalogError.index(reason: error.description)
            }
        } catch let error as CatalogError { throw error } catch { throw CatalogError.index(reason: "\(error)") }
    }

    /// Ranks every eligible item by the trained towers, then folds near duplicates, applies MMR and
    /// explains each pick from content (history items' fused cosine, image/text split of the profile).
    func trainedRecommendations(_ trained: LoadedTwoTower, profile: UserProfile, recommender: Recommender,
                                options: RecommendationOptions) throws -> [RankedResult] {
        guard options.limit > 0 else { return [] }
        guard (0...1).contains(options.diversity) else {
            throw CatalogError.invalidInput(field: "diversity", reason: "must be in [0, 1], got \(options.diversity)")
        }
        var excluded = options.excluding
        if options.excludeSeen { excluded.formUnion(profile.seenItems) }
        let index = recommender.index
        let candidates = index.ids.filter { id in
            !excluded.contains(id) && (index.attributes(for: id).map { options.filter.accepts(id: id, attributes: $0) } ?? false)
        }
        // As many history items as the user tower saw in training (by default).
        let positives = profile.itemWeights.filter { $0.weight > 0 }.prefix(TrainingConfiguration().maxHistoryLength)
        let historyIDs = positives.map(\.item)
        let embeddings = try trainedEmbeddings(trained, ids: historyIDs + candidates)
        let historyRows = TrainingMatrix(rowVectors: Array(embeddings.prefix(historyIDs.count)), columns: trained.model.configuration.embeddingDimension)
        let user = try trained.model.userEmbedding(historyEmbeddings: historyRows, strengths: positives.map { Float($0.weight) })
        let candidateRows = TrainingMatrix(rowVectors: Array(embeddings.suffix(candidates.count)), columns: user.count)
        let scores = try trained.model.scores(user: user, itemEmbeddings: candidateRows)
        let order = candidates.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : candidates[$0] < candidates[$1] }
        let pool = order.prefix(min(candidates.count, options.limit * max(1, min(options.candidatePoolFactor, 1_000))))
        var kept: [(id: String, score: Float, duplicates: [String])] = []
        for row in pool {
            let id = candidates[row]
            if !options.includeNearDuplicates,
               let host = kept.firstIndex(where: { (index.cosine($0.id, id) ?? 0) >= options.nearDuplicateThreshold }) {
                kept[host].duplicates.append(id)
            } else {
                kept.append((id, scores[row], []))
            }
        }
        let picks = MaximalMarginalRelevance.select(relevances: kept.map(\.score), limit: options.limit, lambda: options.diversity) { i, j in
            index.cosine(kept[i].id, kept[j].id) ?? 0
        }
        let fusion = recommender.fusion
        return picks.map { pick in
            let candidate = kept[pick]
            let itemVector = index.vector(for: candidate.id) ?? []
            let contributions = positives.compactMap { member -> (item: String, value: Double)? in
                guard let v = index.vector(for: member.item) else { return nil }
                let parts = fusion.modalityContributions(query: v, item: itemVector)
                return (member.item, member.weight * Double(parts.image + parts.text))
            }
            let parts = profile.vector.map { fusion.modalityContributions(query: $0, item: itemVector) } ?? (image: 0, text: 0)
            let explanation = Explanation(reason: pick >= options.limit ? .exploration : .history,
                                          contributors: Explanation.topContributors(contributions),
                                          imageContribution: parts.image, textContribution: parts.text,
                                          imputedModalities: recommender.imputed[candidate.id] ?? [])
            return RankedResult(item: candidate.id, score: candidate.score, explanation: explanation, duplicates: candidate.duplicates)
        }
    }
}

/// A ranked id with its explanation, from either VitrineCore or the trained path.
struct RankedResult {
    let item: String
    let score: Float
    let explanation: Explanation
    let duplicates: [String]

    init(item: String, score: Float, explanation: Explanation, duplicates: [String]) {
        self.item = item
        self.score = score
        self.explanation = explanation
        self.duplicates = duplicates
    }

    init(_ recommendation: Recommendation) {
        self.init(item: recommendation.item, score: recommendation.score, explanation: recommendation.explanation,
                  duplicates: recommendation.duplicates)
    }
}
