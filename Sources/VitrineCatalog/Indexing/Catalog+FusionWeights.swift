import Foundation
import VitrineCore
import VitrineStore

// The catalog's fused-score weight: fitted after every indexing run that changed items (and by
// `--finalize`) with `FusionWeightFitter` on the best signal the catalog has — categories, else
// users' co-liked items, else tags, else 50/50 — and recorded in the store beside the imputer, so
// every process opening the store (replicas included) uses the same weight. Item vectors keep
// their layout; only queries are rescaled (`VectorFusion.reweighted`), so a refit re-fuses nothing.
// Single-item writes through the API refit once the catalog has drifted by a tenth since the fit.
// `CatalogOptions.imageWeight` (`--image-weight`) overrides the fitted weight for one process,
// `QueryOptions.imageWeight` / `RecommendationOptions.imageWeight` for one request.

extension Catalog {
    /// Name of the trained-model blob holding the fitted fusion weight (`FusionWeightFit` as JSON).
    static let fusionWeightsBlobName = "catalog-fusion-weights"

    /// The encoder pair a stored fit belongs to: a fit made on other models' vectors is not used.
    var fusionFitModels: String { "\(encoderProvider.imageModelID)|\(encoderProvider.textModelID)" }

    /// How the fused score's weights were chosen: the stored fit, or the override, or the balanced default.
    public var fusionWeightFit: FusionWeightFit { state.read { $0.fusionFit } }

    /// Refits the fusion weight on the catalog's complete items (both modalities encoded) and its
    /// events, stores the fit and applies it. Bounded at any size: the fitter looks at an evenly spaced
    /// sample of at most `FusionWeightFitter.maxCandidates` items.
    /// - Throws: `CatalogError.store`.
    func refitFusionWeights() throws {
        let fitter = FusionWeightFitter()
        let items = state.read { state -> [FusionFitItem] in
            let complete = state.items.values.filter { $0.hasImage && $0.hasText }.map(\.id).sorted()
            return FusionWeightFitter.evenlySpaced(complete.count, cap: fitter.maxCandidates).compactMap { position in
                let id = complete[position]
                guard let item = state.items[id], let image = state.imageIndex.vector(for: id),
                      let text = state.textIndex.vector(for: id) else { return nil }
                return FusionFitItem(id: id, image: image, text: text, category: item.category, tags: item.tags)
            }
        }
        let strengths = EventStrengths()
        var liked: [String: [String]] = [:]
        for event in try CatalogError.wrapping({ try store.allEvents() }) where strengths.isPositive(event) {
            liked[event.user, default: []].append(event.item)
        }
        let histories = liked.keys.sorted().map { liked[$0]! }
        let fit = try CatalogError.wrapping { try fitter.fit(items: items, histories: histories) }
        let data = try CatalogError.wrapping { try JSONEncoder().encode(fit) }
        try CatalogError.wrapping {
            try store.write { tx in
                _ = try tx.saveTrainedModel(name: Self.fusionWeightsBlobName, data: data, configJSON: fusionFitModels, keepingPrevious: 0)
            }
        }
        state.write { $0.applyFusionFit(fit, override: options.imageWeight) }
    }

    /// Refits when the catalog has grown or shrunk by a tenth (at least 10 items) since the last fit; the
    /// API's single-item writes call it, so a catalog built through `POST /items` gets fitted too.
    /// - Throws: `CatalogError.store`.
    func refitFusionWeightsIfDrifted() throws {
        let (fitted, now) = state.read { ($0.fittedItemCount, min($0.imageIndex.count, $0.textIndex.count)) }
        guard abs(now - fitted) >= max(10, fitted / 10) else { return }
        try refitFusionWeights()
    }

    /// The fit stored for these encoders, if any (a blob of other models or an unreadable one is ignored).
    static func storedFusionFit(store: any CatalogStore, models: String) throws -> FusionWeightFit? {
        guard let blob = try store.latestTrainedModel(named: fusionWeightsBlobName), blob.configJSON == models else { return nil }
        return try? JSONDecoder().decode(FusionWeightFit.self, from: blob.data)
    }
}

extension CatalogState {
    /// Uses `fit` for fused scores, or `override` (an image weight) when given.
    mutating func applyFusionFit(_ fit: FusionWeightFit?, override: Float?) {
        fittedItemCount = fit?.itemCount ?? 0
        if let override, let weights = try? FusionWeights(image: override, text: 1 - override) {
            fusionFit = FusionWeightFit(weights: weights, source: .override)
        } else {
            fusionFit = fit ?? FusionWeightFit(weights: recommender.fusion.weights, source: .balanced, itemCount: 0)
        }
        recommender.scoringWeights = fusionFit.weights
    }
}
