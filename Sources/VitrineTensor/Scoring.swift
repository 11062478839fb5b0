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
        splitRows(rows: rows, dimension: dimension, queryCount: queryCount, threads: threads) { begin, end in
            vk_dot_scores_rows(begin, end, dimension, items, dimension, queryCount, queries, dimension, scores, rows)
        }
    }

    /// `dotScores(rows:…)` over rows held as IEEE fp16 bit patterns.
    public static func dotScores(
        rows: Int, dimension: Int, halves items: UnsafePointer<UInt16>,
        queryCount: Int, queries: UnsafePointer<Float>,
        into scores: UnsafeMutablePointer<Float>, threads: Int? = nil
    ) {
        splitRows(rows: rows, dimension: dimension, queryCount: queryCount, threads: threads) { begin, end in
            vk_dot_scores_rows_f16(begin, end, dimension, items, dimension, queryCount, queries, dimension, scores, rows)
        }
    }

    /// Splits `rows` into one contiguous range per thread (one range for small work) and runs `body` on each.
    private static func splitRows(rows: Int, dimension: Int, queryCount: Int, threads: Int?, _ body: (Int, Int) -> Void) {
        precondition(rows >= 0 && dimension >= 0 && queryCount >= 0, "dotScores: bad sizes (rows \(rows), dimension \(dimension), queries \(queryCount))")
        let work = rows * dimension * max(queryCount, 1)
        let parts = work < 1 << 16 ? 1 : max(1, min(threads ?? threadCount, rows))
        parallel(parts) { part in body(rows * part / parts, rows * (part + 1) / parts) }
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
    // `a` ranks below `b`: lower score, or equal score and later index.
    var heap = TopKHeap<ScoredIndex>(capacity: k) { a, b in a.score < b.score || (a.score == b.score && a.index > b.index) }
    for (i, s) in scores.enumerated() where !s.isNaN { heap.offer(ScoredIndex(index: i, score: s)) }
    return heap.sortedBestFirst()
}

/// Keeps the `capacity` best elements of a stream under a "worse than" ordering: the one top-k
/// every ranking uses (index search, trained-model candidates, ``topK(_:k:)``). O(n log k).
public struct TopKHeap<Element> {
    /// How many elements are kept.
    public let capacity: Int
    private let isWorse: (Element, Element) -> Bool
    /// Min-heap: the root is the worst kept element.
    private var heap: [Element] = []

    /// An empty heap keeping `capacity` elements; `isWorse(a, b)` says `a` ranks below `b`
    /// (make it a strict total order, ties broken, so results do not depend on arrival order).
    public init(capacity: Int, isWorse: @escaping (Element, Element) -> Bool) {
        self.capacity = max(0, capacity)
        self.isWorse = isWorse
        heap.reserveCapacity(self.capacity)
    }

    /// Offers one element; it is kept if the heap is not full or it beats the current worst.
    public mutating func offer(_ element: Element) {
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(element)
            siftUp(heap.count - 1)
        } else if isWorse(heap[0], element) {
            heap[0] = element
            siftDown(0)
        }
    }

    /// The kept elements, best first.
    public func sortedBestFirst() -> [Element] {
        heap.sorted { isWorse($1, $0) }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard isWorse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var worst = parent
            if left < heap.count, isWorse(heap[left], heap[worst]) { worst = left }
            if right < heap.count, isWorse(heap[right], heap[worst]) { worst = right }
            if worst == parent { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}

/// The `k` highest scores of an array, best first; see ``topK(_:k:)-(UnsafeBufferPointer<Float>,_)``.
public func topK(_ scores: [Float], k: Int) -> [ScoredIndex] {
    scores.withUnsafeBufferPointer { topK($0, k: k) }
}
