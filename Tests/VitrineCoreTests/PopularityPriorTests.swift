import Foundation
import Testing
import VitrineCore

@Test func popularityPriorWeightHalvesAtTheHalfLengthAndOffKeepsTheModelsRanking() {
    let prior = PopularityPrior(weight: 2, halfLength: 10)
    #expect(prior.weight(historyLength: 0) == 2)
    #expect(prior.weight(historyLength: 10) == 1)
    #expect(abs(prior.weight(historyLength: 90) - 0.2) < 1e-6)
    let cosines: [Float] = [0.3, 0.1, -0.2]
    let logPopularity = PopularityPrior.logPopularity([0, 100, 5])
    #expect(PopularityPrior.off.blended(cosines: cosines, logPopularity: logPopularity, historyLength: 3, temperature: 0.1)
            == cosines)
    // With no history the prior adds τ·β₀·log(1 + count): item 1 (τ·2·log 101 ≈ 0.92) overtakes item 0.
    let blended = prior.blended(cosines: cosines, logPopularity: logPopularity, historyLength: 0, temperature: 0.1)
    #expect(abs(blended[1] - (0.1 + 0.1 * 2 * Float(log1p(100.0)))) < 1e-5)
    #expect(blended[1] > blended[0])
    // A long history lets the model's own scores decide again.
    let long = prior.blended(cosines: cosines, logPopularity: logPopularity, historyLength: 1000, temperature: 0.1)
    #expect(long[0] > long[1])
}

@Test func popularityPriorFitPicksTheBestValidationMetricAndTheWeakerPriorOnTies() {
    // A metric that peaks at weight 1 for every half-length: the shortest half-length wins the tie.
    let fitted = PopularityPrior.fitted { prior in -Double(abs(prior.weight - 1)) }
    #expect(fitted.best == PopularityPrior(weight: 1, halfLength: 3))
    #expect(fitted.metrics.count == PopularityPrior.grid.count)
    // A metric the prior only hurts keeps it off.
    #expect(PopularityPrior.fitted { prior in -Double(prior.weight) }.best == .off)
}

/// An untrained model over 20 items: its rankings carry no signal, so whether popularity helps is
/// decided by the validation cases alone.
private func untrainedModelAndItems() throws -> (TwoTowerModel, [TwoTowerItemFeatures]) {
    let model = try TwoTowerModel(configuration: TwoTowerConfiguration(imageDimension: 0, textDimension: 4, hiddenDimension: 6,
                                                                       embeddingDimension: 4, itemIDCount: 0), seed: 3)
    var generator = TrainingRandomGenerator(seed: 4)
    let items = (0..<20).map { _ in TwoTowerItemFeatures(image: nil, text: (0..<4).map { _ in generator.nextGaussian() }) }
    return (model, items)
}

@Test func popularityPriorIsFittedOnWhenHeldOutItemsArePopularAndOffWhenTheyAreNot() throws {
    let (model, items) = try untrainedModelAndItems()
    // Items 0 and 1 liked 1,000 times, every other item once: at the grid's strongest priors the gap,
    // τ·β·(log 1001 − log 2) > 2, outweighs any difference of cosines.
    let counts = (0..<20).map { $0 < 2 ? 1000.0 : 1 }
    let contexts = (0..<8).map { user in [TwoTowerInteraction(item: 10 + user), TwoTowerInteraction(item: 11 + user)] }
    let popular = contexts.map { TrainingValidationCase(context: $0, heldOut: [0, 1]) }
    let fitted = try model.fittedPopularityPrior(cases: popular, items: items, positiveCounts: counts, temperature: 0.1, k: 2)
    #expect(!fitted.best.isOff)
    #expect(fitted.recall[fitted.best] == 1)  // popularity alone ranks items 0 and 1 first
    #expect((fitted.recall[.off] ?? 1) < 1)
    // Held-out items nobody else liked (one positive, like most): the prior can only push them down.
    let unpopular = contexts.map { TrainingValidationCase(context: $0, heldOut: [19]) }
    #expect(try model.fittedPopularityPrior(cases: unpopular, items: items, positiveCounts: counts, temperature: 0.1, k: 2).best == .off)
    // No validation users: nothing to fit on.
    #expect(try model.fittedPopularityPrior(cases: [], items: items, positiveCounts: counts, temperature: 0.1).best == .off)
}
