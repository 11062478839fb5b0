import VitrineTensor

/// One BERT encoder layer with its weight matrices packed once into the GEMM's B panels (`[in, out]`,
/// Q/K/V fused). Only the panels are kept: the raw matrices beside them were 40.5 MiB of the model's
/// resident memory, and the GEMM unpacks the panels in the rare calls that need the matrix itself.
struct MiniLMLayer: Sendable {
    /// `[hidden, 3·hidden]`: columns 0..<h are Wqᵀ, then Wkᵀ, then Wvᵀ.
    let qkvWeight: PackedPanels
    let qkvBias: [Float]
    let attentionOutputWeight: PackedPanels
    let attentionOutputBias: [Float]
    let attentionNorm: (weight: [Float], bias: [Float])
    let intermediateWeight: PackedPanels
    let intermediateBias: [Float]
    let outputWeight: PackedPanels
    let outputBias: [Float]
    let outputNorm: (weight: [Float], bias: [Float])

    /// A layer from its weights in `[in, out]` row-major layout (`qkvWeight` is `[h, 3h]`).
    init(qkvWeight: [Float], qkvBias: [Float], attentionOutputWeight: [Float], attentionOutputBias: [Float],
         attentionNorm: (weight: [Float], bias: [Float]), intermediateWeight: [Float], intermediateBias: [Float],
         outputWeight: [Float], outputBias: [Float], outputNorm: (weight: [Float], bias: [Float])) {
        let h = attentionOutputBias.count, f = intermediateBias.count
        self.qkvWeight = PackedPanels(qkvWeight, k: h, n: 3 * h)
        self.qkvBias = qkvBias
        self.attentionOutputWeight = PackedPanels(attentionOutputWeight, k: h, n: h)
        self.attentionOutputBias = attentionOutputBias
        self.attentionNorm = attentionNorm
        self.intermediateWeight = PackedPanels(intermediateWeight, k: h, n: f)
        self.intermediateBias = intermediateBias
        self.outputWeight = PackedPanels(outputWeight, k: f, n: h)
        self.outputBias = outputBias
        self.outputNorm = outputNorm
    }

    /// Runs the layer on `tokens` packed rows of `x` (`[tokens, h]`), in place.
    ///
    /// `offsets[s]..<offsets[s+1]` are sequence `s`'s rows; attention never crosses them.
    /// `residual`, `context` (`[tokens, h]`), `qkv` (`[tokens, 3h]`) and `hidden` (`[tokens, f]`) are scratch.
    func forward(
        x: UnsafeMutablePointer<Float>, residual: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
        qkv: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>,
        tokens: Int, offsets: [Int], hiddenSize h: Int, intermediateSize f: Int, heads: Int, epsilon: Float
    ) {
        qkvBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: x, lda: h, packedB: qkvWeight, c: qkv, ldc: 3 * h, columnBias: b.baseAddress)
        }
        attend(qkv: qkv, context: context, offsets: offsets, hiddenSize: h, heads: heads)
        // residual = LayerNorm(x + context·Woᵀ + bo): the GEMM accumulates onto a copy of x (beta 1).
        residual.update(from: x, count: tokens * h)
        attentionOutputBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: context, lda: h, packedB: attentionOutputWeight, beta: 1, c: residual, ldc: h,
                         columnBias: b.baseAddress)
        }
        normalizeRows(residual, rows: tokens, width: h, norm: attentionNorm, epsilon: epsilon)
        intermediateBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: residual, lda: h, packedB: intermediateWeight, c: hidden, ldc: f,
                         columnBias: b.baseAddress, activation: .gelu)
        }
        x.update(from: residual, count: tokens * h)
        outputBias.withUnsafeBufferPointer { b in
            Kernels.gemm(m: tokens, a: hidden, lda: f, packedB: outputWeight, beta: 1, c: x, ldc: h, columnBias: b.baseAddress)
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
