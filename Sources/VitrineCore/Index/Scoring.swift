import VitrineTensor

// THE scoring seam. Every similarity computation over the whole index goes through
// `scoreAll` (one query: GEMV, storage · q) or `scoreBatch` (many queries, rows blocked
// for cache reuse). Both compute every score with the same vectorized dot kernel, so a
// query's scores do not depend on whether it came alone or in a batch (on any variant).
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
    /// against every stored row: a row-major `queryCount × count` matrix. Each row of it is bitwise
    /// what ``scoreAll(query:)`` returns for that query (the same dot kernel per score, not a GEMM
    /// whose tile sums in another order), so a query gets one answer alone or in a batch.
    func scoreBatch(queries: [Float], queryCount: Int) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: queryCount * rows)
        guard rows > 0, queryCount > 0 else { return scores }
        storage.withUnsafeBufferPointer { matrix in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    guard let m = matrix.baseAddress, let qp = q.baseAddress, let c = out.baseAddress else { return }
                    Kernels.dotScores(rows: rows, dimension: d, items: m, queryCount: queryCount, queries: qp, into: c)
                }
            }
        }
        return scores
    }
}
