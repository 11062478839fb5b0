// Recommendations for a user from the stored history. Order of paths:
// history with taste → trained two-tower model when one is saved (else content profiles);
// no taste but onboarding text / liked items → onboarding; nothing → popularity with diversity.
// New items are eligible at once on every path: content vectors exist the moment an item is
// indexed, and the trained item tower embeds any item from its content (no ID row needed).

import Foundation
import VitrineCore

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
        let results: [Recommendation]
        if profile.hasTaste {
            if options.usesTrainedModel, let trained = try trainedModel() {
                let scorer = TrainedModelScorer(catalog: self, trained: trained)
                results = try coreCall { try recommender.recommend(for: profile, scoredBy: scorer, options: core) }
                method = .trainedModel
                revision = trained.revision
            } else {
                results = try coreCall { try recommender.recommend(for: profile, options: core) }
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
                results = try coreCall { try recommender.recommend(onboarding: input, options: onboardingOptions) }
                method = .onboarding
            } else {
                recommender.popularity = try popularity(options: options)
                var coldOptions = core
                if core.excludeSeen { coldOptions.excluding.formUnion(profile.seenItems) }
                results = try coreCall { try recommender.popular(options: coldOptions) }
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
        let key = "\(storeName)|\(count)|\(options.recentWindowSeconds)|\(options.recentBlend)|\(options.profile.strengths)"
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
}
