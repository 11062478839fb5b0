// THE scoring seam. Every similarity computation over the whole index goes through
// `scoreAll` (one query: GEMV, storage · q) or `scoreBatch` (many queries: GEMM,
// Q · storageᵀ). They are written as plain loops on purpose: VitrineTensor's vectorized
// GEMV/GEMM kernels are being written in parallel and will replace these two bodies
// without any caller changing. Keep all index scoring funnelled through here.

extension VectorIndex {
    /// Dot product of `query` with every stored row, in row order.
    /// Seam: swap the loop body for VitrineTensor's GEMV.
    func scoreAll(query: [Float]) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: rows)
        storage.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    for r in 0..<rows {
                        let base = r * d
                        var sum: Float = 0
                        for i in 0..<d { sum += matrix[base + i] * q[i] }
                        out[r] = sum
                    }
                }
            }
        }
        return scores
    }

    /// Scores of `queryCount` row-major queries (`queries.count == queryCount · dimension`)
    /// against every stored row: a row-major `queryCount × count` matrix.
    /// Seam: swap the loop body for VitrineTensor's GEMM.
    func scoreBatch(queries: [Float], queryCount: Int) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: queryCount * rows)
        storage.withUnsafeBufferPointer { matrix in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    // Row-outer so each stored row is read once from memory for all queries.
                    for r in 0..<rows {
                        let base = r * d
                        for j in 0..<queryCount {
                            let qBase = j * d
                            var sum: Float = 0
                            for i in 0..<d { sum += matrix[base + i] * q[qBase + i] }
                            out[j * rows + r] = sum
                        }
                    }
                }
            }
        }
        return scores
    }
}
