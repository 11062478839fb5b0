import Testing
import VitrineTensor

/// Every supported instruction-set variant against the naive references. The only suite that
/// switches variants, serialized so each check runs on the variant it names.
@Suite(.serialized) struct KernelVariantTests {
    @Test func everySupportedVariantComputesGemmCorrectly() {
        forEachSupportedVariant { variant in
            var random = SeededRandom(seed: 40)
            for (m, n, k) in [(1, 1, 1), (7, 33, 19), (13, 70, 300), (1, 45, 20), (30, 1, 20)] {
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
            for channels in [16, 21] {
                let r = checkDepthwiseChannelsLast(&random, channels: channels, height: 9, width: 14, k: 3, stride: 2,
                                                   padding: .same(height: 9, width: 14, kernel: 3, stride: 2))
                #expect(r.shapeMatches && r.error <= 1, "\(variant) channels-last depthwise, \(channels) channels: \(r.error)")
            }
            let gelu = geluErrors()
            #expect(gelu.near <= 1 && gelu.far <= 1, "\(variant) gelu: \(gelu)")
            #expect(layerNormError(&random, rows: 2, width: 53, epsilon: 1e-12) <= 1, "\(variant) layerNorm")
            #expect(softmaxError(&random, rows: 3, width: 67, scale: 0.5) <= 1, "\(variant) softmax")
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

    @Test func variantSelectionReportsSupport() {
        #expect(Kernels.isSupported(.portable))
        #expect(Kernels.isSupported(Kernels.variant))
        for variant in KernelVariant.allCases where !Kernels.isSupported(variant) {
            #expect(!Kernels.use(variant))
        }
    }
}
