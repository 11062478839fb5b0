// ─────────────────────────────────────────────────────────────────────────────
// THE GEMM SEAM. Every matrix product in the two-tower trainer (forward and backward,
// training and inference) goes through `trainingGEMM` below and nowhere else.
//
// It calls VitrineTensor's packed GEMM (row-major A, B, C; transposes as flags;
// C = op(A)·op(B) with alpha = 1, beta = 0). The plain loops it replaced live on only as the
// reference in Tests/VitrineCoreTests/TrainingGEMMTests.swift. Operand shapes used by the trainer:
//   A·B   (transposeA: false, transposeB: false)  forward of Linear
//   A·Bᵀ  (transposeA: false, transposeB: true)   input gradient of Linear, logits U·Tᵀ
//   Aᵀ·B  (transposeA: true,  transposeB: false)  weight gradient of Linear, target gradient
// TrainingGEMMTests checks all three against plain loops on odd shapes, and the gradient-check
// tests in Tests/VitrineCoreTests/Training*Tests.swift catch a wrong transpose or leading dimension.
// ─────────────────────────────────────────────────────────────────────────────

import VitrineTensor

/// Returns `op(a) · op(b)`, where `op(x)` is `x` or `xᵀ`, plus `columnBias` (`1 × n`) on every row and
/// then `activation`, both fused into the GEMM's epilogue. Row-major in, row-major out.
func trainingGEMM(_ a: TrainingMatrix, transposeA: Bool = false,
                  _ b: TrainingMatrix, transposeB: Bool = false,
                  columnBias: TrainingMatrix? = nil, activation: Activation = .none) -> TrainingMatrix {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kB = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(k == kB, "trainingGEMM: inner dimensions \(k) and \(kB) differ")
    precondition(columnBias.map { $0.values.count == n } ?? true, "trainingGEMM: column bias of \(columnBias?.values.count ?? 0) for \(n) columns")
    if m == 0 || n == 0 || k == 0 {
        precondition(k > 0 || m * n == 0 || (columnBias == nil && activation == .none), "trainingGEMM: an epilogue needs k > 0")
        return TrainingMatrix(rows: m, columns: n)
    }
    // With beta 0 the GEMM writes every entry of C, so C starts uninitialised (no zero-fill pass).
    let values = [Float](unsafeUninitializedCapacity: m * n) { pc, initialized in
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                (columnBias?.values ?? []).withUnsafeBufferPointer { pBias in
                    // Buffers are non-empty here (m, n, k > 0), so the base addresses exist.
                    guard let baseA = pa.baseAddress, let baseB = pb.baseAddress, let baseC = pc.baseAddress else { return }
                    Kernels.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                 a: baseA, lda: max(1, a.columns), b: baseB, ldb: max(1, b.columns),
                                 c: baseC, ldc: n, columnBias: columnBias == nil ? nil : pBias.baseAddress, activation: activation)
                }
            }
        }
        initialized = m * n
    }
    return TrainingMatrix(rows: m, columns: n, values: values)
}
