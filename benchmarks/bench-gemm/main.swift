// bench-gemm: GFLOP/s of VitrineTensor's SGEMM against OpenBLAS on the shapes the models run,
// measured in the same process. OpenBLAS is loaded with dlopen at run time (never linked), so the
// package builds without it; install with `apt-get install -y libopenblas-dev`.
//
//   swift run -c release bench-gemm [--quick] [--only SUBSTRING] [--ours-only] [--int8] [--dots]
// --only keeps shapes whose label contains SUBSTRING; --ours-only skips OpenBLAS (for perf record);
// --int8 times the constant-weight GEMMs the models run (packed fp32 panels vs int8 panels, with and
// without 8 fp32 outlier channels as MiniLM keeps) instead of the comparison with OpenBLAS.
// --dots times the HNSW graph's distances (int8 · int8 codes, fp32 query · fp16 row) on every kernel
// variant, the AVX-512 one with and without VNNI where the CPU has it, in one process.
import Foundation
import VitrineTensor

typealias CblasSgemm = @convention(c) (
    Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
    UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
typealias SetThreads = @convention(c) (Int32) -> Void

struct OpenBLAS {
    let sgemm: CblasSgemm
    let setThreads: SetThreads?

    static func load() -> OpenBLAS? {
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"] {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL), let sgemm = dlsym(handle, "cblas_sgemm") else { continue }
            let setThreads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            return OpenBLAS(sgemm: unsafeBitCast(sgemm, to: CblasSgemm.self), setThreads: setThreads)
        }
        return nil
    }
}

struct Shape {
    let label: String
    let m: Int, n: Int, k: Int
    let transposeB: Bool
}

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let oursOnly = arguments.contains("--ours-only")
let int8 = arguments.contains("--int8")
let dots = arguments.contains("--dots")
let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
let allShapes: [Shape] = [
    // EfficientNet-Lite0 1×1 convs at 224²: weight [Cout, Cin] · activations [Cin, H·W].
    Shape(label: "effnet 32→16 @112²", m: 16, n: 12544, k: 32, transposeB: false),
    Shape(label: "effnet 16→96 @112²", m: 96, n: 12544, k: 16, transposeB: false),
    Shape(label: "effnet 96→24 @56²", m: 24, n: 3136, k: 96, transposeB: false),
    Shape(label: "effnet 24→144 @56²", m: 144, n: 3136, k: 24, transposeB: false),
    Shape(label: "effnet 80→480 @14²", m: 480, n: 196, k: 80, transposeB: false),
    Shape(label: "effnet 192→1152 @7²", m: 1152, n: 49, k: 192, transposeB: false),
    Shape(label: "effnet head 320→1280 @7²", m: 1280, n: 49, k: 320, transposeB: false),
    // MiniLM, 128 tokens: activations [tokens, in] · weightᵀ ([out, in], PyTorch layout).
    Shape(label: "minilm 128×384→384", m: 128, n: 384, k: 384, transposeB: true),
    Shape(label: "minilm 128×384→1536", m: 128, n: 1536, k: 384, transposeB: true),
    Shape(label: "minilm 128×1536→384", m: 128, n: 384, k: 1536, transposeB: true),
    Shape(label: "minilm 32×128×384→384", m: 4096, n: 384, k: 384, transposeB: true),
    Shape(label: "minilm 32×128×384→1536", m: 4096, n: 1536, k: 384, transposeB: true),
    Shape(label: "minilm 32×128×1536→384", m: 4096, n: 384, k: 1536, transposeB: true),
    // MiniLM attention per head (d = 32): scores Q·Kᵀ and probabilities·V.
    Shape(label: "minilm attention Q·Kᵀ", m: 128, n: 128, k: 32, transposeB: true),
    Shape(label: "minilm attention P·V", m: 128, n: 32, k: 128, transposeB: false),
    Shape(label: "square 1024³", m: 1024, n: 1024, k: 1024, transposeB: false),
]
let shapes = allShapes.filter { shape in only.map { shape.label.contains($0) } ?? true }

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best time of one call over repeated runs (the machine is shared, so the minimum is the signal).
func bestSeconds(_ body: () -> Void) -> Double {
    body() // warm caches, packing buffers and thread pools
    var best = Double.infinity, spent = 0.0, runs = 0
    let budget = quick ? 0.05 : 0.3
    while (spent < budget || runs < 3) && runs < 2000 {
        let start = now()
        body()
        let t = now() - start
        best = min(best, t)
        spent += t
        runs += 1
    }
    return best
}

/// Constant-weight GEMMs as the models run them: fp32 packed panels against int8 panels.
func benchInt8(_ shapes: [Shape]) {
    print("bench-gemm --int8: kernels variant \(Kernels.variant.rawValue), int8 kernel \(Kernels.int8KernelName)")
    print("G(FL)OP/s, best of repeated runs; ratio = int8 / fp32 (activation quantization and outliers included)")
    let header = "shape (M×N×K)".padding(toLength: 42, withPad: " ", startingAt: 0)
    print("\(header)  thr  fp32-packed    int8  ratio  int8+8 outliers  ratio")
    var generator = XorShift()
    for listed in shapes where listed.label.hasPrefix("effnet") || listed.label.hasPrefix("minilm") && !listed.label.contains("attention") {
        // The int8 convs run channels-last: activations [H·W, Cin] · weights [Cin, Cout].
        let shape = listed.label.hasPrefix("effnet")
            ? Shape(label: listed.label, m: listed.n, n: listed.m, k: listed.k, transposeB: false) : listed
        let a = (0 ..< shape.m * shape.k).map { _ in generator.next() }
        let b = (0 ..< shape.k * shape.n).map { _ in generator.next() }
        var c = [Float](repeating: 0, count: shape.m * shape.n)
        let packed = b.withUnsafeBufferPointer { PackedPanels(b: $0.baseAddress!, ldb: shape.n, k: shape.k, n: shape.n) }
        let quantized = QuantizedPanels(b, k: shape.k, n: shape.n)
        let withOutliers = QuantizedPanels(b, k: shape.k, n: shape.n, outlierRows: Array(stride(from: 0, to: shape.k, by: max(1, shape.k / 8)).prefix(8)))
        let ops = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
        for threads in [1, 2] {
            func rate(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Double {
                ops / bestSeconds { a.withUnsafeBufferPointer { a in c.withUnsafeMutableBufferPointer { c in body(a.baseAddress!, c.baseAddress!) } } } / 1e9
            }
            let fp32 = rate { a, c in Kernels.gemm(m: shape.m, a: a, lda: shape.k, packedB: packed, c: c, ldc: shape.n, threads: threads) }
            let q = rate { a, c in Kernels.gemm(m: shape.m, a: a, lda: shape.k, quantizedB: quantized, c: c, ldc: shape.n, threads: threads) }
            let qo = rate { a, c in Kernels.gemm(m: shape.m, a: a, lda: shape.k, quantizedB: withOutliers, c: c, ldc: shape.n, threads: threads) }
            let label = "\(shape.label) (\(shape.m)×\(shape.n)×\(shape.k))"
            print(label.padding(toLength: 42, withPad: " ", startingAt: 0)
                  + String(format: "  %3d  %11.1f  %6.1f  %5.2f  %15.1f  %5.2f", threads, fp32, q, q / fp32, qo, qo / fp32))
        }
    }
}

if int8 {
    benchInt8(shapes)
    exit(0)
}

/// Nanoseconds per graph distance: rows at random (as a graph walk reads them) from a set larger than
/// the caches, and from a small set that stays in L1/L2.
func benchDots() {
    print("bench-gemm --dots: ns per distance, best of repeated runs over 100,000 random row pairs")
    print("dims   rows    variant              int8·int8  fp32·fp16")
    var generator = XorShift()
    for dimension in [384, 1280, 1664] {
        for rows in [256, 40_000] {
            let codes = (0 ..< rows * dimension).map { _ in Int8(generator.next() * 127) }
            let halves = (0 ..< rows * dimension).map { _ in HalfPrecision.bits(from: generator.next()) }
            let query = (0 ..< dimension).map { _ in generator.next() }
            var pairs: [(Int, Int)] = []
            var random = SystemRandomNumberGenerator()
            for _ in 0 ..< 100_000 { pairs.append((Int.random(in: 0 ..< rows, using: &random), Int.random(in: 0 ..< rows, using: &random))) }
            var sink: Float = 0
            Kernels.forEachSupportedVariant(splittingVNNI: true) { variant, vnni in
                let int8 = codes.withUnsafeBufferPointer { c in
                    bestSeconds {
                        var total: Int32 = 0
                        for (a, b) in pairs { total &+= Kernels.dot(count: dimension, int8: c.baseAddress! + a * dimension, c.baseAddress! + b * dimension) }
                        sink += Float(total)
                    }
                }
                let half = halves.withUnsafeBufferPointer { h in
                    query.withUnsafeBufferPointer { q in
                        bestSeconds {
                            var total: Float = 0
                            for (a, _) in pairs { total += Kernels.dot(count: dimension, q.baseAddress!, halves: h.baseAddress! + a * dimension) }
                            sink += total
                        }
                    }
                }
                let name = variant.rawValue + (variant == .avx512 ? (vnni ? " (VNNI)" : " (no VNNI)") : "")
                print(String(format: "%4d  %6d    %-18@  %9.1f  %9.1f", dimension, rows, name as NSString,
                             int8 / Double(pairs.count) * 1e9, half / Double(pairs.count) * 1e9))
            }
            if sink == .infinity { print("") }
        }
    }
}

if dots {
    benchDots()
    exit(0)
}

let blas = oursOnly ? nil : OpenBLAS.load()
print("bench-gemm: VitrineTensor kernels variant \(Kernels.variant.rawValue); OpenBLAS \(blas == nil ? "not found" : "loaded via dlopen")")
print("GFLOP/s, best of repeated runs; ratio = VitrineTensor / OpenBLAS")
let header = "shape (M×N×K)".padding(toLength: 42, withPad: " ", startingAt: 0)
print("\(header)  thr  vitrine  openblas  ratio")
/// xorshift: fast and deterministic; the values only need to be ordinary floats.
struct XorShift {
    var state: UInt32 = 12345
    mutating func next() -> Float {
        state ^= state << 13; state ^= state >> 17; state ^= state << 5
        return Float(state % 2001) / 1000 - 1
    }
}
var generator = XorShift()
for shape in shapes {
    let a = (0 ..< shape.m * shape.k).map { _ in generator.next() }
    let b = (0 ..< shape.k * shape.n).map { _ in generator.next() }
    var c = [Float](repeating: 0, count: shape.m * shape.n)
    let ldb = shape.transposeB ? shape.k : shape.n
    let flops = 2.0 * Double(shape.m) * Double(shape.n) * Double(shape.k)
    for threads in [1, 2] {
        let ours = bestSeconds {
            Kernels.gemm(transposeB: shape.transposeB, m: shape.m, n: shape.n, k: shape.k, a: a, lda: shape.k,
                         b: b, ldb: ldb, c: &c, ldc: shape.n, threads: threads)
        }
        var theirs = Double.nan
        if let blas {
            blas.setThreads?(Int32(threads))
            theirs = bestSeconds {
                blas.sgemm(101, 111, shape.transposeB ? 112 : 111, Int32(shape.m), Int32(shape.n), Int32(shape.k), 1,
                           a, Int32(shape.k), b, Int32(ldb), 0, &c, Int32(shape.n))
            }
        }
        let label = "\(shape.label) (\(shape.m)×\(shape.n)×\(shape.k)\(shape.transposeB ? " Bᵀ" : ""))"
        let oursRate = flops / ours / 1e9, theirRate = flops / theirs / 1e9
        print(label.padding(toLength: 42, withPad: " ", startingAt: 0)
              + String(format: "  %3d  %7.1f  %8.1f  %5.2f", threads, oursRate, theirRate, oursRate / theirRate))
    }
}
