import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// True when `value` is present and within 1e-12 of `expected`.
private func close(_ value: Double?, _ expected: Double) -> Bool {
    guard let value else { return false }
    return abs(value - expected) < 1e-12
}

private func row(_ user: String, _ item: String, _ value: Double) -> SplitRow {
    SplitRow(user: user, item: item, value: value, timestamp: Date(timeIntervalSince1970: 0))
}

/// Items A–D; popularity (train rows ≥ 4) A 3, B 1, C 1, D 0.
/// u1: candidates C(1), D(0) → [C, D], relevant D at rank 1: recall 1, NDCG 1/log2(3), AP 1/2, AUC 0.
/// u2: candidates B(1), D(0) → [B, D], relevant B: all 1, AUC 1.
/// u3: rated D < 4 in train, so candidates are B(1), C(1) only: the tie is broken by catalog index → [B, C];
///     relevant B, C: all 1, and no non-relevant candidate, so u3 has no AUC.
@Test func popularityEvaluationOnATinySplitEqualsHandComputedMetrics() throws {
    let items = ["A", "B", "C", "D"].map { Item(id: $0, title: $0, description: $0, tags: []) }
    let split = EvaluationSplit(name: "random", train: [row("u1", "A", 5), row("u1", "B", 4), row("u2", "A", 4), row("u2", "C", 5),
                                                       row("u3", "A", 4), row("u3", "D", 2)],
                                test: [row("u1", "D", 5), row("u2", "B", 4), row("u3", "B", 4), row("u3", "C", 5)],
                                onboarding: [], coldItems: [])
    let evaluator = SplitEvaluator(items: items)
    let view = try #require(EvaluationView.views(of: split, indexOf: evaluator.indexOf).first)
    let result = try evaluator.evaluate(view, method: "popularity",
                                        scorer: EvaluationMethods.popularity(split: split, indexOf: evaluator.indexOf, itemCount: 4))
    let m = result.metrics
    #expect(result.users == 3)
    #expect(close(m["recall@10"], 1))
    #expect(close(m["ndcg@10"], (1 / log2(3.0) + 1 + 1) / 3))
    #expect(close(m["map@10"], (0.5 + 1 + 1) / 3))
    #expect(close(m["hit@10"], 1))
    // AUC averages only users with both kinds of candidates: u1 (0) and u2 (1).
    #expect(close(m["auc"], 0.5))
    // Top lists [C, D], [B, D], [B, C] → {B, C, D} of 4 items.
    #expect(close(m["coverage@10"], 0.75))
}

@Test func coldItemViewRanksOnlyTheColdItemsForEveryUser() throws {
    let items = ["A", "B", "C"].map { Item(id: $0, title: $0, description: $0, tags: []) }
    let split = EvaluationSplit(name: "cold-item", train: [row("u1", "A", 5)], test: [row("u1", "C", 5)], onboarding: [], coldItems: ["B", "C"])
    let evaluator = SplitEvaluator(items: items)
    let views = EvaluationView.views(of: split, indexOf: evaluator.indexOf)
    #expect(views.map { $0.name } == ["cold-item", "cold-item (ranked among all items)"])
    // All scores tied: catalog order B, C → C at rank 1 among the cold items.
    let tied = try evaluator.evaluate(views[0], method: "tied") { _, _ in [0, 0, 0] }
    #expect(close(tied.metrics["ndcg@10"], 1 / log2(3.0)))
    #expect(close(tied.metrics["auc"], 0))
    #expect(close(tied.metrics["coverage@10"], 1))
}

/// Row of `user` rating `item` at second `time` (for the chronological rules).
private func timed(_ user: String, _ item: String, _ value: Double, _ time: Double) -> SplitRow {
    SplitRow(user: user, item: item, value: value, timestamp: Date(timeIntervalSince1970: time))
}

@Test func temporalValidationSliceHoldsOutEachUsersLastTrainingPositive() {
    let train = [timed("u1", "A", 5, 1), timed("u1", "B", 4, 3), timed("u1", "C", 2, 4), timed("u1", "D", 5, 2),
                 timed("u2", "A", 5, 1)]
    let slice = EvaluationSplit(name: "temporal", train: train, test: [timed("u1", "Z", 5, 9)]).protocolValidationSlice()
    #expect(slice.name == "temporal")
    // u1's positives by time: A(1), D(2), B(3) → B is held out (C is a rating < 4); u2 has one positive: none.
    #expect(slice.test.map { "\($0.user)\($0.item)" } == ["u1B"])
    #expect(Set(slice.train.map { "\($0.user)\($0.item)" }) == ["u1A", "u1C", "u1D", "u2A"])
    #expect(!slice.test.contains { $0.item == "Z" })  // the protocol's test rows are never read
}

@Test func coldItemValidationSliceTakesWholeItemsOutOfTraining() {
    // Ten items with five positives and one low rating each; "rare" has four positives.
    var train: [SplitRow] = []
    for item in 0..<10 {
        for user in 0..<5 { train.append(timed("u\(user)", "I\(item)", 5, Double(item))) }
        train.append(timed("u9", "I\(item)", 1, 0))
    }
    for user in 0..<4 { train.append(timed("u\(user)", "rare", 5, 0)) }
    let slice = EvaluationSplit(name: "cold-item", train: train, test: [timed("u1", "Z", 5, 9)], coldItems: ["Z"])
        .protocolValidationSlice()
    #expect(slice.name == "cold-item")
    let cold = Set(slice.coldItems)
    #expect(cold.count == 2 && !cold.contains("rare") && !cold.contains("Z"))  // (10 + 2) / 5 of the 10 eligible
    #expect(!slice.train.contains { cold.contains($0.item) })  // every rating of a cold item leaves training
    #expect(slice.train.count == train.count - 2 * 6)
    #expect(Set(slice.test.map(\.item)) == cold && slice.test.count == 2 * 5 && slice.test.allSatisfy { $0.value >= 4 })
}

@Test func coldUserValidationSliceTakesWholeUsersOutOfTrainingWithThreeOnboardingPositives() {
    // Ten users with five positives each (items I0…I4 in time order) and one rating below 4.
    var train: [SplitRow] = []
    for user in 0..<10 {
        for item in 0..<5 { train.append(timed("u\(user)", "I\(item)", 5, Double(10 * user + item))) }
        train.append(timed("u\(user)", "L", 1, 0))
    }
    train.append(timed("few", "I0", 5, 0))  // three or fewer positives: never a validation cold user
    let slice = EvaluationSplit(name: "cold-user", train: train, test: []).protocolValidationSlice()
    #expect(slice.name == "cold-user")
    let cold = Set(slice.onboarding.map(\.user))
    #expect(cold.count == 2)  // (10 + 2) / 5 of the 10 eligible users
    #expect(!cold.contains("few"))
    for user in cold {
        #expect(slice.onboarding.filter { $0.user == user }.map(\.item) == ["I0", "I1", "I2"])
        #expect(Set(slice.test.filter { $0.user == user }.map(\.item)) == ["I3", "I4"])
    }
    #expect(!slice.train.contains { cold.contains($0.user) })
    #expect(slice.train.count == train.count - 2 * 6)
    #expect(slice.test.allSatisfy { $0.value >= 4 })
}
