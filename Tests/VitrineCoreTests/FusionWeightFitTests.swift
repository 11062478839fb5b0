import Testing
import VitrineCore

/// The per-catalog fusion weight: the grid search against a brute-force reference, the choice of
/// signal, and the query-side reweighting that applies a weight without re-fusing items.
@Suite struct FusionWeightFitTests {
    /// `groups` groups of `perGroup` items. The informative modality's vectors are a group centre plus
    /// noise; the other modality's are pure noise, so only one modality can tell the groups apart.
    static func catalog(groups: Int = 6, perGroup: Int = 12, informative: Modality, seed: UInt64 = 7) -> [FusionFitItem] {
        var generator = SplitMix64(seed: seed)
        let imageCentres = (0..<groups).map { _ in CoreTestSupport.randomVector(24, using: &generator) }
        let textCentres = (0..<groups).map { _ in CoreTestSupport.randomVector(16, using: &generator) }
        return (0..<groups * perGroup).map { position in
            let group = position % groups
            let image = informative == .image ? CoreTestSupport.jitter(imageCentres[group], noise: 0.6, using: &generator)
                : CoreTestSupport.randomVector(24, using: &generator)
            let text = informative == .text ? CoreTestSupport.jitter(textCentres[group], noise: 0.6, using: &generator)
                : CoreTestSupport.randomVector(16, using: &generator)
            return FusionFitItem(id: "item-\(position)", image: image, text: text, category: "group-\(group)")
        }
    }

    /// Leave-one-out precision@k at image weight w, by sorting every other item (the yardstick).
    static func bruteForcePrecision(_ items: [FusionFitItem], weight w: Float, k: Int = 10) -> Double {
        let images = items.map { CoreTestSupport.normalized($0.image) }, texts = items.map { CoreTestSupport.normalized($0.text) }
        var total = 0.0
        for q in items.indices {
            let ranked = items.indices.filter { $0 != q }.sorted { a, b in
                let sa = w * CoreTestSupport.dot(images[q], images[a]) + (1 - w) * CoreTestSupport.dot(texts[q], texts[a])
                let sb = w * CoreTestSupport.dot(images[q], images[b]) + (1 - w) * CoreTestSupport.dot(texts[q], texts[b])
                return sa > sb
            }
            total += Double(ranked.prefix(k).filter { items[$0].category == items[q].category }.count) / Double(k)
        }
        return total / Double(items.count)
    }

    @Test func gridPrecisionMatchesBruteForce() throws {
        let items = Self.catalog(informative: .text)
        let fit = try FusionWeightFitter(grid: [0, 0.3, 0.5, 1]).fit(items: items)
        #expect(fit.source == .categories && fit.queryCount == items.count && fit.itemCount == items.count)
        for point in fit.grid {
            let expected = Self.bruteForcePrecision(items, weight: point.imageWeight)
            #expect(abs(point.precision - expected) < 1e-9, "w \(point.imageWeight): \(point.precision) vs \(expected)")
        }
    }

    @Test func categoriesPullTheWeightToTheModalityThatSeparatesThem() throws {
        let textual = try FusionWeightFitter().fit(items: Self.catalog(informative: .text))
        // (Weights that tie on precision resolve to the one nearest 0.5, so "pulled" means past 0.5, not to 0 or 1.)
        #expect(textual.source == .categories && textual.weights.image < 0.5, "\(textual.summary)")
        let visual = try FusionWeightFitter().fit(items: Self.catalog(informative: .image))
        #expect(visual.source == .categories && visual.weights.image > 0.5, "\(visual.summary)")
        // The chosen weight is the best of the grid, so at least as good as either modality alone and as 50/50.
        for fit in [textual, visual] {
            let best = try #require(fit.precision)
            #expect(fit.grid.allSatisfy { $0.precision <= best + 1e-12 })
            #expect(best > (fit.balancedPrecision ?? 1))
        }
    }

    @Test func coLikedItemsChooseTheWeightWhenThereAreNoCategories() throws {
        let labelled = Self.catalog(informative: .image)
        let items = labelled.map { FusionFitItem(id: $0.id, image: $0.image, text: $0.text) }
        // Each user likes items of one group: what users like together is told apart by pictures only.
        let histories = (0..<24).map { user in labelled.filter { $0.category == "group-\(user % 6)" }.map(\.id).enumerated()
            .filter { $0.offset % 2 == user / 6 % 2 }.map(\.element) }
        let fit = try FusionWeightFitter().fit(items: items, histories: histories)
        #expect(fit.source == .interactions && fit.weights.image > 0.5, "\(fit.summary)")
    }

    @Test func withoutAnySignalTheWeightStaysBalanced() throws {
        let items = Self.catalog(informative: .text).map { FusionFitItem(id: $0.id, image: $0.image, text: $0.text) }
        let fit = try FusionWeightFitter().fit(items: items, histories: [["item-0"], ["item-1"]])
        #expect(fit.source == .balanced && fit.weights == .balanced && fit.grid.isEmpty)
        #expect(fit.summary.contains("balanced default"))
    }

    @Test func badGridOrVectorsAreRejected() {
        #expect(throws: VitrineCoreError.self) { try FusionWeightFitter(grid: [0.5, 1.5]).fit(items: Self.catalog(informative: .text)) }
        var items = Self.catalog(informative: .text)
        items[3] = FusionFitItem(id: "short", image: [1, 0], text: items[3].text, category: "group-3")
        #expect(throws: VitrineCoreError.self) { try FusionWeightFitter().fit(items: items) }
    }

    @Test func reweightedQueryScoresAreTheWeightedCosines() throws {
        var generator = SplitMix64(seed: 3)
        let fusion = VectorFusion(imageDimension: 24, textDimension: 16)
        let vectors = (0..<20).map { _ in
            ItemVectors(image: CoreTestSupport.randomVector(24, using: &generator), text: CoreTestSupport.randomVector(16, using: &generator))
        }
        let fused = try vectors.map { try fusion.embed($0).vector }
        for imageWeight: Float in [0, 0.2, 0.5, 0.9, 1] {
            let target = try FusionWeights(image: imageWeight, text: 1 - imageWeight)
            let query = fusion.reweighted(fused[0], to: target)
            for (item, raw) in zip(fused, vectors) {
                let expected = imageWeight * CoreTestSupport.cosine(vectors[0].image!, raw.image!)
                    + (1 - imageWeight) * CoreTestSupport.cosine(vectors[0].text!, raw.text!)
                #expect(abs(CoreTestSupport.dot(query, item) - expected) < 1e-5)
            }
        }
    }

    @Test func recommenderRanksByItsScoringWeightsAndARequestCanOverrideThem() throws {
        let items = Self.catalog(informative: .image)
        var recommender = try Recommender(fusion: VectorFusion(imageDimension: 24, textDimension: 16))
        for item in items {
            try recommender.add(Item(id: item.id, category: item.category), vectors: ItemVectors(image: item.image, text: item.text))
        }
        let categories = Dictionary(uniqueKeysWithValues: items.map { ($0.id, $0.category) })
        func sameGroupShare(_ list: [Recommendation]) -> Double {
            Double(list.filter { categories[$0.item] == "group-0" }.count) / Double(list.count)
        }
        let balanced = sameGroupShare(try recommender.similarItems(to: "item-0"))
        recommender.scoringWeights = try FusionWeights(image: 1, text: 0)
        let pictures = try recommender.similarItems(to: "item-0")
        #expect(sameGroupShare(pictures) > balanced, "picture-only ranking beats 50/50 on a catalog told apart by pictures")
        // Image weight 1: the fused score is the image cosine.
        let first = try #require(pictures.first)
        let expected = CoreTestSupport.cosine(items[0].image, try #require(items.first { $0.id == first.item }).image)
        #expect(abs(first.score - expected) < 1e-4)
        let overridden = try recommender.similarItems(to: "item-0", options: RecommendationOptions(imageWeight: 0.5))
        #expect(abs(sameGroupShare(overridden) - balanced) < 1e-9)
        #expect(throws: VitrineCoreError.self) { try recommender.similarItems(to: "item-0", options: RecommendationOptions(imageWeight: 2)) }
    }
}
