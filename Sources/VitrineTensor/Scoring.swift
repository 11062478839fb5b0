import CVitrineKernels

extension Kernels {
    /// Scores many item vectors against one query: `scores[i] = dot(items[i·dimension ..< (i+1)·dimension], query)`.
    ///
    /// `items` holds `scores.count` rows of `dimension` floats; `query` has `dimension` floats.
    /// Rows are split across threads; memory bandwidth bounds it for large catalogs.
    public static func dotScores(
        items: UnsafeBufferPointer<Float>, dimension: Int, query: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(query.count == dimension && items.count == scores.count * dimension,
                     "dotScores: \(items.count) item floats, dimension \(dimension), query \(query.count), \(scores.count) scores")
        guard let a = items.baseAddress, let x = query.baseAddress, let y = scores.baseAddress, dimension > 0 else {
            for i in scores.indices { scores[i] = 0 }
            return
        }
        gemv(rows: scores.count, columns: dimension, a: a, lda: dimension, x: x, y: y)
    }
}

extension Kernels {
    /// Scores many item rows against several queries: `scores[j·rows + i] = dot(row i, query j)`.
    ///
    /// Each score is the very dot product ``gemv(rows:columns:alpha:a:lda:x:beta:y:threads:)`` computes
    /// for that row (same kernel, same accumulation order), so a query scored in a batch gets bitwise
    /// the scores it gets alone, on every kernel variant. Rows are blocked so each block is read from
    /// memory once per batch, and split across threads.
    public static func dotScores(
        rows: Int, dimension: Int, items: UnsafePointer<Float>,
        queryCount: Int, queries: UnsafePointer<Float>,
        into scores: UnsafeMutablePointer<Float>, threads: Int? = nil
    ) {
        precondition(rows >= 0 && dimension >= 0 && queryCount >= 0, "dotScores: bad sizes (rows \(rows), dimension \(dimension), queries \(queryCount))")
        let work = rows * dimension * max(queryCount, 1)
        let parts = work < 1 << 16 ? 1 : max(1, min(threads ?? threadCount, rows))
        parallel(parts) { part in
            let begin = rows * part / parts, end = rows * (part + 1) / parts
            vk_dot_scores_rows(begin, end, dimension, items, dimension, queryCount, queries, dimension, scores, rows)
        }
    }
}

/// Scores `items` (rows of `dimension` floats, concatenated) against `query` by dot product.
public func dotScores(items: [Float], dimension: Int, query: [Float]) -> [Float] {
    precondition(dimension > 0 && items.count % dimension == 0, "dotScores: \(items.count) floats are not rows of \(dimension)")
    var scores = [Float](repeating: 0, count: items.count / dimension)
    items.withUnsafeBufferPointer { pi in
        query.withUnsafeBufferPointer { pq in
            scores.withUnsafeMutableBufferPointer { ps in
                Kernels.dotScores(items: pi, dimension: dimension, query: pq, into: ps)
            }
        }
    }
    return scores
}

/// A position in a score array and its score.
public struct ScoredIndex: Sendable, Equatable {
    /// Position in the scored array.
    public var index: Int
    /// The score at that position.
    public var score: Float

    /// A scored position.
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// The `k` highest scores, best first; equal scores keep the lower index first; NaNs are skipped.
public func topK(_ scores: UnsafeBufferPointer<Float>, k: Int) -> [ScoredIndex] {
    guard k > 0 else { return [] }
    // `a` ranks below `b`: lower score, or equal score and later index.
    func worse(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        a.score < b.score || (a.score == b.score && a.index > b.index)
    }
    var heap: [ScoredIndex] = [] // min-heap on `worse`: the weakest kept entry on top
    heap.reserveCapacity(k)
    for (i, s) in scores.enumerated() where !s.isNaN {
        let candidate = ScoredIndex(index: i, score: s)
        if heap.count < k {
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard worse(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if worse(heap[0], candidate) {
            heap[0] = candidate
            var parent = 0
            while true {
                let l = 2 * parent + 1, r = l + 1
                var smallest = parent
                if l < heap.count && worse(heap[l], heap[smallest]) { smallest = l }
                if r < heap.count && worse(heap[r], heap[smallest]) { smallest = r }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }
    return heap.sorted { worse($1, $0) }
}

/// The `k` highest scores of an array, best first; see ``topK(_:k:)-(UnsafeBufferPointer<Float>,_)``.
public func topK(_ scores: [Float], k: Int) -> [ScoredIndex] {
    scores.withUnsafeBufferPointer { topK($0, k: k) }
}
