import VitrineTensor

// THE scoring seam. Every similarity computation over the whole index goes through
// `scoreBatch` (`scoreAll` is a batch of one): the same vectorized dot kernel for every score,
// rows blocked for cache reuse and split across threads, so a query's scores do not depend on
// whether it came alone or in a batch (on any kernel variant).
// Single pairs (near-duplicate folds, MMR) use `Kernels.dot` via `rowCosine`.

extension VectorIndex {
    /// Dot product of `query` with every stored row, in row order: a batch of one.
    func scoreAll(query: [Float]) -> [Float] { scoreBatch(queries: query, queryCount: 1) }

    /// Scores of `queryCount` row-major queries (`queries.count == queryCount · dimension`)
    /// against every slot (free slots included; callers skip them): a row-major `queryCount × slots` matrix (one dot kernel call per
    /// score, not a GEMM whose tiles sum in another order).
    func scoreBatch(queries: [Float], queryCount: Int) -> [Float] {
        let rows = slotIDs.count
        var scores = [Float](repeating: 0, count: queryCount * rows)
        guard rows > 0, queryCount > 0 else { return scores }
        queries.withUnsafeBufferPointer { q in
            scores.withUnsafeMutableBufferPointer { out in
                guard let qp = q.baseAddress, let c = out.baseAddress else { return }
                storage.scores(queries: qp, queryCount: queryCount, into: c)
            }
        }
        return scores
    }
}
