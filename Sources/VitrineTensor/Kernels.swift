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

    /// The package's one parallel-for: runs `body(part)` for `part` in `0..<parts`, concurrently
    /// (on Dispatch's worker threads) when `parts > 1`, and returns when every part has finished.
    ///
    /// For kernels over raw buffers: hand each part a disjoint slice of the output (e.g. rows
    /// `rows·part/parts ..< rows·(part+1)/parts`); parts may read shared inputs. Since the call
    /// returns only after every part finished, `body` need not be `@Sendable` and may capture raw
    /// pointers. Choose `parts` from the work (see ``threadCount``); small work should run as one part.
    public static func parallel(_ parts: Int, _ body: (Int) -> Void) {
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
        packedB: PackedPanels? = nil,
        threads: Int? = nil
    ) {
        precondition(ldb >= max(1, transposeB ? k : n), "gemm ldb \(ldb) too small")
        multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc, rowBias: rowBias, columnBias: columnBias, activation: activation,
                 packedB: packedB, threads: threads)
    }

    /// The same GEMM with a constant B (`packedB.k × packedB.n`, e.g. a layer's weights) kept only as
    /// its packed panels, no raw copy beside them: `C = alpha·op(A)·B + beta·C`, then biases and
    /// `activation`. Where the kernels need B itself (C with one row or one column, or panels packed
    /// for another variant's width after ``use(_:)``) they unpack it, so the result is bitwise that of
    /// passing the packed matrix as `b` (row-major `k × n`, not transposed).
    public static func gemm(
        transposeA: Bool = false,
        m: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        packedB: PackedPanels,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        rowBias: UnsafePointer<Float>? = nil,
        columnBias: UnsafePointer<Float>? = nil,
        activation: Activation = .none,
        threads: Int? = nil
    ) {
        multiply(transposeA: transposeA, transposeB: false, m: m, n: packedB.n, k: packedB.k, alpha: alpha, a: a, lda: lda,
                 b: nil, ldb: packedB.n, beta: beta, c: c, ldc: ldc, rowBias: rowBias, columnBias: columnBias,
                 activation: activation, packedB: packedB, threads: threads)
    }

    /// Both ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:rowBias:columnBias:activation:packedB:threads:)``
    /// forms: `b` is nil only with `packedB`.
    private static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>?, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>?, columnBias: UnsafePointer<Float>?,
        activation: Activation, packedB: PackedPanels?, threads: Int?
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm sizes must be non-negative (m \(m), n \(n), k \(k))")
        precondition(packedB.map { $0.k == k && $0.n == n } ?? true, "gemm packedB is \(packedB.map { "\($0.k)×\($0.n)" } ?? ""), op(B) is \(k)×\(n)")
        precondition(b != nil || packedB != nil, "gemm needs b or packedB")
        precondition(lda >= max(1, transposeA ? m : k), "gemm lda \(lda) too small")
        precondition(ldc >= max(1, n), "gemm ldc \(ldc) too small")
        var params = vk_gemm_params(
            trans_a: transposeA ? 1 : 0, trans_b: transposeB ? 1 : 0,
            m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, bias_row: rowBias, bias_col: columnBias,
            activation: activation.code, b_packed: packedB?.storage, b_packed_nr: packedB?.width ?? 0,
            pinned_variant: vk_variant() + 1)  // every part of this product on one variant, whatever switches meanwhile
        let parts = Int(vk_sgemm_parts(&params, Int32(clamping: threads ?? threadCount)))
        withExtendedLifetime(packedB) {
            withUnsafePointer(to: &params) { p in
                parallel(parts) { part in vk_sgemm_part(p, Int32(part), Int32(parts)) }
            }
        }
    }

    /// `output[i] = x[i] + y[i]` for `count` floats; `output` may be `x` or `y`.
    @inline(__always)
    public static func add(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                           into output: UnsafeMutablePointer<Float>) {
        vk_add(x, y, output, count)
    }

    /// Layer normalization of one row of `count` floats: `(x − mean)/√(var + ε)·gamma + beta`,
    /// with no affine step where `gamma`/`beta` are nil; `output` may be `input` (in place).
    @inline(__always)
    public static func layerNorm(count: Int, _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                                 gamma: UnsafePointer<Float>?, beta: UnsafePointer<Float>?, epsilon: Float) {
        vk_layer_norm_row(input, output, count, gamma, beta, epsilon)
    }

    /// Softmax in place of one row of `count` floats, `scale·x + mask` (`mask` additive, `count`
    /// floats, or nil), numerically stable; a row with every entry at −∞ becomes all zeros.
    @inline(__always)
    public static func softmax(count: Int, _ x: UnsafeMutablePointer<Float>, scale: Float = 1, mask: UnsafePointer<Float>? = nil) {
        vk_softmax_row(x, count, scale, mask)
    }

    /// Dot product of two contiguous runs of `count` floats, on the vectorized kernel picked at start-up.
    @inline(__always)
    public static func dot(count: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        vk_dot(count, x, y)
    }

    /// Asks the cache for `bytes` bytes at `pointer` (one prefetch per 64-byte line), ahead of reading them.
    @inline(__always)
    public static func prefetch(_ pointer: UnsafeRawPointer, bytes: Int) {
        vk_prefetch(pointer, bytes)
    }

    /// Dot product of fp32 `x` with `y` held as IEEE fp16 bit patterns (widened in registers).
    public static func dot(count: Int, _ x: UnsafePointer<Float>, halves y: UnsafePointer<UInt16>) -> Float {
        vk_dot_f16(count, x, y)
    }

    /// Dot product of two fp16 vectors.
    public static func dot(count: Int, halves x: UnsafePointer<UInt16>, _ y: UnsafePointer<UInt16>) -> Float {
        vk_dot_f16_f16(count, x, y)
    }

    /// Exact int32 dot product of two int8 vectors (values within ±127, `count` < 131,072).
    public static func dot(count: Int, int8 x: UnsafePointer<Int8>, _ y: UnsafePointer<Int8>) -> Int32 {
        vk_dot_i8(count, x, y)
    }

    /// Symmetric per-row int8 quantization: `out[i] = round(x[i] / scale)`, `scale = max|x| / 127`
    /// (0 for a zero row). Returns `scale`, so `x ≈ scale · out`.
    public static func quantize(count: Int, _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Int8>) -> Float {
        vk_quantize_i8(count, x, out)
    }

    /// `count` fp16 values widened to fp32, exactly.
    public static func widen(count: Int, halves: UnsafePointer<UInt16>, into floats: UnsafeMutablePointer<Float>) {
        vk_half_to_float_array(count, halves, floats)
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

extension Kernels {
    /// `items.map(transform)` on up to `workers` threads, each taking the next unclaimed item;
    /// results keep the input order. For coarse work (one image, one file) — not for kernels.
    public static func orderedMap<T: Sendable, R: Sendable>(_ items: [T], workers: Int,
                                                           _ transform: @escaping @Sendable (T) -> R) -> [R] {
        let workers = min(workers, items.count)
        if workers <= 1 { return items.map(transform) }
        let slots = OrderedSlots<R>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let index = slots.claim() { slots.store(transform(items[index]), at: index) }
        }
        return slots.values()
    }
}

/// Result slots filled by concurrent workers; each index is claimed once under the lock.
private final class OrderedSlots<R: Sendable>: @unchecked Sendable {
    private var results: [R?]
    private var next = 0
    private let lock = NSLock()

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ value: R, at index: Int) { lock.withLock { results[index] = value } }

    func values() -> [R] { lock.withLock { results.map { $0! } } }
}

/// A closure shared across the parts of one ``Kernels/parallel(_:_:)`` call (see there why it is safe).
private struct SharedBody: @unchecked Sendable {
    let body: (Int) -> Void
}

/// A constant GEMM operand `op(B)` (`k × n`, e.g. a layer's weights) packed once into the kernels'
/// B-panel layout, so `Kernels.gemm(…, packedB:)` skips re-packing it on every call (7.6 % of
/// EfficientNet indexing time, mostly in the small late layers where B is larger than A). Packed for
/// the kernel variant active at creation; after ``Kernels/use(_:)`` switches to a variant with
/// another panel width, gemm packs `b` as before.
public final class PackedPanels: @unchecked Sendable {
    /// Rows of `op(B)` (the GEMM depth).
    public let k: Int
    /// Columns of `op(B)`.
    public let n: Int
    let width: Int32
    let storage: UnsafeMutablePointer<Float>

    /// Packs `op(B)`: `b` is `k × n` with row stride `ldb`, or `n × k` when `transposed`.
    public init(b: UnsafePointer<Float>, ldb: Int, transposed: Bool = false, k: Int, n: Int) {
        precondition(k >= 1 && n >= 1 && ldb >= (transposed ? k : n), "PackedPanels: bad sizes (k \(k), n \(n), ldb \(ldb))")
        self.k = k
        self.n = n
        width = vk_b_panel_width()
        let count = vk_packed_b_size(k, n, width)
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
        vk_pack_b_panels(b, ldb, transposed ? 1 : 0, k, n, width, storage)
    }

    /// Packs a row-major `k × n` matrix (`n × k` when `transposed`).
    public convenience init(_ b: [Float], transposed: Bool = false, k: Int, n: Int) {
        precondition(b.count == k * n, "PackedPanels: \(b.count) values for \(k)×\(n)")
        self.init(b: b, ldb: transposed ? k : n, transposed: transposed, k: k, n: n)
    }

    deinit { storage.deallocate() }
}

extension Kernels {
    /// Runs `body` once per kernel variant this CPU supports, with that variant active, then restores
    /// the variant that was active before. While it runs, no ``withStableVariant(_:)`` section is
    /// inside, so code elsewhere in the process that compares two code paths bitwise never sees the
    /// variant change between them. For tests; product code never switches variants.
    public static func forEachSupportedVariant(_ body: (KernelVariant) throws -> Void) rethrows {
        try forEachSupportedVariant(splittingVNNI: false) { variant, _ in try body(variant) }
    }

    /// ``forEachSupportedVariant(_:)`` for the int8 kernels: with `splittingVNNI` on a CPU with
    /// AVX-512 VNNI, the AVX-512 variant runs twice, with VNNI (`vnni` true) and without it — the int8
    /// paths of AVX-512 CPUs that lack VNNI. Restores the VNNI setting too.
    public static func forEachSupportedVariant(splittingVNNI: Bool, _ body: (KernelVariant, _ vnni: Bool) throws -> Void) rethrows {
        variantSwitches.lockExclusive()
        defer { variantSwitches.unlock() }
        let original = variant, originalVNNI = vk_vnni_enabled() != 0
        defer {
            use(original)
            vk_set_vnni(originalVNNI ? 1 : 0)
        }
        for candidate in KernelVariant.allCases where isSupported(candidate) {
            use(candidate)
            if splittingVNNI && candidate == .avx512 && hasVNNI {
                for vnni in [true, false] {
                    vk_set_vnni(vnni ? 1 : 0)
                    try body(candidate, vnni)
                }
            } else {
                try body(candidate, usesVNNI)
            }
        }
    }

    /// True when the CPU has AVX-512 VNNI (`vpdpbusd`).
    public static var hasVNNI: Bool { vk_vnni_supported() != 0 }

    /// True when the int8 kernels run VNNI now: the AVX-512 variant on a VNNI CPU, unless
    /// `VITRINE_VNNI=0` turned it off (to time the AVX-512 path of CPUs without it).
    public static var usesVNNI: Bool { variant == .avx512 && vk_vnni_enabled() != 0 }

    /// Runs `body` while no ``forEachSupportedVariant(_:)`` can switch the variant: for comparing
    /// two computations bitwise (a query alone and in a batch, a model before and after a round trip).
    public static func withStableVariant<T>(_ body: () throws -> T) rethrows -> T {
        variantSwitches.lockShared()
        defer { variantSwitches.unlock() }
        return try body()
    }

    private static let variantSwitches = VariantSwitchLock()
}

/// A pthread read-write lock: shared for stable sections, exclusive while switching variants.
private final class VariantSwitchLock: @unchecked Sendable {
    private var lock = pthread_rwlock_t()
    init() { pthread_rwlock_init(&lock, nil) }
    deinit { pthread_rwlock_destroy(&lock) }
    func lockShared() { pthread_rwlock_rdlock(&lock) }
    func lockExclusive() { pthread_rwlock_wrlock(&lock) }
    func unlock() { pthread_rwlock_unlock(&lock) }
}
