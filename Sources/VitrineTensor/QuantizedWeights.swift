import CVitrineKernels

/// How a model keeps the weights of its dense layers.
public enum WeightPrecision: String, Sendable, CaseIterable, Codable {
    /// Single precision, through the packed fp32 GEMM (the reference).
    case fp32
    /// int8 per output channel, activations quantized per row at each call, int32 accumulation
    /// (``QuantizedPanels``); the activation and everything outside the dense layers stay fp32.
    case int8
}

/// A constant GEMM operand `op(B)` (`k × n`, a layer's weights) quantized once to int8, symmetrically
/// per output column (`scale = max|w| / 127`), and packed for the int8 kernels.
///
/// `Kernels.gemm(…, quantizedB:)` quantizes each row of A on the fly (`scale = max|a| / 127`), sums
/// the int8 products exactly in int32 — AVX-512 VNNI where the CPU has it, AVX2 or portable code
/// otherwise, all bitwise equal — and scales the sums back to fp32 before bias and activation.
///
/// Outlier channels: transformer activations carry a few input channels far larger than the rest (in
/// MiniLM up to 40× the median channel), and one of them sets a whole row's int8 step. The rows of B
/// listed in `outlierRows` are kept in fp32 and multiplied by those channels of A in fp32 (LLM.int8()'s
/// decomposition with a fixed channel set); the int8 part sees them as 0.
public final class QuantizedPanels: @unchecked Sendable {
    /// Rows of `op(B)` (the GEMM depth).
    public let k: Int
    /// Columns of `op(B)`.
    public let n: Int
    /// Input channels multiplied in fp32, ascending.
    public let outlierRows: [Int]
    /// Those rows of `op(B)`, `outlierRows.count × n` row-major.
    let outlierWeights: [Float]
    let codes: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Int32>

    /// Quantizes and packs a row-major `k × n` matrix, keeping the rows in `outlierRows` in fp32.
    public init(_ b: [Float], k: Int, n: Int, outlierRows: [Int] = []) {
        precondition(k >= 1 && n >= 1 && b.count == k * n, "QuantizedPanels: \(b.count) values for \(k)×\(n)")
        let outliers = Array(Set(outlierRows)).sorted()
        precondition(outliers.allSatisfy { (0..<k).contains($0) }, "QuantizedPanels: outlier rows must be within 0..<\(k)")
        self.k = k
        self.n = n
        self.outlierRows = outliers
        outlierWeights = outliers.flatMap { b[$0 * n..<($0 + 1) * n] }
        var inner = b
        for row in outliers { inner.replaceSubrange(row * n..<(row + 1) * n, with: repeatElement(0, count: n)) }
        let columns = vk_q_columns(n)
        codes = .allocate(capacity: vk_q_packed_size(k, n))
        scales = .allocate(capacity: columns)
        sums = .allocate(capacity: columns)
        vk_q_pack_b(inner, n, 0, k, n, codes, scales, sums)
    }

    /// Bytes held (codes, scales, sums and the fp32 outlier rows).
    public var byteCount: Int { vk_q_packed_size(k, n) + 8 * vk_q_columns(n) + 4 * outlierWeights.count }

    deinit {
        codes.deallocate()
        scales.deallocate()
        sums.deallocate()
    }
}

/// A dense layer's constant weights in the precision the model was loaded with.
public enum LayerWeights: Sendable {
    case fp32(PackedPanels)
    case int8(QuantizedPanels)

    /// Packs (fp32) or quantizes (int8, `outlierRows` kept in fp32) a row-major `k × n` weight matrix (`[in, out]`).
    public init(_ b: [Float], k: Int, n: Int, precision: WeightPrecision, outlierRows: [Int] = []) {
        switch precision {
        case .fp32: self = .fp32(PackedPanels(b, k: k, n: n))
        case .int8: self = .int8(QuantizedPanels(b, k: k, n: n, outlierRows: outlierRows))
        }
    }

    /// The fp32 panels, or nil for int8 weights.
    public var fp32Panels: PackedPanels? {
        if case let .fp32(panels) = self { panels } else { nil }
    }

    /// The int8 panels, or nil for fp32 weights.
    public var int8Panels: QuantizedPanels? {
        if case let .int8(panels) = self { panels } else { nil }
    }

    /// Inputs (the GEMM depth).
    public var k: Int {
        switch self {
        case let .fp32(panels): panels.k
        case let .int8(panels): panels.k
        }
    }

    /// Outputs.
    public var n: Int {
        switch self {
        case let .fp32(panels): panels.n
        case let .int8(panels): panels.n
        }
    }
}

extension Kernels {
    /// The int8 kernel the current variant runs: `avx512-vnni`, `avx2` or `portable`.
    public static var int8KernelName: String { String(cString: vk_q_kernel_name(0)) }

    /// `C = act(beta·C + A·W + columnBias)` with `A` `m × weights.k` (row stride `lda`) and the layer's
    /// weights in either precision.
    public static func gemm(
        m: Int, a: UnsafePointer<Float>, lda: Int, weights: LayerWeights, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, columnBias: UnsafePointer<Float>? = nil,
        activation: Activation = .none, threads: Int? = nil
    ) {
        switch weights {
        case let .fp32(panels):
            gemm(m: m, a: a, lda: lda, packedB: panels, beta: beta, c: c, ldc: ldc, columnBias: columnBias,
                 activation: activation, threads: threads)
        case let .int8(panels):
            gemm(m: m, a: a, lda: lda, quantizedB: panels, beta: beta, c: c, ldc: ldc, columnBias: columnBias,
                 activation: activation, threads: threads)
        }
    }

    /// The int8 GEMM: each row of `A` (`m × quantizedB.k`, stride `lda`) is quantized per row, multiplied
    /// exactly in int32 with the quantized weights, and scaled back: `C = act(beta·C + Â·Ŵ + columnBias)`;
    /// the outlier channels of `A` are multiplied in fp32 by their fp32 rows and added before the activation.
    public static func gemm(
        m: Int, a: UnsafePointer<Float>, lda: Int, quantizedB: QuantizedPanels, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, columnBias: UnsafePointer<Float>? = nil,
        activation: Activation = .none, threads: Int? = nil
    ) {
        let k = quantizedB.k, n = quantizedB.n
        precondition(m >= 0 && lda >= k && ldc >= n, "int8 gemm: bad sizes (m \(m), lda \(lda), ldc \(ldc) for \(k)×\(n))")
        if m == 0 { return }
        let workers = threads ?? threadCount
        let pinned = vk_q_pin() // quantization and product agree on the kernel (VNNI stores codes + 128)
        let depth = vk_q_depth(k)
        // Every code is written by vk_q_quantize_rows (padding depths included), so no zero-fill first.
        var codes = [UInt8](unsafeUninitializedCapacity: m * depth) { _, count in count = m * depth }
        var scales = [Float](repeating: 0, count: m)
        codes.withUnsafeMutableBufferPointer { codes in
            scales.withUnsafeMutableBufferPointer { scales in
                quantizedB.outlierRows.withUnsafeBufferPointer { outliers in // Int is the kernels' `long` here
                    quantizedB.outlierWeights.withUnsafeBufferPointer { outlierWeights in
                        let rowParts = m * k < 1 << 15 ? 1 : min(workers, m)
                        parallel(rowParts) { part in
                            vk_q_quantize_rows(m * part / rowParts, m * (part + 1) / rowParts, k, a, lda, outliers.baseAddress,
                                               outliers.count, codes.baseAddress, depth, scales.baseAddress, pinned)
                        }
                        // The driver adds the fp32 outlier channels row block by row block, before the activation.
                        var params = vk_qgemm_params(
                            m: m, n: n, k: k, a: codes.baseAddress, lda: depth, a_scales: scales.baseAddress,
                            b_packed: quantizedB.codes, b_scales: quantizedB.scales, b_sums: quantizedB.sums,
                            beta: beta, c: c, ldc: ldc, bias_col: columnBias, activation: activation.code,
                            pinned_variant: pinned, outlier_a: a, outlier_lda: lda, outlier_channels: outliers.baseAddress,
                            outliers: outliers.count, outlier_w: outlierWeights.baseAddress)
                        let parts = Int(vk_qgemm_parts(&params, Int32(clamping: workers)))
                        withExtendedLifetime(quantizedB) {
                            withUnsafePointer(to: &params) { p in
                                parallel(parts) { part in vk_qgemm_part(p, Int32(part), Int32(parts)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Calls `body` with the kernels' view of int8 weights (nil for nil); outlier rows are not part of that
/// view, so the fused C blocks take only weights without them.
func withQuantizedWeights<R>(_ panels: QuantizedPanels?, _ body: (UnsafePointer<vk_qweights>?) -> R) -> R {
    guard let panels else { return body(nil) }
    precondition(panels.outlierRows.isEmpty, "fused int8 blocks take weights without fp32 outlier rows")
    var view = vk_qweights(k: panels.k, n: panels.n, packed: panels.codes, scales: panels.scales, sums: panels.sums)
    return withExtendedLifetime(panels) { withUnsafePointer(to: &view) { body($0) } }
}
