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

    /// The fp16 kernels (vcvtph2ps on AVX-512 / F16C, branchless integer widening on portable) against a naive
    /// sum over the same fp16 values widened by `HalfPrecision`, odd lengths included; and the
    /// widening itself bit-exact, subnormals, infinities and signed zero included.
    @Test func halfPrecisionDotsMatchNaive() {
        var random = SeededRandom(seed: 32)
        for n in [1, 7, 15, 16, 17, 63, 64, 65, 384, 1281] {
            let x = random.floats(n), y = random.floats(n).map(HalfPrecision.bits(from:)), z = random.floats(n).map(HalfPrecision.bits(from:))
            let wide = y.map(HalfPrecision.float(fromBits:)), wideZ = z.map(HalfPrecision.float(fromBits:))
            let want = zip(x, wide).map { Double($0) * Double($1) }.reduce(0, +)
            let wantHalves = zip(wideZ, wide).map { Double($0) * Double($1) }.reduce(0, +)
            let got = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { Kernels.dot(count: n, xp.baseAddress!, halves: $0.baseAddress!) } }
            let gotHalves = z.withUnsafeBufferPointer { zp in y.withUnsafeBufferPointer { Kernels.dot(count: n, halves: zp.baseAddress!, $0.baseAddress!) } }
            #expect(worstError([got, gotHalves], [want, wantHalves], relative: 1e-5, absolute: 1e-5) <= 1, "n = \(n)")
        }
        let special: [UInt16] = [0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0x7c00, 0xfc00, 0x3555]
        var widened = [Float](repeating: 0, count: special.count)
        special.withUnsafeBufferPointer { s in widened.withUnsafeMutableBufferPointer { Kernels.widen(count: special.count, halves: s.baseAddress!, into: $0.baseAddress!) } }
        #expect(widened.map(\.bitPattern) == special.map { HalfPrecision.float(fromBits: $0).bitPattern })
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
