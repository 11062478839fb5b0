import VitrineTensor

/// One BERT encoder layer with its weight matrices packed once into the GEMM's B panels (`[in, out]`,
/// Q/K/V fused), in fp32 or quantized to int8 (``WeightPrecision``). Only the panels are kept: the raw
/// matrices beside them were 40.5 MiB of the model's resident memory, and the GEMM unpacks the panels
/// in the rare calls that need the matrix itself. Attention scores, softmax and LayerNorm stay fp32.
struct MiniLMLayer: Sendable {
    /// `[hidden, 3·hidden]`: columns 0..<h are Wqᵀ, then Wkᵀ, then Wvᵀ.
    let qkvWeight: LayerWeights
    let qkvBias: [Float]
    let attentionOutputWeight: LayerWeights
    let attentionOutputBias: [Float]
    let attentionNorm: (weight: [Float], bias: [Float])
    let intermediateWeight: LayerWeights
    let intermediateBias: [Float]
    let outputWeight: LayerWeights
    let outputBias: [Float]
    let outputNorm: (weight: [Float], bias: [Float])

    /// A layer from its weights in `[in, out]` row-major layout (`qkvWeight` is `[h, 3h]`); with int8,
    /// `outliers[site]` lists the input channels each dense layer keeps in fp32 (sites as in ``forward``).
    init(qkvWeight: [Float], qkvBias: [Float], attentionOutputWeight: [Float], attentionOutputBias: [Float],
         attentionNorm: (weight: [Float], bias: [Float]), intermediateWeight: [Float], intermediateBias: [Float],
         outputWeight: [Float], outputBias: [Float], outputNorm: (weight: [Float], bias: [Float]),
         precision: WeightPrecision, outliers: [[Int]] = []) {
        let h = attentionOutputBias.count, f = intermediateBias.count
        func channels(_ site: Int) -> [Int] { site < outliers.count ? outliers[site] : [] }
        self.qkvWeight = LayerWeights(qkvWeight, k: h, n: 3 * h, precision: precision, outlierRows: channels(0))
        self.qkvBias = qkvBias
        self.attentionOutputWeight = LayerWeights(attentionOutputWeight, k: h, n: h, precision: precision, outlierRows: channels(1))
        self.attentionOutputBias = attentionOutputBias
        self.attentionNorm = attentionNorm
        self.intermediateWeight = LayerWeights(intermediateWeight, k: h, n: f, precision: precision, outlierRows: channels(2))
        self.intermediateBias = intermediateBias
        self.outputWeight = LayerWeights(outputWeight, k: f, n: h, precision: precision, outlierRows: channels(3))
        self.outputBias = outputBias
        self.outputNorm = outputNorm
    }

    /// Runs the layer on `tokens` packed rows of `x` (`[tokens, h]`), in place.
    ///
    /// `offsets[s]..<offsets[s+1]` are sequence `s`'s rows; attention never crosses them.
    /// `residual`, `context` (`[tokens, h]`), `qkv` (`[tokens, 3h]`) and `hidden` (`[tokens, f]`) are scratch.
    /// `observe(site, input, width)` sees the input of each dense layer before it runs: site 0 Q/K/V,
    /// 1 attention output, 2 feed-forward in, 3 feed-forward out (int8 calibration).
    func forward(
        x: UnsafeMutablePointer<Float>, residual: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
        qkv: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
        tokens: Int, offsets: [Int], hiddenSize h: Int, intermediateSize f: Int, heads: Int, epsilon: Float,
        observe: ((Int, UnsafePointer<Float>, Int) -> Void)? = nil
    ) {
        observe?(0, x, h)
        qkvBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: x, lda: h, weights: qkvWeight, c: qkv, ldc: 3 * h, columnBias: b.baseAddress)
        }
        attend(qkv: qkv, context: context, offsets: offsets, hiddenSize: h, heads: heads)
        // residual = LayerNorm(x + context·Woᵀ + bo): the GEMM accumulates onto a copy of x (beta 1).
        residual.update(from: x, count: tokens * h)
        observe?(1, context, h)
        attentionOutputBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: context, lda: h, weights: attentionOutputWeight, beta: 1, c: residual, ldc: h,
                         columnBias: b.baseAddress)
        }
        normalizeRows(residual, rows: tokens, width: h, norm: attentionNorm, epsilon: epsilon)
        observe?(2, residual, h)
        intermediateBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: residual, lda: h, weights: intermediateWeight, c: hidden, ldc: f,
                         columnBias: b.baseAddress, activation: .gelu)
        }
        x.update(from: residual, count: tokens * h)
        observe?(3, hidden, f)
        outputBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: hidden, lda: f, weights: outputWeight, beta: 1, c: x, ldc: h, columnBias: b.baseAddress)
        }
        normalizeRows(x, rows: tokens, width: h, norm: outputNorm, epsilon: epsilon)
    }

    /// Softmax attention per (sequence, head), in parallel; writes each head's slice of `context`.
    private func attend(qkv: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, offsets: [Int], hiddenSize h: Int, heads: Int) {
        let d = h / heads, rowStride = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let sequences = offsets.count - 1
        let items = sequences * heads
        let longest = (0..<sequences).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        let work = (0..<sequences).reduce(0) { total, s in total + (offsets[s + 1] - offsets[s]) * (offsets[s + 1] - offsets[s]) } * h
        let parts = work < 1 << 16 ? 1 : min(Kernels.threadCount, items)
        Kernels.parallel(parts) { part in
            var scores = [Float](repeating: 0, count: longest * longest)
            scores.withUnsafeMutableBufferPointer { sb in
                let s = sb.baseAddress!
                // Items are interleaved across parts so long and short sequences spread evenly.
                for item in stride(from: part, to: items, by: parts) {
                    let sequence = item / heads, head = item % heads
                    let first = offsets[sequence], n = offsets[sequence + 1] - first
                    if n == 0 { continue }
                    let q = qkv + first * rowStride + head * d
                    Kernels.gemm(transposeB: true, m: n, n: n, k: d, a: q, lda: rowStride, b: q + h, ldb: rowStride,
                                 c: s, ldc: n, threads: 1)
                    for row in 0..<n { Kernels.softmax(count: n, s + row * n, scale: scale) }
                    Kernels.gemm(m: n, n: d, k: n, a: s, lda: n, b: q + 2 * h, ldb: rowStride,
                                 c: context + first * h + head * d, ldc: h, threads: 1)
                }
            }
        }
    }
}

/// In-place LayerNorm of `rows` rows of `width`, split across cores when there are many rows.
func normalizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, norm: (weight: [Float], bias: [Float]), epsilon: Float) {
    norm.weight.withUnsafeBufferPointer { gamma in
        norm.bias.withUnsafeBufferPointer { beta in
            let parts = rows < 256 ? 1 : Kernels.threadCount
            Kernels.parallel(parts) { part in
                for row in rows * part / parts ..< rows * (part + 1) / parts {
                    let r = x + row * width
                    Kernels.layerNorm(count: width, r, into: r, gamma: gamma.baseAddress!, beta: beta.baseAddress!, epsilon: epsilon)
                }
            }
        }
    }
}
