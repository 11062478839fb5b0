// THE scoring seam. Every similarity computation over the whole index goes through
// `scoreAll` (one query: GEMV, storage · q) or `scoreBatch` (many queries: GEMM,
// Q · storageᵀ). They are written as plain loops on purpose: VitrineTensor's vectorized
// GEMV/GEMM kernels are being written in parallel and will replace these two bodies
// without any caller changing. Keep all index scoring funnelled through here.
// The one concession to speed is `rowDot`: a plain `sum +=` loop cannot be vectorized
// (IEEE order), so it accumulates in SIMD8 lanes — measured ~8× faster in release.

extension VectorIndex {
    /// Dot product of `query` with every stored row, in row order.
    /// Seam: swap the loop body for VitrineTensor's GEMV.
    func scoreAll(query: [Float]) -> [Float] {
        let rows = count, d = dimension
        var scores = [Float](repeating: 0, count: rows)
        storage.withUnsafeBufferPointer { matrix in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    guard let m = matrix.baseAddress, let qp = q.baseAddress else { return }
                    for r in 0..<rows { out[r] = Self.rowDot(m + r * d, qp, count: d) }
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
                    guard let m = matrix.baseAddress, let qp = q.baseAddress else { return }
                    for r in 0..<rows {
                        let row = m + r * d
                        for j in 0..<queryCount { out[j * rows + r] = Self.rowDot(row, qp + j * d, count: d) }
                    }
                }
            }
        }
        return scores
    }

    /// Dot product of two contiguous Float runs, accumulated in two SIMD8 registers.
    @inline(__always)
    static func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        let stride = MemoryLayout<Float>.stride
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            acc0 += rawA.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
            acc1 += rawA.loadUnaligned(fromByteOffset: (i + 8) * stride, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: (i + 8) * stride, as: SIMD8<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }
}
