import VitrineTensor

/// One BERT encoder layer with its weights in GEMM-ready layout (`[in, out]`, Q/K/V fused).
struct MiniLMLayer: Sendable {
    /// `[hidden, 3·hidden]`: columns 0..<h are Wqᵀ, then Wkᵀ, then Wvᵀ.
    let qkvWeight: [Float]
    let qkvBias: [Float]
    let attentionOutputWeight: [Float]
    let attentionOutputBias: [Float]
    let attentionNorm: (weight: [Float], bias: [Float])
    let intermediateWeight: [Float]
    let intermediateBias: [Float]
    let outputWeight: [Float]
    let outputBias: [Float]
    let outputNorm: (weight: [Float], bias: [Float])
    /// The four weight matrices packed once into the GEMM's B panels (not re-packed per call).
    let qkvPacked: PackedPanels, attentionOutputPacked: PackedPanels, intermediatePacked: PackedPanels, outputPacked: PackedPanels

    init(qkvWeight: [Float], qkvBias: [Float], attentionOutputWeight: [Float], attentionOutputBias: [Float],
         attentionNorm: (weight: [Float], bias: [Float]), intermediateWeight: [Float], intermediateBias: [Float],
         outputWeight: [Float], outputBias: [Float], outputNorm: (weight: [Float], bias: [Float])) {
        let h = attentionOutputBias.count, f = intermediateBias.count
        self.qkvWeight = qkvWeight
        self.qkvBias = qkvBias
        self.attentionOutputWeight = attentionOutputWeight
        self.attentionOutputBias = attentionOutputBias
        self.attentionNorm = attentionNorm
        self.intermediateWeight = intermediateWeight
        self.intermediateBias = intermediateBias
        self.outputWeight = outputWeight
        self.outputBias = outputBias
        self.outputNorm = outputNorm
        qkvPacked = PackedPanels(qkvWeight, k: h, n: 3 * h)
        attentionOutputPacked = PackedPanels(attentionOutputWeight, k: h, n: h)
        intermediatePacked = PackedPanels(intermediateWeight, k: h, n: f)
        outputPacked = PackedPanels(outputWeight, k: f, n: h)
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
        qkvWeight.withUnsafeBufferPointer { w in
            qkvBias.withUnsafeBufferPointer { b in
                Kernels.gemm(m: tokens, n: 3 * h, k: h, a: x, lda: h, b: w.baseAddress!, ldb: 3 * h,
                             c: qkv, ldc: 3 * h, columnBias: b.baseAddress, packedB: qkvPacked)
            }
        }
        attend(qkv: qkv, context: context, offsets: offsets, hiddenSize: h, heads: heads)
        // residual = LayerNorm(x + context·Woᵀ + bo): the GEMM accumulates onto a copy of x (beta 1).
        residual.update(from: x, count: tokens * h)
        attentionOutputWeight.withUnsafeBufferPointer { w in
            attentionOutputBias.withUnsafeBufferPointer { b in
                Kernels.gemm(m: tokens, n: h, k: h, a: context, lda: h, b: w.baseAddress!, ldb: h,
                             beta: 1, c: residual, ldc: h, columnBias: b.baseAddress, packedB: attentionOutputPacked)
            }
        }
        normalizeRows(residual, rows: tokens, width: h, norm: attentionNorm, epsilon: epsilon)
        intermediateWeight.withUnsafeBufferPointer { w in
            intermediateBias.withUnsafeBufferPointer { b in
                Kernels.gemm(m: tokens, n: f, k: h, a: residual, lda: h, b: w.baseAddress!, ldb: f,
                             c: hidden, ldc: f, columnBias: b.baseAddress, activation: .gelu, packedB: intermediatePacked)
            }
        }
        x.update(from: residual, count: tokens * h)
        outputWeight.withUnsafeBufferPointer { w in
            outputBias.withUnsafeBufferPointer { b in
                Kernels.gemm(m: tokens, n: h, k: f, a: hidden, lda: f, b: w.baseAddress!, ldb: h,
                             beta: 1, c: x, ldc: h, columnBias: b.baseAddress, packedB: outputPacked)
            }
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
