import Testing
import Foundation
import VitrineTensor

/// Deterministic generator (SplitMix64) so failures reproduce.
struct SeededRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func float() -> Float { Float(Double(next() >> 40) / Double(1 << 24) * 2 - 1) }

    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in float() * scale } }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: floats(shape.reduce(1, *), scale: scale))
    }
}

/// Double-precision activations, the reference for the C kernels.
func referenceActivation(_ x: Double, _ activation: Activation) -> Double {
    switch activation {
    case .none: x
    case .relu: max(x, 0)
    case .relu6: min(max(x, 0), 6)
    case .gelu: 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
    }
}

/// Naive GEMM in Double: returns the result and, per element, Σ|a·b| (to scale the tolerance).
func referenceGemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float, c: [Float], ldc: Int,
    rowBias: [Float]?, columnBias: [Float]?, activation: Activation
) -> (values: [Double], magnitudes: [Double]) {
    var values = [Double](repeating: 0, count: m * ldc)
    var magnitudes = values
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k {
                let x = Double(transposeA ? a[p * lda + i] : a[i * lda + p])
                let y = Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                sum += x * y
                magnitude += abs(x * y)
            }
            var v = Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j]))
            v += Double(rowBias?[i] ?? 0) + Double(columnBias?[j] ?? 0)
            values[i * ldc + j] = referenceActivation(v, activation)
            magnitudes[i * ldc + j] = abs(Double(alpha)) * magnitude + (beta == 0 ? 0 : abs(Double(beta) * Double(c[i * ldc + j])))
                + abs(Double(rowBias?[i] ?? 0)) + abs(Double(columnBias?[j] ?? 0))
        }
    }
    return (values, magnitudes)
}

/// Largest |got − want| / (relative·|want| + absolute); ≤ 1 means within tolerance.
func worstError(_ got: [Float], _ want: [Double], relative: Double, absolute: Double) -> Double {
    precondition(got.count == want.count)
    var worst = 0.0
    for (g, w) in zip(got, want) {
        let e = abs(Double(g) - w) / (relative * abs(w) + absolute)
        if !(e <= worst) { worst = e.isNaN ? .infinity : e }
    }
    return worst
}

/// Runs `body` once per kernel variant this CPU supports, then restores the default variant.
/// Only the serialized `KernelVariantTests` suite switches variants, and only through
/// `Kernels.forEachSupportedVariant`, which waits for every `Kernels.withStableVariant` section.
func forEachSupportedVariant(_ body: (KernelVariant) throws -> Void) rethrows {
    try Kernels.forEachSupportedVariant { variant in
        #expect(Kernels.variant == variant)
        try body(variant)
    }
}

/// `forEachSupportedVariant` for the int8 kernels: on a CPU with AVX-512 VNNI the AVX-512 variant runs
/// with VNNI and again without it. `body` gets a label naming the variant and its int8 kernel.
func forEachInt8Kernel(_ body: (String) throws -> Void) rethrows {
    try Kernels.forEachSupportedVariant(splittingVNNI: true) { variant, vnni in
        #expect(Kernels.variant == variant)
        #expect(Kernels.usesVNNI == vnni)
        try body("\(variant) (int8 \(Kernels.int8KernelName)\(variant == .avx512 && !vnni ? ", no VNNI" : ""))")
    }
}
