import Foundation
import Testing
import VitrineTensor

/// Worst scaled GELU error on [-5, 5] (relative 2e-6) and on [-10, 10] (absolute 1e-6).
func geluErrors() -> (near: Double, far: Double) {
    let near = (0...2000).map { Float($0) / 200 - 5 }, far = (0...2000).map { Float($0) / 100 - 10 }
    let gotNear = gelu(Tensor(shape: [near.count], scalars: near)).scalars
    let gotFar = gelu(Tensor(shape: [far.count], scalars: far)).scalars
    return (worstError(gotNear, near.map { referenceActivation(Double($0), .gelu) }, relative: 2e-6, absolute: 1e-12),
            worstError(gotFar, far.map { referenceActivation(Double($0), .gelu) }, relative: 1e-5, absolute: 1e-6))
}

func layerNormError(_ random: inout SeededRandom, rows: Int, width: Int, epsilon: Float) -> Double {
    let x = random.tensor([rows, width], scale: 3), gamma = random.tensor([width]), beta = random.tensor([width])
    let got = layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon)
    var want: [Double] = []
    for r in 0..<rows {
        let row = x.row(r).map(Double.init)
        let mean = row.reduce(0, +) / Double(width)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
        for (j, v) in row.enumerated() {
            want.append((v - mean) / (variance + Double(epsilon)).squareRoot() * Double(gamma.scalars[j]) + Double(beta.scalars[j]))
        }
    }
    return worstError(got.scalars, want, relative: 1e-5, absolute: 1e-5)
}

func softmaxError(_ random: inout SeededRandom, rows: Int, width: Int, scale: Float) -> Double {
    let x = random.tensor([rows, width], scale: 4)
    let mask = Tensor(shape: [width], scalars: (0..<width).map { $0 % 3 == 2 ? -10000 : 0 })
    let got = softmax(x, scale: scale, mask: mask)
    var want: [Double] = []
    for r in 0..<rows {
        let logits = x.row(r).enumerated().map { Double($1) * Double(scale) + Double(mask.scalars[$0]) }
        let top = logits.max() ?? 0
        let e = logits.map { Foundation.exp($0 - top) }
        let sum = e.reduce(0, +)
        want += e.map { $0 / sum }
    }
    return worstError(got.scalars, want, relative: 1e-5, absolute: 1e-7)
}

@Suite struct ElementwiseTests {
    @Test func geluIsAccurateToAMillionth() {
        let errors = geluErrors()
        #expect(errors.near <= 1, "relative error on [-5, 5]: \(errors.near * 2e-6)")
        #expect(errors.far <= 1)
    }

    @Test func reluAndRelu6Clamp() {
        let x = Tensor(shape: [7], scalars: [-3, -0.5, 0, 0.5, 5.9, 6, 8])
        #expect(relu(x).scalars == [0, 0, 0, 0.5, 5.9, 6, 8])
        #expect(relu6(x).scalars == [0, 0, 0, 0.5, 5.9, 6, 6])
    }

    @Test func layerNormMatchesDoublePrecision() {
        var random = SeededRandom(seed: 20)
        for width in [1, 5, 16, 37, 384] {
            #expect(layerNormError(&random, rows: 3, width: width, epsilon: 1e-12) <= 1, "width \(width)")
        }
        #expect(layerNormError(&random, rows: 2, width: 33, epsilon: 1e-5) <= 1)
    }

    @Test func softmaxMatchesDoublePrecisionWithMask() {
        var random = SeededRandom(seed: 21)
        for width in [1, 3, 16, 17, 128, 131] {
            #expect(softmaxError(&random, rows: 4, width: width, scale: 0.125) <= 1, "width \(width)")
        }
    }

    @Test func softmaxOfFullyMaskedRowIsZeroAndMaskedEntriesVanish() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1, 2, 3])
        let mask = Tensor(shape: [2, 3], scalars: [0, -.infinity, 0, -.infinity, -.infinity, -.infinity])
        let y = softmax(x, mask: mask)
        #expect(y[0, 1] == 0)
        #expect(abs(y[0, 0] + y[0, 2] - 1) < 1e-6)
        #expect(y.row(1).allSatisfy { $0 == 0 })
    }

    @Test func poolingAddingAndNormalizing() {
        var random = SeededRandom(seed: 22)
        let image = random.tensor([3, 5, 7])
        let pooled = globalAveragePool(image)
        for c in 0..<3 {
            let mean = image.scalars[c * 35 ..< (c + 1) * 35].map(Double.init).reduce(0, +) / 35
            #expect(abs(Double(pooled.scalars[c]) - mean) < 1e-6)
        }
        let a = random.tensor([4, 19]), b = random.tensor([4, 19])
        #expect((a + b).scalars == zip(a.scalars, b.scalars).map { $0 + $1 })
        let unit = l2Normalized(a)
        for r in 0..<4 {
            #expect(abs(unit.row(r).map { Double($0) * Double($0) }.reduce(0, +) - 1) < 1e-5)
        }
        #expect(l2Normalized(Tensor(zeros: [2, 3])).scalars == [0, 0, 0, 0, 0, 0])
    }

    /// One rule for vectors and tensor rows: the same bits for the same values, and no direction
    /// (nil for a vector, the row unchanged in a tensor) for a zero or non-finite norm.
    @Test func vectorNormalizationIsTheTensorRuleWithNilForNoDirection() throws {
        var random = SeededRandom(seed: 24)
        let rows = random.tensor([3, 37])
        let tensorUnits = l2Normalized(rows)
        for r in 0..<3 {
            let unit = try #require(l2Normalized(Array(rows.row(r))))
            #expect(unit == Array(tensorUnits.row(r)))
            #expect(abs(unit.map { Double($0) * Double($0) }.reduce(0, +) - 1) < 1e-5)
        }
        let small = try #require(l2Normalized([3, 4]))
        #expect(abs(small[0] - 0.6) < 1e-7 && abs(small[1] - 0.8) < 1e-7)
        for noDirection: [Float] in [[], [0, 0, 0], [1, .nan], [1, .infinity], [3e38, 3e38]] {
            #expect(l2Normalized(noDirection) == nil, "\(noDirection)")
        }
        let overflowing = Tensor(shape: [1, 2], scalars: [3e38, 3e38])
        #expect(l2Normalized(overflowing).scalars == [3e38, 3e38])
    }

    @Test func attentionMatchesNaivePerHead() {
        var random = SeededRandom(seed: 23)
        let (queries, keys, heads, d) = (5, 7, 3, 4)
        let q = random.tensor([queries, heads * d]), k = random.tensor([keys, heads * d]), v = random.tensor([keys, heads * d])
        let mask = Tensor(shape: [keys], scalars: (0..<keys).map { $0 == 6 ? -10000 : 0 })
        let got = attention(query: q, key: k, value: v, heads: heads, keyMask: mask)
        var want = [Double](repeating: 0, count: queries * heads * d)
        for h in 0..<heads {
            for i in 0..<queries {
                var logits = (0..<keys).map { j in
                    (0..<d).map { Double(q[i, h * d + $0]) * Double(k[j, h * d + $0]) }.reduce(0, +) / Double(d).squareRoot()
                        + Double(mask.scalars[j])
                }
                let top = logits.max() ?? 0
                logits = logits.map { Foundation.exp($0 - top) }
                let sum = logits.reduce(0, +)
                for e in 0..<d {
                    want[i * heads * d + h * d + e] = (0..<keys).map { logits[$0] / sum * Double(v[$0, h * d + e]) }.reduce(0, +)
                }
            }
        }
        #expect(got.shape == [queries, heads * d])
        #expect(worstError(got.scalars, want, relative: 1e-5, absolute: 1e-5) <= 1)
    }
}
