import VitrineTensor

// THE scoring seam. Every similarity computation over the whole index goes through
// `scoreAll` (one query: GEMV, storage · q) or `scoreBatch` (many queries: GEMM,
// Q · storageᵀ). Both now call VitrineTensor's vectorized, multi-threaded kernels
// (they replaced the SIMD8 `rowDot` loops; timings in benchmarks/bench-index).
// Single pairs (near-duplicate folds, MMR) use `Kernels.dot` via `rowCosine`.

extension VectorIndex {
    /// Dot product of `query` with every stored row, in row order (VitrineTensor GEMV).
    func scoreAll(query: [Float]) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: rows)
        storage.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    guard let m = matrix.baseAddress, let qp = q.baseAddress, let y = out.baseAddress else { return }
                    Kernels.gemv(rows: rows, columns: d, a: m, lda: d, x: qp, y: y)
                }
            }
        }
        return scores
    }
    /// Scores of `queryCount` row-major queries (`queries.count == queryCount · dimension`)
    /// against every stored row: a row-major `queryCount × count` matrix.
    /// One VitrineTensor GEMM per call.
    func scoreBatch(queries: [Float], queryCount: Int) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: queryCount * rows)
        guard rows > 0, queryCount > 0 else { return scores }
        storage.withUnsafeBufferPointer { matrix in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    guard let m = matrix.baseAddress, let qp = q.baseAddress, let c = out.baseAddress else { return }
                    // scores (queryCount × rows) = Q (queryCount × d) · storageᵀ (d × rows).
                    Kernels.gemm(transposeB: true, m: queryCount, n: rows, k: d, a: qp, lda: d, b: m, ldb: d, c: c, ldc: rows)
                }
            }
        }
        return scores
    }
}
