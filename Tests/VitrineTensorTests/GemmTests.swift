import Testing
import VitrineTensor

/// One GEMM case checked against the double-precision reference; returns the worst scaled error.
func checkGemm(
    _ random: inout SeededRandom, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
    alpha: Float = 1, beta: Float = 0, rowBias: Bool = false, columnBias: Bool = false,
    activation: Activation = .none, threads: Int = 1, padding: Int = 0
) -> Double {
    let lda = (transposeA ? m : k) + padding, ldb = (transposeB ? k : n) + padding, ldc = n + padding
    let a = random.floats(max(1, (transposeA ? k : m) * lda))
    let b = random.floats(max(1, (transposeB ? n : k) * ldb))
    var c = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : random.floats(m * ldc)
    let rb = rowBias ? random.floats(m) : nil, cb = columnBias ? random.floats(n) : nil
    let want = referenceGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                             a: a, lda: max(1, lda), b: b, ldb: max(1, ldb), beta: beta, c: c, ldc: max(1, ldc),
                             rowBias: rb, columnBias: cb, activation: activation)
    withOptional(rb) { prb in
        withOptional(cb) { pcb in
            Kernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                         a: a, lda: max(1, lda), b: b, ldb: max(1, ldb), beta: beta, c: &c, ldc: max(1, ldc),
                         rowBias: prb, columnBias: pcb, activation: activation, threads: threads)
        }
    }
    // Padding columns of C are never written and hold NaN (beta 0) or old values; compare only the matrix.
    var got: [Float] = [], expected: [Double] = [], scale: [Double] = []
    for i in 0..<m {
        for j in 0..<n {
            got.append(c[i * ldc + j])
            expected.append(want.values[i * ldc + j])
            scale.append(want.magnitudes[i * ldc + j])
        }
    }
    var worst = 0.0
    for idx in got.indices {
        let tolerance = 1e-6 * Double(k + 4) * (scale[idx] + 1)
        let e = abs(Double(got[idx]) - expected[idx]) / tolerance
        if !(e <= worst) { worst = e.isNaN ? .infinity : e }
    }
    return worst
}

func withOptional<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

@Suite struct GemmTests {
    @Test func randomShapesMatchNaiveForEveryTransposeCombination() {
        var random = SeededRandom(seed: 1)
        let sizes = [1, 2, 3, 5, 6, 7, 13, 17, 31, 32, 33, 47, 64]
        for trial in 0..<60 {
            let m = sizes[random.int(0...sizes.count - 1)], n = sizes[random.int(0...sizes.count - 1)]
            let k = sizes[random.int(0...sizes.count - 1)]
            let ta = trial % 2 == 1, tb = trial / 2 % 2 == 1
            let error = checkGemm(&random, m: m, n: n, k: k, transposeA: ta, transposeB: tb, padding: trial % 3)
            #expect(error <= 1, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb): error \(error)")
        }
    }

    @Test func blockEdgesInDepthRowsAndColumnsAreCovered() {
        var random = SeededRandom(seed: 2)
        // k beyond one 256-deep block, m beyond one 144-row block, n beyond one 3072-column block.
        for (m, n, k) in [(7, 9, 300), (150, 35, 20), (2, 3100, 3), (13, 40, 513)] {
            for (ta, tb) in [(false, false), (true, true)] {
                let error = checkGemm(&random, m: m, n: n, k: k, transposeA: ta, transposeB: tb, beta: 0.5)
                #expect(error <= 1, "m \(m) n \(n) k \(k): error \(error)")
            }
        }
    }

    @Test func epiloguesApplyAfterTheFullSum() {
        var random = SeededRandom(seed: 3)
        for activation in Activation.allCases {
            for (rowBias, columnBias) in [(true, false), (false, true), (true, true)] {
                // k = 300 crosses a depth block: the activation must see the finished sum only.
                let error = checkGemm(&random, m: 14, n: 37, k: 300, transposeA: false, transposeB: true,
                                      alpha: 0.7, beta: 0.3, rowBias: rowBias, columnBias: columnBias,
                                      activation: activation)
                #expect(error <= 1, "\(activation) rowBias \(rowBias) columnBias \(columnBias): error \(error)")
            }
        }
    }

    @Test func vectorShapesAndEmptyDepthAreCorrect() {
        var random = SeededRandom(seed: 4)
        for (m, n, k) in [(1, 1, 1), (1, 50, 37), (50, 1, 37), (1, 1, 100), (5, 7, 0), (1, 9, 0)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for activation in [Activation.none, .gelu] {
                    let error = checkGemm(&random, m: m, n: n, k: k, transposeA: ta, transposeB: tb, alpha: 1.5,
                                          beta: k == 0 ? 0.5 : 0, rowBias: true, columnBias: true,
                                          activation: activation, padding: 1)
                    #expect(error <= 1, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb) \(activation): error \(error)")
                }
            }
        }
    }

    @Test func matmulAndLinearUseTensorLayouts() {
        var random = SeededRandom(seed: 6)
        let x = random.tensor([2, 3, 5]), weight = random.tensor([4, 5]), bias = random.tensor([4])
        let y = linear(x, weight: weight, bias: bias, activation: .relu)
        #expect(y.shape == [2, 3, 4])
        for row in 0..<6 {
            for o in 0..<4 {
                var sum = Double(bias.scalars[o])
                for i in 0..<5 { sum += Double(x.scalars[row * 5 + i]) * Double(weight.scalars[o * 5 + i]) }
                #expect(abs(Double(y.scalars[row * 4 + o]) - max(sum, 0)) < 1e-5)
            }
        }
        let a = random.tensor([3, 4]), b = random.tensor([4, 2])
        let product = matmul(a, b)
        #expect(product.shape == [3, 2])
        #expect(abs(product[2, 1] - (0..<4).map { a[2, $0] * b[$0, 1] }.reduce(0, +)) < 1e-5)
        let transposed = matmul(b, a, transposeA: true, transposeB: true)
        #expect(transposed.shape == [2, 3])
        #expect(abs(transposed[1, 2] - product[2, 1]) < 1e-5)
    }
}
