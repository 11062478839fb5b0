import Testing
import VitrineTensor

@Suite struct ScoringTests {
    @Test func dotScoresMatchNaive() {
        var random = SeededRandom(seed: 30)
        for (rows, dimension) in [(1, 1), (3, 5), (1000, 37), (300, 384)] {
            let items = random.floats(rows * dimension), query = random.floats(dimension)
            let scores = dotScores(items: items, dimension: dimension, query: query)
            let want = (0..<rows).map { r in (0..<dimension).map { Double(items[r * dimension + $0]) * Double(query[$0]) }.reduce(0, +) }
            #expect(worstError(scores, want, relative: 1e-5, absolute: 1e-5) <= 1, "\(rows)×\(dimension)")
        }
    }

    @Test func topKReturnsBestFirstWithStableTiesAndSkipsNaN() {
        let scores: [Float] = [0.5, .nan, 0.9, 0.5, -1, 0.9, 0.1]
        #expect(topK(scores, k: 3) == [ScoredIndex(index: 2, score: 0.9), ScoredIndex(index: 5, score: 0.9),
                                       ScoredIndex(index: 0, score: 0.5)])
        #expect(topK(scores, k: 0).isEmpty)
        #expect(topK(scores, k: 10).count == 6)
        var random = SeededRandom(seed: 31)
        let many = random.floats(5000)
        let sorted = many.enumerated().sorted { $0.element > $1.element }.prefix(25).map(\.offset)
        #expect(topK(many, k: 25).map(\.index) == sorted)
    }
}
