import Foundation
import Testing
import VitrineCore

@Suite struct EvaluationTests {
    private let ranked = ["a", "b", "c", "d", "e"]
    private let relevant: Set<String> = ["a", "c", "f"]

    @Test func metricsMatchHandComputedValues() throws {
        #expect(RankingMetrics.recall(ranked: ranked, relevant: relevant, k: 1) == 1.0 / 3)
        #expect(RankingMetrics.recall(ranked: ranked, relevant: relevant, k: 5) == 2.0 / 3)
        #expect(RankingMetrics.hitRate(ranked: ranked, relevant: ["c"], k: 2) == 0)
        #expect(RankingMetrics.hitRate(ranked: ranked, relevant: ["c"], k: 3) == 1)
        // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/2.
        let ndcg = RankingMetrics.ndcg(ranked: ranked, relevant: relevant, k: 3)
        #expect(abs(ndcg - 1.5 / (1.5 + 1 / log2(3.0))) < 1e-12)
        #expect(RankingMetrics.ndcg(ranked: ["c", "a"], relevant: ["a", "c"], k: 2) == 1)
        // AP@3: precision 1/1 at rank 1 and 2/3 at rank 3, over min(3, 3).
        #expect(abs(RankingMetrics.averagePrecision(ranked: ranked, relevant: relevant, k: 3) - (1 + 2.0 / 3) / 3) < 1e-12)
        #expect(RankingMetrics.recall(ranked: ranked, relevant: [], k: 3) == 0)
        // AUC: pairs (0.9>0.8) (0.9>0.1) (0.7<0.8) (0.7>0.1) → 3/4; ties count one half.
        #expect(RankingMetrics.auc(scores: [0.9, 0.8, 0.7, 0.1], isRelevant: [true, false, true, false]) == 0.75)
        #expect(RankingMetrics.auc(scores: [0.5, 0.5, 0.2], isRelevant: [true, false, false]) == 0.75)
        #expect(RankingMetrics.auc(scores: [1, 2], isRelevant: [true, true]) == nil)
        #expect(RankingMetrics.coverage(lists: [["a", "b"], ["b", "c"]], catalogSize: 4, k: 2) == 0.75)
        #expect(RankingMetrics.coverage(lists: [["a", "b"], ["b", "c"]], catalogSize: 4, k: 1) == 0.5)
    }

    /// 30 users × 8 events over 40 items, timestamps spread so "latest" is well defined.
    private func dataset() -> [Interaction] {
        var g = SplitMix64(seed: 99)
        var events: [Interaction] = []
        for u in 0..<30 {
            for e in 0..<8 {
                let item = "i\(Int(g.next() % 40))"
                events.append(CoreTestSupport.event("u\(u)", item, e == 3 ? .dislike : .like, day: Double(e) + Double(u) / 100))
            }
        }
        return events
    }

    @Test func splitsAreReproducibleAndRespectTheirProtocol() throws {
        let events = dataset()
        let a = try DataSplit(interactions: events, protocol: .randomHoldout(testFraction: 0.25), seed: 1)
        let b = try DataSplit(interactions: events.reversed(), protocol: .randomHoldout(testFraction: 0.25), seed: 1)
        let c = try DataSplit(interactions: events, protocol: .randomHoldout(testFraction: 0.25), seed: 2)
        #expect(a.test == b.test && a.train == b.train)
        #expect(a.test != c.test)
        #expect(a.test.count == 30 * 2 && a.train.count == 30 * 6)

        let last = try DataSplit(interactions: events, protocol: .leaveLastOut, seed: 0)
        #expect(last.test.count == 30)
        for event in last.test {
            #expect(last.train.filter { $0.user == event.user }.allSatisfy { $0.timestamp <= event.timestamp })
        }

        let coldItems = try DataSplit(interactions: events, protocol: .coldItem(itemFraction: 0.2), seed: 3)
        #expect(!coldItems.coldItems.isEmpty)
        #expect(coldItems.train.allSatisfy { !coldItems.coldItems.contains($0.item) })
        #expect(coldItems.test.allSatisfy { coldItems.coldItems.contains($0.item) })
        #expect(coldItems.train.count + coldItems.test.count == events.count)

        let coldUsers = try DataSplit(interactions: events, protocol: .coldUser(userFraction: 0.2, onboardingCount: 2), seed: 4)
        #expect(coldUsers.coldUsers.count == 6)
        #expect(coldUsers.train.allSatisfy { !coldUsers.coldUsers.contains($0.user) })
        #expect(coldUsers.onboarding.count == 12 && coldUsers.test.count == 36)
        for user in coldUsers.coldUsers {
            let first = coldUsers.onboarding.filter { $0.user == user }.map(\.timestamp).max() ?? .distantPast
            #expect(coldUsers.test.filter { $0.user == user }.allSatisfy { $0.timestamp >= first })
        }
        #expect(throws: (any Error).self) { try DataSplit(interactions: events, protocol: .coldItem(itemFraction: 1.5), seed: 0) }
    }

    @Test func evaluatorScoresOracleRandomAndPopularity() throws {
        let catalog = (0..<40).map { "i\($0)" }
        // Everyone liked i0–i4 before; in test, each user likes one of i0–i4 they had not seen.
        var events: [Interaction] = []
        var test: [Interaction] = []
        for u in 0..<20 {
            for i in 0..<5 where i != u % 5 { events.append(CoreTestSupport.event("u\(u)", "i\(i)", .like)) }
            events.append(CoreTestSupport.event("u\(u)", "i\(5 + u)", .view))
            test.append(CoreTestSupport.event("u\(u)", "i\(u % 5)", .like, day: 1))
        }
        test.append(CoreTestSupport.event("u0", "i39", .dislike, day: 2))  // not relevant
        let split = DataSplit(train: events, test: test)
        let evaluator = Evaluator(catalog: catalog, options: EvaluationOptions(cutoffs: [1, 5]))
        let relevantByUser = Dictionary(grouping: test.filter { $0.kind == .like }, by: \.user).mapValues { Set($0.map(\.item)) }
        let oracle = try evaluator.evaluate(split: split) { user, _, candidates in
            candidates.map { relevantByUser[user]?.contains($0) == true ? 1 : 0 }
        }
        #expect(oracle.userCount == 20 && oracle.recall[1] == 1 && oracle.ndcg[5] == 1 && oracle.auc == 1)
        let popularity = try evaluator.evaluate(split: split, scorer: Baselines.popularity(train: split.train))
        let random = try evaluator.evaluate(split: split, scorer: Baselines.random(seed: 5))
        #expect(popularity.hitRate[1] == 1)  // the unseen popular item is the test item
        #expect(popularity.auc > 0.95)
        #expect(random.auc > 0.2 && random.auc < 0.8)
        #expect(random.recall[5]! < popularity.recall[5]!)
        #expect(try evaluator.evaluate(split: split, scorer: Baselines.random(seed: 5)) == random)
        #expect(throws: (any Error).self) { try evaluator.evaluate(split: split) { _, _, _ in [1] } }
    }

    @Test func contentSimilarityBeatsRandomOnClusteredTastes() throws {
        let catalog = try ClusteredCatalog()
        var events: [Interaction] = []
        for u in 0..<9 {
            let cluster = ClusteredCatalog.clusters[u % 3]
            for i in 0..<4 { events.append(CoreTestSupport.event("u\(u)", "\(cluster)\(u + i)", .like, day: Double(i))) }
        }
        let split = try DataSplit(interactions: events, protocol: .leaveLastOut, seed: 0)
        let evaluator = Evaluator(catalog: catalog.recommender.items.keys.sorted(), options: EvaluationOptions(cutoffs: [20]))
        let content = try evaluator.evaluate(split: split, scorer: Baselines.contentSimilarity(catalog.recommender))
        let random = try evaluator.evaluate(split: split, scorer: Baselines.random(seed: 1))
        #expect(content.userCount == 9)
        #expect(content.auc > 0.8, "content AUC \(content.auc)")
        #expect(content.recall[20]! > random.recall[20]!)
    }
}
