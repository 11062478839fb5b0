import VitrineTensor

// Searching the index: eligibility (exclusions, filters), the choice between the HNSW graph and
// an exact scan, top-k selection with a bounded heap, and near-duplicate folding.

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
    /// When true the search scans every item (exact) even where the index has an HNSW graph.
    public var exact: Bool
    /// HNSW candidate list size for this search (nil: the index's `approximate.efSearch`);
    /// larger is slower and closer to exact.
    public var efSearch: Int?

    /// Creates options with defaults: 10 hits, no exclusions, no filter, threshold 0.985, approximate where the index has a graph.
    public init(limit: Int = 10, excluding: Set<String> = [], filter: IndexFilter = IndexFilter(),
                nearDuplicateThreshold: Float = 0.985, includeNearDuplicates: Bool = false,
                exact: Bool = false, efSearch: Int? = nil) {
        self.limit = limit
        self.excluding = excluding
        self.filter = filter
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.includeNearDuplicates = includeNearDuplicates
        self.exact = exact
        self.efSearch = efSearch
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
        try checkOptions(options)
        if let hits = approximateSearch(query, options: options) { return hits }
        return exactSearch(query, eligible: eligibility(options), options: options)
    }

    /// Searches many queries at once (one GEMM per chunk of queries); results in query order.
    public func search(queries: [[Float]], options: SearchOptions = SearchOptions()) throws -> [[SearchHit]] {
        for (index, query) in queries.enumerated() {
            try VectorMath.validate(query, dimension: dimension, field: "queries[\(index)]")
        }
        try checkOptions(options)
        if usesGraph(options) {
            return queries.map { approximateSearch($0, options: options) ?? exactSearch($0, eligible: eligibility(options), options: options) }
        }
        let eligible = eligibility(options)
        var results: [[SearchHit]] = []
        results.reserveCapacity(queries.count)
        let chunk = 32  // bounds the score matrix at 32 × count floats
        var start = 0
        while start < queries.count {
            let end = min(start + chunk, queries.count)
            let flat = queries[start..<end].flatMap { $0 }
            let scores = scoreBatch(queries: flat, queryCount: end - start)
            let slots = slotIDs.count
            for j in 0..<(end - start) {
                let row = Array(scores[j * slots ..< (j + 1) * slots])
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
        for (row, id) in slotIDs.enumerated() { if let id { out[id] = all[row] } }
        return out
    }

    /// Ids of the items `options` lets through (exclusions and filter), in slot order.
    public func eligibleIDs(_ options: SearchOptions) -> [String] {
        let eligible = eligibility(options)
        return slotIDs.indices.compactMap { row in (eligible?[row] ?? true) ? slotIDs[row] : nil }
    }

    private func checkOptions(_ options: SearchOptions) throws {
        guard options.limit >= 0 else { throw VitrineCoreError.invalidOption(name: "limit", reason: "must be ≥ 0, got \(options.limit)") }
        if let ef = options.efSearch, ef < 1 {
            throw VitrineCoreError.invalidOption(name: "efSearch", reason: "must be ≥ 1, got \(ef)")
        }
    }

    /// Per-slot eligibility mask (free slots included as ineligible), or nil when every indexed row is eligible.
    func eligibility(_ options: SearchOptions) -> [Bool]? {
        if options.excluding.isEmpty && options.filter.isEmpty { return nil }
        var mask = slotIDs.map { $0 != nil }
        if !options.filter.isEmpty {
            for row in slotIDs.indices {
                guard let id = slotIDs[row] else { continue }
                if !options.filter.accepts(id: id, attributes: attributes[row]) { mask[row] = false }
            }
        }
        for id in options.excluding { if let row = rowByID[id] { mask[row] = false } }
        return mask
    }

    // MARK: Exact or approximate

    /// True when `options` may be answered from the HNSW graph.
    func usesGraph(_ options: SearchOptions) -> Bool { !options.exact && hasApproximateSearch }

    /// An upper bound on the items a tag/category filter leaves (nil: no such constraint).
    func filteredCountBound(_ filter: IndexFilter) -> Int? {
        var bound: Int?
        func tighten(_ value: Int) { bound = min(bound ?? value, value) }
        if !filter.anyOfTags.isEmpty { tighten(filter.anyOfTags.reduce(0) { $0 + tagCounts[$1, default: 0] }) }
        if !filter.allOfTags.isEmpty { tighten(filter.allOfTags.map { tagCounts[$0, default: 0] }.min() ?? 0) }
        if !filter.categories.isEmpty { tighten(filter.categories.reduce(0) { $0 + categoryCounts[$1, default: 0] }) }
        return bound
    }

    /// The graph's answer, or nil when the search should be exact: no graph (or `exact`), a filter
    /// that leaves under 5 % of the items (an exact scan of those is cheaper and complete), or a
    /// graph walk that found fewer eligible items than it needed (e.g. a restrictive predicate).
    func approximateSearch(_ query: [Float], options: SearchOptions) -> [SearchHit]? {
        guard usesGraph(options), let graph else { return nil }
        if let bound = filteredCountBound(options.filter), bound * 20 < count { return nil }
        let limit = min(options.limit, count)
        guard limit > 0 else { return [] }
        let excludedRows = Set(options.excluding.compactMap { rowByID[$0] })
        let filter = options.filter
        let accepts: (Int32) -> Bool = { slot in
            let row = Int(slot)
            guard let id = slotIDs[row], !excludedRows.contains(row) else { return false }
            return filter.isEmpty || filter.accepts(id: id, attributes: attributes[row])
        }
        let ef = options.efSearch ?? approximate.efSearch
        return select(limit: limit, options: options) { pool in
            let found = query.withUnsafeBufferPointer { q in graphCandidates(q.baseAddress!, pool: pool, ef: max(ef, pool), graph: graph, accepts: accepts) }
            return found.count < pool ? nil : found.map { (row: Int($0.slot), score: $0.similarity) }
        }
    }

    /// The graph's best `pool` accepted slots for `query`. With int8 graph distances the walk keeps all
    /// `ef` candidates, which are then re-scored exactly from the stored rows and re-ranked.
    private func graphCandidates(_ query: UnsafePointer<Float>, pool: Int, ef: Int, graph: HNSWGraph,
                                 accepts: (Int32) -> Bool) -> [ScoredSlot] {
        guard storage.quantized else {
            return storage.withRows { rows in graph.search(GraphQuery(floats: query), k: pool, ef: ef, rows: rows, accepts: accepts) }
        }
        var codes = [Int8](repeating: 0, count: dimension)
        let scale = codes.withUnsafeMutableBufferPointer { Kernels.quantize(count: dimension, query, into: $0.baseAddress!) }
        let walked = codes.withUnsafeBufferPointer { c in
            storage.withGraphRows { rows in
                graph.search(GraphQuery(floats: query, codes: c.baseAddress, scale: scale), k: ef, ef: ef, rows: rows, accepts: accepts)
            }
        }
        let rescored = storage.withRows { rows in walked.map { ScoredSlot(similarity: rows.similarity(query, $0.slot), slot: $0.slot) } }
        return Array(rescored.sorted(by: HNSWGraph.better).prefix(pool))
    }

    /// A full scan, or for a mask that leaves few rows a scan of those rows only.
    func exactSearch(_ query: [Float], eligible: [Bool]?, options: SearchOptions) -> [SearchHit] {
        if let eligible {
            let rows = eligible.indices.filter { eligible[$0] }
            if rows.count * 8 < slotIDs.count {
                var scores = [Float](repeating: -.infinity, count: slotIDs.count)
                query.withUnsafeBufferPointer { q in
                    storage.withRows { s in
                        for row in rows { scores[row] = s.similarity(q.baseAddress!, Int32(row)) }
                    }
                }
                return select(scores: scores, eligible: eligible, options: options)
            }
        }
        return select(scores: scoreAll(query: query), eligible: eligible, options: options)
    }

    /// Top-k selection plus near-duplicate folding over scores of every slot.
    func select(scores: [Float], eligible: [Bool]?, options: SearchOptions) -> [SearchHit] {
        let limit = min(options.limit, count)  // a huge requested limit cannot overflow the pool arithmetic
        guard limit > 0 else { return [] }
        return select(limit: limit, options: options) { pool in
            topRows(scores: scores, eligible: eligible, k: pool).map { (row: $0, score: scores[$0]) }
        } ?? []
    }

    /// Near-duplicate folding over candidate pools from `candidates(poolSize)` (best first). Widens
    /// the pool until `limit` distinct hits are kept or the candidates run out; nil when `candidates` gives up.
    func select(limit: Int, options: SearchOptions, candidates: (Int) -> [(row: Int, score: Float)]?) -> [SearchHit]? {
        var poolSize = options.includeNearDuplicates ? limit : limit * 2 + 8
        while true {
            guard let pool = candidates(poolSize) else { return nil }
            if options.includeNearDuplicates {
                return pool.prefix(limit).map { SearchHit(id: slotIDs[$0.row]!, score: $0.score) }
            }
            let folded = NearDuplicates.fold(pool.map { (candidate: $0, duplicates: [String]()) }, limit: limit,
                                             isDuplicate: { rowCosine($0.candidate.row, $1.candidate.row) >= options.nearDuplicateThreshold },
                                             absorb: { $0.duplicates.append(slotIDs[$1.candidate.row]!) })
            let hits = folded.map { SearchHit(id: slotIDs[$0.candidate.row]!, score: $0.candidate.score, duplicates: $0.duplicates) }
            let exhausted = pool.count < poolSize
            if hits.count == limit || exhausted { return hits }
            poolSize *= 2
        }
    }

    /// Rows of the k best eligible scores, best first, ties by id. A size-k min-heap keeps
    /// this O(n log k) for one pass over 100k scores.
    func topRows(scores: [Float], eligible: [Bool]?, k: Int) -> [Int] {
        var heap = TopKHeap(capacity: k) { a, b in
            // "a is worse than b": lower score, or equal score and larger id.
            scores[a] < scores[b] || (scores[a] == scores[b] && slotIDs[a]! > slotIDs[b]!)
        }
        for row in 0..<scores.count {
            if let eligible { if !eligible[row] { continue } } else if slotIDs[row] == nil { continue }
            if scores[row].isNaN { continue }
            heap.offer(row)
        }
        return heap.sortedBestFirst()
    }
}
