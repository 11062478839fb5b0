import Foundation
import Testing
import VitrineCore

@Suite struct ItemItemBlendTests {
    /// Five users over four items: 0 and 1 go together, 2 and 3 go together.
    static let histories = [[0, 1], [0, 1], [1, 0, 2], [2, 3], [3, 2]]

    @Test func anUnprunedTermIsTheEaseScoreScaledToItsLargestMagnitude() throws {
        let model = try ItemItemModel.ease(histories: Self.histories, itemCount: 4, lambda: 1)
        let term = ItemItemTerm(model, neighbours: 4)
        for history in [[0], [2], [0, 3], [1, 1, 2]] {
            let dense = model.scores(history: history)
            let largest = dense.map(abs).max() ?? 1
            let got = term.scores(history: history)
            for j in 0..<4 { #expect(abs(Double(got[j]) - dense[j] / largest) < 1e-5, "history \(history) item \(j)") }
            #expect(got.map(abs).max() == 1)
        }
        // No usable history, or one outside the term: no signal at all.
        #expect(term.scores(history: []) == [0, 0, 0, 0])
        #expect(term.scores(history: [-1, 9]) == [0, 0, 0, 0])
    }

    @Test func pruningKeepsEachItemsLargestWeights() throws {
        let model = try ItemItemModel.ease(histories: Self.histories, itemCount: 4, lambda: 1)
        let one = ItemItemTerm(model, neighbours: 1)
        #expect(one.neighbours == 1)
        // Item 0's strongest partner is item 1, item 3's is item 2: with one weight kept, only they score.
        #expect(one.scores(history: [0]) == [0, 1, 0, 0])
        #expect(one.scores(history: [3]) == [0, 0, 1, 0])
        #expect(ItemItemTerm(model, neighbours: 99).neighbours == 4)
    }

    @Test func aTermSurvivesJSONAndACorruptOneIsRefusedNamingTheField() throws {
        let term = try ItemItemTerm.ease(histories: Self.histories, itemCount: 4, lambda: 5, neighbours: 2)
        let data = try JSONEncoder().encode(term)
        #expect(try JSONDecoder().decode(ItemItemTerm.self, from: data) == term)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["targets"] = Data([Int32](repeating: 7, count: 8).withUnsafeBufferPointer { Data(buffer: $0) }).base64EncodedString()
        let corrupt = try JSONSerialization.data(withJSONObject: object)
        let error = #expect(throws: DecodingError.self) { try JSONDecoder().decode(ItemItemTerm.self, from: corrupt) }
        #expect("\(String(describing: error))".contains("targets") && "\(String(describing: error))".contains("outside"))
        object["neighbours"] = 3
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ItemItemTerm.self, from: JSONSerialization.data(withJSONObject: object)) }
    }

    @Test func offKeepsTheScoresAndTheFitPrefersTheWeakerBlendOnTies() throws {
        let scores: [Float] = [0.3, 0.1, -0.2]
        #expect(ItemItemBlend.off.blended(scores: scores, itemItem: [1, 0, 0], temperature: 0.1) == scores)
        let blended = ItemItemBlend(weight: 4, lambda: 10).blended(scores: scores, itemItem: [0, 1, -1], temperature: 0.1)
        #expect(abs(blended[1] - 0.5) < 1e-6 && abs(blended[2] + 0.6) < 1e-6)
        let term = try ItemItemTerm.ease(histories: Self.histories, itemCount: 4, lambda: 1)
        var lambdasFitted: [Double] = []
        // A metric that peaks at γ = 2 whatever λ: the smallest λ wins the tie; every candidate is measured.
        let fitted = ItemItemBlend.fitted(term: { lambdasFitted.append($0); return term }) { blend, fittedTerm in
            #expect((fittedTerm == nil) == blend.isOff)
            return blend.isOff ? -100 : -Double(abs(blend.weight - 2))
        }
        #expect(fitted.best == ItemItemBlend(weight: 2, lambda: ItemItemBlend.lambdas.min() ?? 0))
        #expect(lambdasFitted == ItemItemBlend.lambdas.sorted())
        #expect(fitted.metrics.count == 1 + ItemItemBlend.lambdas.count * ItemItemBlend.weights.count)
        // A metric the term only hurts keeps it off.
        #expect(ItemItemBlend.fitted(term: { _ in term }) { blend, _ in -Double(blend.weight) }.best == .off)
    }

    @Test func theBlendIsFittedOnWhenHeldOutItemsGoWithTheContextAndOffWhenTheyDoNot() throws {
        // An untrained model over 20 items ranks without signal; in training, item 2k always went with 2k + 1.
        let model = try TwoTowerModel(configuration: TwoTowerConfiguration(imageDimension: 0, textDimension: 4, hiddenDimension: 6,
                                                                           embeddingDimension: 4, itemIDCount: 0), seed: 3)
        var generator = TrainingRandomGenerator(seed: 4)
        let items = (0..<20).map { _ in TwoTowerItemFeatures(image: nil, text: (0..<4).map { _ in generator.nextGaussian() }) }
        let pairs = (0..<10).flatMap { pair in (0..<3).map { _ in [TwoTowerInteraction(item: 2 * pair), TwoTowerInteraction(item: 2 * pair + 1)] } }
        let counts = [Double](repeating: 3, count: 20)
        let partners = (0..<10).map { TrainingValidationCase(context: [TwoTowerInteraction(item: 2 * $0)], heldOut: [2 * $0 + 1]) }
        let fitted = try model.fittedItemItemBlend(cases: partners, items: items, trainingHistories: pairs, prior: .off,
                                                   positiveCounts: counts, temperature: 0.1, k: 1)
        #expect(!fitted.best.isOff)
        #expect(fitted.recall[fitted.best] == 1)  // each item's one partner ranks first
        #expect((fitted.recall[.off] ?? 1) < 1)
        // Held-out items that never went with the context: the term can only push them down.
        let strangers = (0..<10).map { TrainingValidationCase(context: [TwoTowerInteraction(item: 2 * $0)], heldOut: [(2 * $0 + 5) % 20]) }
        #expect(try model.fittedItemItemBlend(cases: strangers, items: items, trainingHistories: pairs, prior: .off,
                                              positiveCounts: counts, temperature: 0.1, k: 1).best == .off)
    }
}
