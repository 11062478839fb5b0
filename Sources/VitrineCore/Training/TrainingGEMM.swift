// ─────────────────────────────────────────────────────────────────────────────
// THE GEMM SEAM. Every matrix product in the two-tower trainer (forward and backward,
// training and inference) goes through `trainingGEMM` below and nowhere else.
//
// It calls VitrineTensor's packed GEMM (row-major A, B, C; transposes as flags;
// C = op(A)·op(B) with alpha = 1, beta = 0). The plain loops it replaced remain as
// `naiveTrainingGEMM`, the reference for the speedup measurement. Operand shapes used by the trainer:
//   A·B   (transposeA: false, transposeB: false)  forward of Linear
//   A·Bᵀ  (transposeA: false, transposeB: true)   input gradient of Linear, logits U·Tᵀ
//   Aᵀ·B  (transposeA: true,  transposeB: false)  weight gradient of Linear, target gradient
// The gradient-check tests in Tests/VitrineCoreTests/Training*Tests.swift exercise all three
// and will catch a wrong transpose or leading dimension after the swap.
// ─────────────────────────────────────────────────────────────────────────────

import Foundation
import VitrineTensor

/// `VITRINE_NAIVE_TRAINING_GEMM=1` routes the seam back to the plain loops, so the speedup of
/// the packed GEMM can be measured end to end (`vitrine evaluate --methods two-tower`).
let usesNaiveTrainingGEMM = ProcessInfo.processInfo.environment["VITRINE_NAIVE_TRAINING_GEMM"] == "1"

/// Returns `op(a) · op(b)`, where `op(x)` is `x` or `xᵀ`. Row-major in, row-major out.
func trainingGEMM(_ a: TrainingMatrix, transposeA: Bool = false,
                  _ b: TrainingMatrix, transposeB: Bool = false) -> TrainingMatrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kB = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(k == kB, "trainingGEMM: inner dimensions \(k) and \(kB) differ")
    if usesNaiveTrainingGEMM { return naiveTrainingGEMM(a, transposeA: transposeA, b, transposeB: transposeB) }
    var c = TrainingMatrix(rows: m, columns: n)
    if m == 0 || n == 0 || k == 0 { return c }
    a.values.withUnsafeBufferPointer { pa in
        b.values.withUnsafeBufferPointer { pb in
            c.values.withUnsafeMutableBufferPointer { pc in
                // Buffers are non-empty here (m, n, k > 0), so the base addresses exist.
                guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseC = pc.baseAddress else { return }
                Kernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                             a: baseA, lda: max(1, a.columns), b: baseB, ldb: max(1, b.columns),
                             c: baseC, ldc: n)
            }
        }
    }
    return c
}

/// Plain-loop `op(a) · op(b)`: the seam's former body, kept as a reference.
func naiveTrainingGEMM(_ a: TrainingMatrix, transposeA: Bool = false,
                  _ b: TrainingMatrix, transposeB: Bool = false) -> TrainingMatrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kB = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(k == kB, "trainingGEMM: inner dimensions \(k) and \(kB) differ")
    var c = TrainingMatrix(rows: m, columns: n)
    if m == 0 || n == 0 || k == 0 { return c }
    let lda = a.columns, ldb = b.columns
    a.values.withUnsafeBufferPointer { pa in
        b.values.withUnsafeBufferPointer { pb in
            c.values.withUnsafeMutableBufferPointer { pc in
                switch (transposeA, transposeB) {
                case (false, false):
                    // i-p-j order: the inner loop streams a row of B and a row of C.
                    for i in 0..<m {
                        for p in 0..<k {
                            let aip = pa[i * lda + p]
                            if aip == 0 { continue }
                            for j in 0..<n { pc[i * n + j] += aip * pb[p * ldb + j] }
                        }
                    }
                case (false, true):
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum: Float = 0
                            for p in 0..<k { sum += pa[i * lda + p] * pb[j * ldb + p] }
                            pc[i * n + j] = sum
                        }
                    }
                case (true, false):
                    for p in 0..<k {
                        for i in 0..<m {
                            let api = pa[p * lda + i]
                            if api == 0 { continue }
                            for j in 0..<n { pc[i * n + j] += api * pb[p * ldb + j] }
                        }
                    }
                case (true, true):
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum: Float = 0
                            for p in 0..<k { sum += pa[p * lda + i] * pb[j * ldb + p] }
                            pc[i * n + j] = sum
                        }
                    }
                }
            }
        }
    }
    return c
}
