import CVitrineKernels
import Dispatch
import Foundation

/// The instruction-set variant the C kernels run with.
public enum KernelVariant: String, Sendable, CaseIterable {
    /// 4-lane vector extensions on the baseline ISA (SSE2 on x86-64).
    case portable
    /// AVX2 with FMA, 8 lanes.
    case avx2
    /// AVX-512 (F, VL, BW, DQ) with FMA, 16 lanes.
    case avx512

    fileprivate var code: Int32 {
        switch self {
        case .portable: Int32(VK_VARIANT_PORTABLE)
        case .avx2: Int32(VK_VARIANT_AVX2)
        case .avx512: Int32(VK_VARIANT_AVX512)
        }
    }
}

/// An activation fused into GEMM and convolution epilogues.
public enum Activation: Sendable, CaseIterable {
    /// Identity.
    case none
    /// max(x, 0).
    case relu
    /// min(max(x, 0), 6), as in MobileNet / EfficientNet-Lite.
    case relu6
    /// Exact GELU, x·Φ(x) with Φ from erf (as BERT / MiniLM use).
    case gelu

    var code: Int32 {
        switch self {
        case .none: Int32(VK_ACT_NONE)
        case .relu: Int32(VK_ACT_RELU)
        case .relu6: Int32(VK_ACT_RELU6)
        case .gelu: Int32(VK_ACT_GELU)
        }
    }
}

/// Process-wide kernel settings and the pointer-level kernels.
///
/// The variant defaults to the best the CPU supports; `VITRINE_KERNELS=avx512|avx2|portable` or
/// ``use(_:)`` forces one. Threads default to all cores; `VITRINE_THREADS=n` or ``threadCount``
/// changes that.
public enum Kernels {
    /// The variant in use.
    public static var variant: KernelVariant {
        switch Int(vk_variant()) {
        case Int(VK_VARIANT_AVX512): .avx512
        case Int(VK_VARIANT_AVX2): .avx2
        default: .portable
        }
    }

    /// Whether this CPU can run `variant`.
    public static func isSupported(_ variant: KernelVariant) -> Bool {
        vk_variant_supported(variant.code) != 0
    }

    /// Switches every kernel to `variant`; returns false (and changes nothing) when unsupported.
    @discardableResult
    public static func use(_ variant: KernelVariant) -> Bool {
        vk_set_variant(variant.code) != 0
    }

    /// Worker threads for kernels that split their work; setting 0 restores the default.
    public static var threadCount: Int {
        get {
            let configured = Int(vk_threads())
            return configured > 0 ? configured : ProcessInfo.processInfo.activeProcessorCount
        }
        set { vk_set_threads(Int32(clamping: newValue)) }
    }

    /// Runs `body(part)` for `part` in `0..<parts`, in parallel when `parts > 1`.
    ///
    /// Callers hand each part a disjoint slice of the output, and `concurrentPerform` returns only
    /// after every part finished, so sharing the non-Sendable closure (and its raw pointers) is safe.
    static func parallel(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let shared = SharedBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.body($0) }
        }
    }

    /// Single-precision GEMM: `C = alpha·op(A)·op(B) + beta·C`, then `+ rowBias[i] + columnBias[j]`,
    /// then `activation`, all row-major.
    ///
    /// `op(A)` is `m×k` (stored `k×m` when `transposeA`), `op(B)` is `k×n` (stored `n×k` when
    /// `transposeB`); `lda`, `ldb`, `ldc` are row strides in elements. With `beta == 0`, C is
    /// write-only. `threads` overrides ``threadCount`` for this call; small problems run on one.
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        rowBias: UnsafePointer<Float>? = nil,
        columnBias: UnsafePointer<Float>? = nil,
        activation: Activation = .none,
        threads: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm sizes must be non-negative (m \(m), n \(n), k \(k))")
        precondition(lda >= max(1, transposeA ? m : k), "gemm lda \(lda) too small")
        precondition(ldb >= max(1, transposeB ? k : n), "gemm ldb \(ldb) too small")
        precondition(ldc >= max(1, n), "gemm ldc \(ldc) too small")
        var params = vk_gemm_params(
            trans_a: transposeA ? 1 : 0, trans_b: transposeB ? 1 : 0,
            m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, bias_row: rowBias, bias_col: columnBias,
            activation: activation.code)
        let parts = Int(vk_sgemm_parts(&params, Int32(clamping: threads ?? threadCount)))
        withUnsafePointer(to: &params) { p in
            parallel(parts) { part in vk_sgemm_part(p, Int32(part), Int32(parts)) }
        }
    }

    /// Dot product of two contiguous runs of `count` floats, on the vectorized kernel picked at start-up.
    @inline(__always)
    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        vk_dot(count, x, y)
    }

    /// Matrix·vector: `y[i] = alpha·dot(A[i, 0..<columns], x) + beta·y[i]` for `rows` rows of A.
    public static func gemv(
        rows: Int, columns: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>,
        beta: Float = 0,
        y: UnsafeMutablePointer<Float>,
        threads: Int? = nil
    ) {
        precondition(rows >= 0 && columns >= 0 && lda >= columns, "gemv: bad sizes (rows \(rows), columns \(columns), lda \(lda))")
        let work = rows * columns
        let parts = work < 1 << 16 ? 1 : max(1, min(threads ?? threadCount, rows))
        parallel(parts) { part in
            let begin = rows * part / parts, end = rows * (part + 1) / parts
            vk_sgemv_rows(begin, end, columns, a, lda, x, alpha, beta, y)
        }
    }
}

/// A closure shared across the parts of one ``Kernels/parallel(_:_:)`` call (see there why it is safe).
private struct SharedBody: @unchecked Sendable {
    let body: (Int) -> Void
}
