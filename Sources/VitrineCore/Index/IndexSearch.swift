import VitrineTensor

// Searching the index: eligibility (exclusions, filters), top-k selection with a bounded
// heap, and near-duplicate folding.

/// Restricts which items a search may return. Empty constraints accept everything.
public struct IndexFilter: Sendable {
    /// Item must carry at least one of these tags (ignored when empty).
    public var anyOfTags: Set<String>
    /// Item must carry all of these tags (ignored when empty).
    public var allOfTags: Set<String>
    /// Item's category must be one of these (ignored when empty).
    public var categories: Set<String>
    /// Extra caller predicate on the item id; nil accepts all.
    public var predicate: (@Sendable (String) -> Bool)?

    /// Creates a filter.
    public init(anyOfTags: Set<String> = [], allOfTags: Set<String> = [], categories: Set<String> = [],
                predicate: (@Sendable (String) -> Bool)? = nil) {
        self.anyOfTags = anyOfTags
        self.allOfTags = allOfTags
        self.categories = categories
        self.predicate = predicate
    }

    /// True when the filter accepts everything.
    public var isEmpty: Bool { anyOfTags.isEmpty && allOfTags.isEmpty && categories.isEmpty && predicate == nil }

    /// Whether an item with these attributes passes.
    public func accepts(id: String, attributes: IndexedAttributes) -> Bool {
        if !anyOfTags.isEmpty, anyOfTags.isDisjoint(with: attributes.tags) { return false }
        if !allOfTags.isEmpty, !allOfTags.isSubset(of: attributes.tags) { return false }
        if !categories.isEmpty {
            guard let category = attributes.category, categories.contains(category) else { return false }
        }
        if let predicate, !predicate(id) { return false }
        return true
    }
}

/// Options of one index search.
public struct SearchOptions: Sendable {
    /// Maximum number of hits returned.
    public var limit: Int
    /// Ids never returned (e.g. the query item itself, items already seen).
    public var excluding: Set<String>
    /// Tag / category / predicate filter.
    public var filter: IndexFilter
    /// Hits whose cosine with an already kept hit is ≥ this are folded into it (default 0.985).
    public var nearDuplicateThreshold: Float
    /// When true, near duplicates are returned as ordinary hits instead of being folded.
    public var includeNearDuplicates: Bool

    /// Creates options with defaults: 10 hits, no exclusions, no filter, threshold 0.985.
    public init(limit: Int = 10, excluding: Set<String> = [], filter: IndexFilter = IndexFilter(),
                nearDuplicateThreshold: Float = 0.985, includeNearDuplicates: Bool = false) {
        self.limit = limit
        self.excluding = excluding
        self.filter = filter
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.includeNearDuplicates = includeNearDuplicates
    }
}

/// One search result.
public struct SearchHit: Sendable, Equatable {
    /// Item id.
    public let id: String
    /// Dot product of the query with the stored vector (cosine for unit vectors).
    public let score: Float
    /// Ids folded into this hit as near duplicates, best first.
    public var duplicates: [String]

    /// Creates a hit.
    public init(id: String, score: Float, duplicates: [String] = []) {
        self.id = id
        self.score = score
        self.duplicates = duplicates
    }
}

extension VectorIndex {
    /// The `options.limit` best items for `query`, best first (ties broken by id).
    /// - Throws: `.dimensionMismatch` / `.nonFiniteVector` for a bad query, `.invalidOption` for a negative limit.
    public func search(query: [Float], options: SearchOptions = SearchOptions()) throws -> [SearchHit] {
        try VectorMath.validate(query, dimension: dimension, field: "query")
        try checkLimit(options.limit)
        let eligible = eligibility(options)
        return select(scores: scoreAll(query: query), eligible: eligible, options: options)
    }

    /// Searches many queries at once (one GEMM per chunk of queries); results in query order.
    public func search(queries: [[Float]], options: SearchOptions = SearchOptions()) throws -> [[SearchHit]] {
        for (index, query) in queries.enumerated() {
            try VectorMath.validate(query, dimension: dimension, field: "queries[\(index)]")
        }
        try checkLimit(options.limit)
        let eligible = eligibility(options)
        var results: [[SearchHit]] = []
        results.reserveCapacity(queries.count)
        let chunk = 32  // bounds the score matrix at 32 × count floats
        var start = 0
        while start < queries.count {
            let end = min(start + chunk, queries.count)
            let flat = queries[start..<end].flatMap { $0 }
            let scores = scoreBatch(queries: flat, queryCount: end - start)
            for j in 0..<(end - start) {
                let row = Array(scores[j * count ..< (j + 1) * count])
                results.append(select(scores: row, eligible: eligible, options: options))
            }
            start = end
        }
        return results
    }

    /// Raw dot-product scores of `query` against every indexed item, keyed by id.
    public func scores(for query: [Float]) throws -> [String: Float] {
        try VectorMath.validate(query, dimension: dimension, field: "query")
        let all = scoreAll(query: query)
        var out = [String: Float](minimumCapacity: count)
        for (row, id) in ids.enumerated() { out[id] = all[row] }
        return out
    }

    private func checkLimit(_ limit: Int) throws {
        guard limit >= 0 else { throw VitrineCoreError.invalidOption(name: "limit", reason: "must be ≥ 0, got \(limit)") }
    }

    /// Per-row eligibility mask, or nil when every row is eligible.
    func eligibility(_ options: SearchOptions) -> [Bool]? {
        if options.excluding.isEmpty && options.filter.isEmpty { return nil }
        var mask = [Bool](repeating: true, count: count)
        if !options.filter.isEmpty {
            for row in 0..<count where !options.filter.accepts(id: ids[row], attributes: attributes[row]) { mask[row] = false }
        }
        for id in options.excluding { if let row = rowByID[id] { mask[row] = false } }
        return mask
    }

    /// Top-k selection plus near-duplicate folding. Widens the candidate pool until `limit`
    /// distinct hits are kept or the eligible rows run out.
    func select(scores: [Float], eligible: [Bool]?, options: SearchOptions) -> [SearchHit] {
        let limit = min(options.limit, count)  // a huge requested limit cannot overflow the pool arithmetic
        guard limit > 0 else { return [] }
        var poolSize = options.includeNearDuplicates ? limit : limit * 2 + 8
        while true {
            let rows = topRows(scores: scores, eligible: eligible, k: poolSize)
            if options.includeNearDuplicates {
                return rows.map { SearchHit(id: ids[$0], score: scores[$0]) }
            }
            let folded = NearDuplicates.fold(rows.map { (row: $0, duplicates: [String]()) }, limit: limit,
                                             isDuplicate: { rowCosine($0.row, $1.row) >= options.nearDuplicateThreshold },
                                             absorb: { $0.duplicates.append(ids[$1.row]) })
            let hits = folded.map { SearchHit(id: ids[$0.row], score: scores[$0.row], duplicates: $0.duplicates) }
            let exhausted = rows.count < poolSize
            if hits.count == limit || exhausted { return hits }
            poolSize *= 2
        }
    }

    /// Rows of the k best eligible scores, best first, ties by id. A size-k min-heap keeps
    /// this O(n log k) for one pass over 100k scores.
    func topRows(scores: [Float], eligible: [Bool]?, k: Int) -> [Int] {
        var heap = TopKHeap(capacity: k) { a, b in
            // "a is worse than b": lower score, or equal score and larger id.
            scores[a] < scores[b] || (scores[a] == scores[b] && ids[a] > ids[b])
        }
        for row in 0..<scores.count {
            if let eligible, !eligible[row] { continue }
            if scores[row].isNaN { continue }
            heap.offer(row)
        }
        return heap.sortedBestFirst()
    }
}
