import Testing
import VitrineTensor

/// Naive conv in Double; depthwise when `groups == channels` (weight [C, 1, k, k]).
func referenceConv(
    _ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Padding, depthwise: Bool,
    activation: Activation
) -> (shape: [Int], values: [Double]) {
    let (c, h, w) = (input.shape[0], input.shape[1], input.shape[2])
    let outputs = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3]
    let oh = (h + padding.top + padding.bottom - kh) / stride + 1
    let ow = (w + padding.left + padding.right - kw) / stride + 1
    var values = [Double](repeating: 0, count: outputs * oh * ow)
    for o in 0..<outputs {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var sum = Double(bias?.scalars[o] ?? 0)
                for ci in depthwise ? [o] : Array(0..<c) {
                    for ky in 0..<kh {
                        for kx in 0..<kw {
                            let y = oy * stride + ky - padding.top, x = ox * stride + kx - padding.left
                            guard y >= 0, y < h, x >= 0, x < w else { continue }
                            let wi = depthwise ? (o * kh + ky) * kw + kx : ((o * c + ci) * kh + ky) * kw + kx
                            sum += Double(weight.scalars[wi]) * Double(input.scalars[(ci * h + y) * w + x])
                        }
                    }
                }
                values[(o * oh + oy) * ow + ox] = referenceActivation(sum, activation)
            }
        }
    }
    return ([outputs, oh, ow], values)
}

/// Checks depthwiseConv2d against the reference for one configuration; returns the worst scaled error.
func checkDepthwise(_ random: inout SeededRandom, channels: Int, height: Int, width: Int, k: Int, stride: Int,
                    padding: Padding, activation: Activation) -> (shapeMatches: Bool, error: Double) {
    let input = random.tensor([channels, height, width]), weight = random.tensor([channels, 1, k, k])
    let bias = random.tensor([channels])
    let got = depthwiseConv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
    let want = referenceConv(input, weight: weight, bias: bias, stride: stride, padding: padding, depthwise: true,
                             activation: activation)
    return (got.shape == want.shape, worstError(got.scalars, want.values, relative: 1e-5, absolute: 1e-5))
}

/// `depthwiseConv2dChannelsLast` on an HWC copy of a random CHW input, compared with the naive
/// reference; `channels` not a multiple of the vector width exercises the partial-lane paths.
func checkDepthwiseChannelsLast(_ random: inout SeededRandom, channels: Int, height: Int, width: Int, k: Int, stride: Int,
                                padding: Padding, threads: Int = 1) -> (shapeMatches: Bool, error: Double) {
    let input = random.tensor([channels, height, width]), weight = random.tensor([channels, 1, k, k])
    let bias = random.tensor([channels])
    let want = referenceConv(input, weight: weight, bias: bias, stride: stride, padding: padding, depthwise: true,
                             activation: .relu6)
    var hwc = [Float](repeating: 0, count: input.count), taps = [Float](repeating: 0, count: weight.count)
    for c in 0..<channels {
        for p in 0..<height * width { hwc[p * channels + c] = input.scalars[c * height * width + p] }
        for t in 0..<k * k { taps[t * channels + c] = weight.scalars[c * k * k + t] }
    }
    let oh = want.shape[1], ow = want.shape[2]
    var out = [Float](repeating: .nan, count: oh * ow * channels)
    let size = depthwiseConv2dChannelsLast(hwc, height: height, width: width, channels: channels, taps: taps,
                                           bias: bias.scalars, kernel: k, stride: stride, padding: padding,
                                           activation: .relu6, into: &out, threads: threads)
    var chw = [Float](repeating: 0, count: out.count)
    for c in 0..<channels { for p in 0..<oh * ow { chw[c * oh * ow + p] = out[p * channels + c] } }
    return (size.height == oh && size.width == ow, worstError(chw, want.values, relative: 1e-5, absolute: 1e-5))
}

@Suite struct ConvTests {
    @Test func samePaddingMatchesTensorFlow() {
        #expect(Padding.same(height: 224, width: 224, kernel: 3, stride: 2) == Padding(top: 0, left: 0, bottom: 1, right: 1))
        #expect(Padding.same(height: 112, width: 112, kernel: 5, stride: 2) == Padding(top: 1, left: 1, bottom: 2, right: 2))
        #expect(Padding.same(height: 14, width: 14, kernel: 3, stride: 1) == .symmetric(1))
        #expect(Padding.same(height: 7, width: 9, kernel: 5, stride: 1) == .symmetric(2))
    }

    @Test func convolutionsMatchNaive() {
        var random = SeededRandom(seed: 10)
        let cases: [(c: Int, h: Int, w: Int, o: Int, k: Int, s: Int, pad: Padding, act: Activation)] = [
            (3, 9, 11, 8, 3, 2, Padding.same(height: 9, width: 11, kernel: 3, stride: 2), .relu6), // stem-like
            (5, 6, 7, 4, 1, 1, .zero, .none), // 1×1: plain GEMM
            (4, 5, 5, 3, 1, 2, .zero, .relu), // 1×1 strided: im2col
            (2, 6, 5, 3, 2, 1, .symmetric(1), .gelu),
            (3, 4, 4, 2, 3, 1, Padding(top: 2, left: 0, bottom: 1, right: 3), .none),
        ]
        for t in cases {
            let input = random.tensor([t.c, t.h, t.w]), weight = random.tensor([t.o, t.c, t.k, t.k])
            let bias = random.tensor([t.o])
            let got = conv2d(input, weight: weight, bias: bias, stride: t.s, padding: t.pad, activation: t.act)
            let want = referenceConv(input, weight: weight, bias: bias, stride: t.s, padding: t.pad, depthwise: false,
                                     activation: t.act)
            #expect(got.shape == want.shape, "\(t)")
            #expect(worstError(got.scalars, want.values, relative: 1e-5, absolute: 1e-5) <= 1, "\(t)")
        }
    }

    /// `im2colRows` + one GEMM with `[C·k·k, out]` weights is the convolution, channels-last.
    @Test func pixelRowIm2colThenGemmMatchesNaive() {
        var random = SeededRandom(seed: 14)
        for (c, h, w, o, k, s, pad) in [(3, 9, 11, 8, 3, 2, Padding.same(height: 9, width: 11, kernel: 3, stride: 2)),
                                        (2, 6, 5, 3, 2, 1, Padding(top: 2, left: 0, bottom: 1, right: 3))] {
            let input = random.tensor([c, h, w]), weight = random.tensor([o, c, k, k]), bias = random.tensor([o])
            let want = referenceConv(input, weight: weight, bias: bias, stride: s, padding: pad, depthwise: false, activation: .relu6)
            let (oh, ow) = (want.shape[1], want.shape[2]), depth = c * k * k
            var rows = [Float](repeating: .nan, count: oh * ow * depth)
            let size = im2colRows(input.scalars, channels: c, height: h, width: w, kernel: k, stride: s, padding: pad, into: &rows)
            #expect(size.height == oh && size.width == ow)
            var weightInOut = [Float](repeating: 0, count: depth * o) // [o, depth] → [depth, o]
            for i in 0..<o { for d in 0..<depth { weightInOut[d * o + i] = weight.scalars[i * depth + d] } }
            var hwc = [Float](repeating: 0, count: oh * ow * o)
            Kernels.gemm(m: oh * ow, n: o, k: depth, a: rows, lda: depth, b: weightInOut, ldb: o, c: &hwc, ldc: o,
                         columnBias: bias.scalars, activation: .relu6)
            var chw = [Float](repeating: 0, count: hwc.count)
            for i in 0..<o { for p in 0..<oh * ow { chw[i * oh * ow + p] = hwc[p * o + i] } }
            #expect(worstError(chw, want.values, relative: 1e-5, absolute: 1e-5) <= 1, "c \(c) k \(k) stride \(s)")
        }
    }

    @Test func depthwiseMatchesNaiveForKernelsStridesAndAsymmetricPadding() {
        var random = SeededRandom(seed: 11)
        for k in [3, 5] {
            for stride in [1, 2] {
                for (h, w) in [(7, 9), (4, 70), (11, 5)] {
                    for pad in [Padding.same(height: h, width: w, kernel: k, stride: stride), .zero,
                                Padding(top: 0, left: 2, bottom: 1, right: 0)] where h + pad.top + pad.bottom >= k
                        && w + pad.left + pad.right >= k {
                        let r = checkDepthwise(&random, channels: 3, height: h, width: w, k: k, stride: stride,
                                               padding: pad, activation: .relu6)
                        #expect(r.shapeMatches && r.error <= 1, "k \(k) stride \(stride) \(h)×\(w) \(pad): \(r.error)")
                    }
                }
            }
        }
    }

    @Test func channelsLastDepthwiseMatchesNaive() {
        var random = SeededRandom(seed: 13)
        for (channels, k, stride, h, w) in [(3, 3, 1, 7, 9), (20, 3, 2, 9, 12), (32, 5, 2, 11, 13), (48, 5, 1, 6, 17), (40, 3, 1, 5, 7)] {
            for pad in [Padding.same(height: h, width: w, kernel: k, stride: stride), .zero, Padding(top: 0, left: 2, bottom: 1, right: 0)] {
                let r = checkDepthwiseChannelsLast(&random, channels: channels, height: h, width: w, k: k, stride: stride,
                                                   padding: pad, threads: 2)
                #expect(r.shapeMatches && r.error <= 1, "c \(channels) k \(k) stride \(stride) \(h)×\(w) \(pad): \(r.error)")
            }
        }
    }

    @Test func foldedBatchNormEqualsConvolutionThenBatchNorm() {
        var random = SeededRandom(seed: 12)
        let input = random.tensor([3, 5, 6]), weight = random.tensor([4, 3, 3, 3]), bias = random.tensor([4])
        let gamma = random.tensor([4]), beta = random.tensor([4]), mean = random.tensor([4])
        let variance = Tensor(shape: [4], scalars: random.floats(4).map { abs($0) + 0.1 })
        let epsilon: Float = 1e-3
        let conv = conv2d(input, weight: weight, bias: bias, padding: .symmetric(1))
        let folded = foldBatchNorm(weight: weight, bias: bias, gamma: gamma, beta: beta, mean: mean,
                                   variance: variance, epsilon: epsilon)
        let fused = conv2d(input, weight: folded.weight, bias: folded.bias, padding: .symmetric(1))
        let plane = 30
        for i in 0..<conv.count {
            let o = i / plane
            let normalized = (conv.scalars[i] - mean.scalars[o]) / (variance.scalars[o] + epsilon).squareRoot()
                * gamma.scalars[o] + beta.scalars[o]
            #expect(abs(fused.scalars[i] - normalized) < 1e-4, "element \(i)")
        }
    }
}
