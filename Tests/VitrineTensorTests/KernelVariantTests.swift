import Foundation
import Testing
import VitrineTensor

/// Every supported instruction-set variant against the naive references. The only suite that
/// switches variants, serialized so each check runs on the variant it names.
@Suite(.serialized) struct KernelVariantTests {
    /// int8 dot products are exact integers on every variant (extremes ±127 included, ragged lengths),
    /// and quantization reproduces a row within half a step.
    @Test func everySupportedVariantComputesInt8DotsExactly() {
        forEachInt8Kernel { variant in
            var random = SeededRandom(seed: 44)
            for n in [1, 15, 16, 31, 63, 64, 65, 127, 128, 200, 384, 1280, 1664] {
                let x = random.floats(n).map { Int8(max(-127, min(127, ($0 * 127).rounded()))) }
                let y = random.floats(n).map { Int8(max(-127, min(127, ($0 * 127).rounded()))) }
                let want = zip(x, y).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
                let got = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { Kernels.dot(count: n, int8: xp.baseAddress!, $0.baseAddress!) } }
                #expect(got == want, "\(variant) n = \(n)")
                let extreme = [Int8](repeating: 127, count: n), negative = [Int8](repeating: -127, count: n)
                let worst = extreme.withUnsafeBufferPointer { a in negative.withUnsafeBufferPointer { Kernels.dot(count: n, int8: a.baseAddress!, $0.baseAddress!) } }
                #expect(worst == -Int32(127 * 127 * n), "\(variant) n = \(n) at the extremes")
            }
            let row = random.floats(1664)
            var codes = [Int8](repeating: 0, count: row.count)
            let scale = row.withUnsafeBufferPointer { r in codes.withUnsafeMutableBufferPointer { Kernels.quantize(count: row.count, r.baseAddress!, into: $0.baseAddress!) } }
            #expect(scale == row.map(abs).max()! / 127)
            #expect(zip(row, codes).allSatisfy { abs($0 - scale * Float($1)) <= scale / 2 * 1.0001 }, "\(variant) quantization")
            var zeros = [Int8](repeating: 1, count: 4)
            #expect([Float](repeating: 0, count: 4).withUnsafeBufferPointer { z in zeros.withUnsafeMutableBufferPointer { Kernels.quantize(count: 4, z.baseAddress!, into: $0.baseAddress!) } } == 0)
            #expect(zeros == [0, 0, 0, 0])
        }
    }

    /// fp16 → fp32 widening, as the fp16 dots and row reads run it, is exact on every variant for all
    /// 65,536 bit patterns (subnormals, infinities, signed zeros; NaNs stay NaN), and the fp16 dots agree.
    @Test func everySupportedVariantWidensEveryHalfExactly() {
        let all = (0 ... UInt16.max).map { $0 }
        forEachSupportedVariant { variant in
            var widened = [Float](repeating: 0, count: all.count)
            all.withUnsafeBufferPointer { s in widened.withUnsafeMutableBufferPointer { Kernels.widen(count: all.count, halves: s.baseAddress!, into: $0.baseAddress!) } }
            let wrong = zip(all, widened).filter { bits, got in
                let want = HalfPrecision.float(fromBits: bits)
                return want.isNaN ? !got.isNaN : got.bitPattern != want.bitPattern
            }
            let first = wrong.first.map { "0x" + String($0.0, radix: 16) + " → \($0.1)" } ?? ""
            #expect(wrong.count == 0, "\(variant): halves widened wrongly, first \(first)")
            var random = SeededRandom(seed: 47)
            for n in [3, 64, 387, 1280] {
                let x = random.floats(n), y = random.floats(n, scale: 1e-4).map(HalfPrecision.bits(from:))  // many subnormal halves
                let terms = zip(x, y).map { Double($0) * Double(HalfPrecision.float(fromBits: $1)) }
                let want = terms.reduce(0, +), scale = terms.map(abs).reduce(0, +)
                let got = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { Kernels.dot(count: n, xp.baseAddress!, halves: $0.baseAddress!) } }
                #expect(abs(Double(got) - want) <= 1e-5 * scale, "\(variant) n = \(n): \(got) vs \(want)")
            }
        }
    }

    /// The int8 GEMM on every variant (VNNI, AVX2 and portable kernels) is bitwise the product of the
    /// quantized operands computed here in plain Swift — the same codes, exact integer sums, the same
    /// float epilogue — across ragged shapes, two threads, bias and beta; GELU matches within rounding;
    /// and the result stays close to the fp32 product.
    @Test func everySupportedVariantComputesInt8GemmExactly() {
        let shapes = [(1, 1, 1), (7, 17, 5), (13, 33, 70), (37, 100, 384), (151, 45, 33), (2, 300, 97)]
        var firstVariant: [[Float]] = []
        forEachInt8Kernel { variant in
            var random = SeededRandom(seed: 45)
            var results: [[Float]] = []
            for (m, n, k) in shapes {
                let a = random.floats(m * k), w = random.floats(k * n, scale: 0.2), bias = random.floats(n)
                let old = random.floats(m * n)
                let weights = QuantizedPanels(w, k: k, n: n)
                func product(_ activation: Activation) -> [Float] {
                    var c = old
                    a.withUnsafeBufferPointer { pa in bias.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                        Kernels.gemm(m: m, a: pa.baseAddress!, lda: k, quantizedB: weights, beta: 0.5, c: pc.baseAddress!, ldc: n,
                                     columnBias: pb.baseAddress, activation: activation, threads: 2)
                    } } }
                    return c
                }
                let got = product(.none)
                let want = quantizedProduct(a: a, w: w, bias: bias, old: old, beta: 0.5, m: m, n: n, k: k)
                #expect(got == want, "\(variant) m \(m) n \(n) k \(k): int8 GEMM differs from the quantized reference")
                let gelu = product(.gelu)
                func exactGELU(_ x: Float) -> Double {
                    let v = Double(x)
                    return 0.5 * v * erfc(-v / 2.0.squareRoot())
                }
                let geluError = zip(gelu, want).map { g, x in abs(Double(g) - exactGELU(x)) }.max()!
                #expect(geluError <= 1e-5, "\(variant) m \(m) n \(n) k \(k): GELU epilogue off by \(geluError)")
                var exact = [Double](repeating: 0, count: m * n), largest = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = Double(bias[j]) + 0.5 * Double(old[i * n + j])
                        for t in 0..<k { sum += Double(a[i * k + t]) * Double(w[t * n + j]) }
                        exact[i * n + j] = sum
                        largest = max(largest, abs(sum))
                    }
                }
                let drift = zip(got, exact).map { abs(Double($0) - $1) }.max()!
                #expect(drift <= 0.02 * largest, "\(variant) m \(m) n \(n) k \(k): int8 product \(drift) away from fp32 (largest \(largest))")
                results.append(got)
            }
            // Two channels 40× the rest: kept in fp32 they no longer set every row's int8 step.
            let (m, n, k) = (37, 100, 384)
            var a = random.floats(m * k)
            for i in 0..<m { a[i * k + 5] *= 40; a[i * k + 77] *= 40 }
            let w = random.floats(k * n, scale: 0.2)
            func error(outliers: [Int]) -> Double {
                var c = [Float](repeating: 0, count: m * n)
                let weights = QuantizedPanels(w, k: k, n: n, outlierRows: outliers)
                a.withUnsafeBufferPointer { pa in c.withUnsafeMutableBufferPointer { pc in
                    Kernels.gemm(m: m, a: pa.baseAddress!, lda: k, quantizedB: weights, c: pc.baseAddress!, ldc: n, threads: 2)
                } }
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum = 0.0
                        for t in 0..<k { sum += Double(a[i * k + t]) * Double(w[t * n + j]) }
                        worst = max(worst, abs(sum - Double(c[i * n + j])))
                    }
                }
                return worst
            }
            let plain = error(outliers: []), split = error(outliers: [77, 5])
            #expect(split < 0.25 * plain, "\(variant): outlier channels in fp32 should cut the error (\(split) vs \(plain))")
            if firstVariant.isEmpty { firstVariant = results } else { #expect(results == firstVariant, "\(variant) differs from the first variant") }
        }
    }

    /// The fp32 outlier channels are added by the int8 driver while each row block is in cache: after the
    /// int8 product, bias and beta·C, before the activation — also when a part covers only some columns
    /// (few rows, split by column tiles over two threads) and when the outliers include the last channel.
    @Test func int8OutlierChannelsJoinBeforeTheActivation() {
        forEachInt8Kernel { variant in
            var random = SeededRandom(seed: 46)
            for (m, n, k, outliers) in [(37, 100, 384, [5, 77]), (2, 300, 97, [0, 96]), (13, 33, 70, [69])] {
                var a = random.floats(m * k)
                for i in 0..<m { for channel in outliers { a[i * k + channel] *= 40 } }
                let w = random.floats(k * n, scale: 0.2), bias = random.floats(n), old = random.floats(m * n)
                var c = old
                let weights = QuantizedPanels(w, k: k, n: n, outlierRows: outliers)
                a.withUnsafeBufferPointer { pa in bias.withUnsafeBufferPointer { pb in c.withUnsafeMutableBufferPointer { pc in
                    Kernels.gemm(m: m, a: pa.baseAddress!, lda: k, quantizedB: weights, beta: 0.5, c: pc.baseAddress!, ldc: n,
                                 columnBias: pb.baseAddress, activation: .relu, threads: 2)
                } } }
                // The int8 part sees the outlier channels (and their weight rows) as 0.
                var inner = a, innerW = w
                for channel in outliers {
                    for i in 0..<m { inner[i * k + channel] = 0 }
                    for j in 0..<n { innerW[channel * n + j] = 0 }
                }
                let int8Part = quantizedProduct(a: inner, w: innerW, bias: bias, old: old, beta: 0.5, m: m, n: n, k: k)
                var worst = 0.0, largest = 0.0
                for i in 0..<m {
                    for j in 0..<n {
                        var want = Double(int8Part[i * n + j])
                        for channel in outliers { want += Double(a[i * k + channel]) * Double(w[channel * n + j]) }
                        want = max(0, want)
                        largest = max(largest, abs(want))
                        worst = max(worst, abs(want - Double(c[i * n + j])))
                    }
                }
                #expect(worst <= 1e-5 * max(1, largest), "\(variant) m \(m) n \(n) k \(k): outlier channels off by \(worst)")
            }
        }
    }

    @Test func everySupportedVariantComputesGemmCorrectly() {
        forEachSupportedVariant { variant in
            var random = SeededRandom(seed: 40)
            for (m, n, k) in [(1, 1, 1), (7, 33, 19), (13, 70, 300), (1, 45, 20), (30, 1, 20), (151, 45, 33)] { // 151: two row blocks, ragged 7-row tiles
                for activation in Activation.allCases {
                    let error = checkGemm(&random, m: m, n: n, k: k, transposeA: m % 2 == 0, transposeB: n % 2 == 1,
                                          beta: 0.5, rowBias: true, columnBias: true, activation: activation,
                                          threads: 2, padding: 1)
                    #expect(error <= 1, "\(variant) m \(m) n \(n) k \(k) \(activation): \(error)")
                }
            }
        }
    }

    @Test func everySupportedVariantComputesDepthwiseAndRowKernelsCorrectly() {
        forEachSupportedVariant { variant in
            var random = SeededRandom(seed: 41)
            for (k, stride) in [(3, 1), (3, 2), (5, 2)] {
                let r = checkDepthwise(&random, channels: 2, height: 9, width: 67, k: k, stride: stride,
                                       padding: .same(height: 9, width: 67, kernel: k, stride: stride), activation: .relu6)
                #expect(r.shapeMatches && r.error <= 1, "\(variant) k \(k) stride \(stride): \(r.error)")
            }
            for (channels, stride) in [(16, 2), (21, 2), (37, 1), (40, 1)] { // stride 1: the sliding-window path
                let r = checkDepthwiseChannelsLast(&random, channels: channels, height: 9, width: 14, k: 3, stride: stride,
                                                   padding: .same(height: 9, width: 14, kernel: 3, stride: stride))
                #expect(r.shapeMatches && r.error <= 1, "\(variant) channels-last depthwise, \(channels) channels, stride \(stride): \(r.error)")
            }
            let gelu = geluErrors()
            #expect(gelu.near <= 1 && gelu.far <= 1, "\(variant) gelu: \(gelu)")
            #expect(layerNormError(&random, rows: 2, width: 53, epsilon: 1e-12) <= 1, "\(variant) layerNorm")
            #expect(softmaxError(&random, rows: 3, width: 67, scale: 0.5) <= 1, "\(variant) softmax")
        }
    }

    @Test func everySupportedVariantRunsFusedInvertedResidualBlocks() {
        forEachSupportedVariant { variant in
            #expect(invertedResidualMismatches(seed: 61, bitwise: true) == [], "\(variant)")
        }
    }

    /// Here rather than in GemmTests: bitwise equality holds only while no other test switches variants.
    @Test func twoThreadsGiveBitwiseTheSameResultAsOne() {
        forEachSupportedVariant { variant in
            var random = SeededRandom(seed: 5)
            for (m, n, k) in [(64, 96, 80), (130, 24, 70), (3, 400, 200), (200, 1, 300), (1, 300, 200)] {
                let a = random.floats(m * k), b = random.floats(k * n), bias = random.floats(m)
                var one = [Float](repeating: 0, count: m * n), two = one
                Kernels.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &one, ldc: n, rowBias: bias,
                             activation: .relu6, threads: 1)
                Kernels.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &two, ldc: n, rowBias: bias,
                             activation: .relu6, threads: 2)
                let differing = zip(one, two).filter { $0 != $1 }.count
                #expect(differing == 0, "\(variant) m \(m) n \(n) k \(k): \(differing) elements differ")
                let error = checkGemm(&random, m: m, n: n, k: k, transposeA: true, transposeB: false, threads: 2)
                #expect(error <= 1, "\(variant) m \(m) n \(n) k \(k) with 2 threads: error \(error)")
            }
        }
    }

    /// Pre-packed B panels must give bitwise the same product as packing inside the call: same
    /// panels, same order of accumulation. Shapes cross KC (256) and MC (144), leave ragged panels,
    /// and split over two threads by columns and by rows; a packing made for another variant's panel
    /// width must be ignored (fall back to packing `b`).
    @Test func prePackedBGivesBitwiseTheSameProduct() {
        var random = SeededRandom(seed: 42)
        let foreign = (m: 9, n: 70, k: 300)
        let foreignB = random.floats(foreign.k * foreign.n)
        var foreignPacking: (panels: PackedPanels, variant: KernelVariant)?
        forEachSupportedVariant { variant in
            if foreignPacking == nil { foreignPacking = (PackedPanels(foreignB, k: foreign.k, n: foreign.n), variant) } // packed for the first variant
            let (foreignPacked, packedFor) = foreignPacking!
            for (m, n, k, transposeB) in [(7, 33, 19, false), (49, 200, 300, false), (150, 70, 40, true), (3, 400, 530, false),
                                          (200, 45, 260, true)] {
                let a = random.floats(m * k), b = random.floats(k * n), bias = random.floats(n)
                let packed = PackedPanels(b, transposed: transposeB, k: k, n: n)
                for threads in [1, 2] {
                    var plain = [Float](repeating: 0, count: m * n), prepacked = plain
                    Kernels.gemm(transposeB: transposeB, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: transposeB ? k : n,
                                 c: &plain, ldc: n, columnBias: bias, activation: .relu6, threads: threads)
                    Kernels.gemm(transposeB: transposeB, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: transposeB ? k : n,
                                 c: &prepacked, ldc: n, columnBias: bias, activation: .relu6, packedB: packed, threads: threads)
                    let differing = zip(plain, prepacked).filter { $0 != $1 }.count
                    #expect(differing == 0, "\(variant) m \(m) n \(n) k \(k) transposed \(transposeB) threads \(threads): \(differing) differ")
                }
            }
            let a = random.floats(foreign.m * foreign.k)
            var plain = [Float](repeating: 0, count: foreign.m * foreign.n), prepacked = plain
            Kernels.gemm(m: foreign.m, n: foreign.n, k: foreign.k, a: a, lda: foreign.k, b: foreignB, ldb: foreign.n, c: &plain, ldc: foreign.n)
            Kernels.gemm(m: foreign.m, n: foreign.n, k: foreign.k, a: a, lda: foreign.k, b: foreignB, ldb: foreign.n, c: &prepacked,
                         ldc: foreign.n, packedB: foreignPacked)
            #expect(plain == prepacked, "\(variant) with panels packed for \(packedFor)")
        }
    }

    /// A query scored alone (GEMV) and inside a batch (`dotScores` over many queries) must get
    /// bitwise the same scores on every variant: search results and caches see one answer per query.
    /// Dimensions cover every tail of the 4-, 8- and 16-lane loops; 2 threads split the rows.
    @Test func batchScoresEqualSingleQueryScoresBitwise() {
        forEachSupportedVariant { variant in
            var random = SeededRandom(seed: 43)
            for (rows, dimension, queries) in [(120, 9, 40), (57, 1, 3), (300, 37, 5), (1000, 384, 33), (70, 1664, 4), (5, 67, 1)] {
                let items = random.floats(rows * dimension), batch = random.floats(queries * dimension)
                var together = [Float](repeating: .nan, count: rows * queries)
                for threads in [1, 2] {
                    Kernels.dotScores(rows: rows, dimension: dimension, items: items, queryCount: queries, queries: batch,
                                      into: &together, threads: threads)
                    for q in 0..<queries {
                        var alone = [Float](repeating: .nan, count: rows)
                        Array(batch[q * dimension ..< (q + 1) * dimension]).withUnsafeBufferPointer { query in
                            Kernels.gemv(rows: rows, columns: dimension, a: items, lda: dimension, x: query.baseAddress!,
                                         y: &alone, threads: threads)
                        }
                        let differing = zip(alone, together[q * rows ..< (q + 1) * rows]).filter { $0 != $1 }.count
                        #expect(differing == 0, "\(variant) \(rows)×\(dimension), query \(q) of \(queries), \(threads) threads: \(differing) differ")
                    }
                }
                let want = (0..<rows).map { r in (0..<dimension).map { Double(items[r * dimension + $0]) * Double(batch[$0]) }.reduce(0, +) }
                #expect(worstError(Array(together[0..<rows]), want, relative: 1e-5, absolute: 1e-5) <= 1, "\(variant) \(rows)×\(dimension)")
            }
        }
    }

    /// Weights kept only as panels (no `b`) must give bitwise the product with the packed matrix
    /// passed as `b`, on the paths that read the panels and on those that need B itself, which the
    /// kernels unpack: one row of C (m 1), one column (n 1), and panels packed for another variant's
    /// width; on one thread and split over two, by columns and by rows.
    @Test func panelsAloneGiveBitwiseTheProductOfThePackedMatrix() {
        var random = SeededRandom(seed: 43)
        let shapes = [(7, 33, 19), (1, 70, 300), (1, 45, 20), (30, 1, 20), (49, 200, 300), (3, 400, 530), (200, 45, 260)]
        let cases = shapes.map { m, n, k in
            (m: m, n: n, k: k, a: random.floats(m * k), b: random.floats(k * n), bias: random.floats(n), c: random.floats(m * n))
        }
        forEachSupportedVariant { packing in
            let panels = cases.map { PackedPanels($0.b, k: $0.k, n: $0.n) }
            // Already inside the exclusive variant sweep: switch directly (the sweep restores the default).
            for variant in KernelVariant.allCases where Kernels.isSupported(variant) {
                Kernels.use(variant)
                for (c, packed) in zip(cases, panels) {
                    for threads in [1, 2] {
                        var plain = c.c, alone = c.c
                        Kernels.gemm(m: c.m, n: c.n, k: c.k, a: c.a, lda: c.k, b: c.b, ldb: c.n, beta: 0.5, c: &plain, ldc: c.n,
                                     columnBias: c.bias, activation: .relu6, threads: threads)
                        Kernels.gemm(m: c.m, a: c.a, lda: c.k, packedB: packed, beta: 0.5, c: &alone, ldc: c.n,
                                     columnBias: c.bias, activation: .relu6, threads: threads)
                        let differing = zip(plain, alone).filter { $0 != $1 }.count
                        #expect(differing == 0, "packed on \(packing), run on \(variant): m \(c.m) n \(c.n) k \(c.k) threads \(threads): \(differing) differ")
                    }
                }
            }
        }
    }

    /// CI reruns the numeric suites with `VITRINE_KERNELS=avx2`, `=portable`, …: a name the
    /// kernels do not know, or a variant the CPU lacks, must fail here instead of silently running
    /// the default variant under the forced variant's name.
    @Test func forcedVariantIsTheOneRunning() {
        guard let forced = ProcessInfo.processInfo.environment["VITRINE_KERNELS"] else { return }
        #expect(KernelVariant(rawValue: forced) != nil, "VITRINE_KERNELS=\(forced) names no kernel variant")
        #expect(Kernels.variant.rawValue == forced, "VITRINE_KERNELS=\(forced) but the kernels run \(Kernels.variant)")
    }

    @Test func variantSelectionReportsSupport() {
        #expect(Kernels.isSupported(.portable))
        #expect(Kernels.isSupported(Kernels.variant))
        for variant in KernelVariant.allCases where !Kernels.isSupported(variant) {
            #expect(!Kernels.use(variant))
        }
    }
}

/// C = (Σ qa·qw)·(sa·sw) + bias + beta·old with the kernels' quantization (per row of A, per column of W,
/// round half to even) and their operation order, in plain Swift.
private func quantizedProduct(a: [Float], w: [Float], bias: [Float], old: [Float], beta: Float, m: Int, n: Int, k: Int) -> [Float] {
    func codes(_ values: [Float]) -> (codes: [Int32], scale: Float) {
        let largest = values.map(abs).max() ?? 0
        guard largest > 0 else { return ([Int32](repeating: 0, count: values.count), 0) }
        let inverse = 127 / largest
        return (values.map { Int32(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }, largest / 127)
    }
    let rows = (0..<m).map { i in codes(Array(a[i * k..<(i + 1) * k])) }
    let columns = (0..<n).map { j in codes((0..<k).map { w[$0 * n + j] }) }
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            let sum = zip(rows[i].codes, columns[j].codes).reduce(Int32(0)) { $0 + $1.0 * $1.1 }
            let scale = rows[i].scale * columns[j].scale
            var v = Float(sum) * scale
            v = v + bias[j]
            let carried = beta * old[i * n + j]
            c[i * n + j] = v + carried
        }
    }
    return c
}
