import Testing
import VitrineCore

/// The HNSW path of `VectorIndex`, measured against the same index's exact scan (the hnswlib way:
/// brute force is the recall yardstick). Sizes stay small so the suite runs in well under a second
/// in release; the million-item run is `bench-ann`'s job.
@Suite struct ApproximateIndexTests {
    static let dimension = 24

    /// Clustered vectors (like encoder output: groups around a few directions), seeded.
    static func clusteredVectors(count: Int, clusters: Int = 24, seed: UInt64) -> [[Float]] {
        var g = SplitMix64(seed: seed)
        let centres = (0..<clusters).map { _ in CoreTestSupport.randomVector(dimension, using: &g) }
        return (0..<count).map { i in CoreTestSupport.jitter(centres[i % clusters], noise: 0.6, using: &g) }
    }

    static func approximateIndex(bruteForceBelow: Int = 200) throws -> VectorIndex {
        try VectorIndex(dimension: dimension, approximate: ApproximateSearchOptions(m: 12, efConstruction: 100, efSearch: 96,
                                                                                    bruteForceBelow: bruteForceBelow))
    }

    /// Mean overlap of the approximate top-k with the exact top-k over `queries`.
    static func recall(_ index: VectorIndex, queries: [[Float]], k: Int = 10, options: SearchOptions = SearchOptions()) throws -> Double {
        var approximate = options, exact = options
        approximate.limit = k
        approximate.includeNearDuplicates = true
        exact.limit = k
        exact.includeNearDuplicates = true
        exact.exact = true
        var total = 0.0
        for query in queries {
            let truth = Set(try index.search(query: query, options: exact).map(\.id))
            let found = try index.search(query: query, options: approximate).map(\.id)
            total += Double(found.filter(truth.contains).count) / Double(max(truth.count, 1))
        }
        return total / Double(queries.count)
    }

    @Test func graphSearchFindsTheExactNeighbours() throws {
        var index = try Self.approximateIndex()
        for (i, v) in Self.clusteredVectors(count: 3_000, seed: 1).enumerated() { try index.add(id: "i\(i)", vector: v) }
        #expect(index.hasApproximateSearch)
        let queries = Self.clusteredVectors(count: 60, seed: 2)
        let recall = try Self.recall(index, queries: queries)
        #expect(recall >= 0.95, "recall@10 \(recall)")
        // A wider candidate list is at least as good.
        #expect(try Self.recall(index, queries: queries, options: SearchOptions(efSearch: 200)) >= recall - 0.01)
    }

    /// int8 graph distances: the walk compares int8 codes, the hits come back re-scored exactly (their
    /// scores are the exact scan's), recall stays at the stored-rows graph's level, and deletes with
    /// their repair and a snapshot round trip keep the codes in step with the rows.
    @Test(arguments: [VectorPrecision.float32, .float16])
    func int8GraphDistancesKeepRecallAndReturnExactScores(precision: VectorPrecision) throws {
        let options = ApproximateSearchOptions(m: 12, efConstruction: 100, efSearch: 96, bruteForceBelow: 200, graphDistances: .int8)
        var index = try VectorIndex(dimension: Self.dimension, precision: precision, approximate: options)
        let vectors = Self.clusteredVectors(count: 3_000, seed: 21)
        for (i, v) in vectors.enumerated() { try index.add(id: "i\(i)", vector: v) }
        for i in stride(from: 0, to: 3_000, by: 7) { index.remove(id: "i\(i)") }
        for i in stride(from: 0, to: 1_000, by: 7) { try index.add(id: "i\(i)", vector: vectors[i]) }
        let queries = Self.clusteredVectors(count: 60, seed: 22)
        let recall = try Self.recall(index, queries: queries)
        #expect(recall >= 0.95, "int8 recall@10 \(recall)")
        for query in queries.prefix(10) {
            let approximate = try index.search(query: query, options: SearchOptions(limit: 5, includeNearDuplicates: true))
            let exact = try index.search(query: query, options: SearchOptions(limit: 400, includeNearDuplicates: true, exact: true))
            let exactScores = Dictionary(uniqueKeysWithValues: exact.map { ($0.id, $0.score) })
            for hit in approximate { #expect(exactScores[hit.id].map { $0 == hit.score } ?? true, "\(hit.id) \(hit.score)") }
            #expect(approximate.map(\.score) == approximate.map(\.score).sorted(by: >))
        }
    }

    @Test func smallIndexesStayExactAndKeepNoGraph() throws {
        var index = try Self.approximateIndex(bruteForceBelow: 500)
        for (i, v) in Self.clusteredVectors(count: 499, seed: 3).enumerated() { try index.add(id: "i\(i)", vector: v) }
        #expect(!index.hasApproximateSearch)
        try index.add(id: "one-more", vector: Self.clusteredVectors(count: 1, seed: 4)[0])
        #expect(index.hasApproximateSearch)
    }

    @Test func newItemIsSearchableAtOnceThroughTheGraph() throws {
        var index = try Self.approximateIndex()
        for (i, v) in Self.clusteredVectors(count: 1_000, seed: 5).enumerated() { try index.add(id: "i\(i)", vector: v) }
        var g = SplitMix64(seed: 6)
        let fresh = CoreTestSupport.randomVector(Self.dimension, using: &g)
        try index.add(id: "fresh", vector: fresh)
        let hits = try index.search(query: fresh, options: SearchOptions(limit: 3))
        #expect(hits.first?.id == "fresh")
    }

    @Test func recallHoldsAfterManyDeletesAndReAdds() throws {
        var index = try Self.approximateIndex()
        let vectors = Self.clusteredVectors(count: 2_000, seed: 7)
        for (i, v) in vectors.enumerated() { try index.add(id: "i\(i)", vector: v) }
        let queries = Self.clusteredVectors(count: 50, seed: 8)
        // Three rounds: delete 40 % of the items, then add them back with new vectors.
        var g = SplitMix64(seed: 9)
        for round in 0..<3 {
            let victims = (0..<vectors.count).filter { ($0 + round) % 5 < 2 }
            for i in victims {
                let removed = index.remove(id: "i\(i)")
                #expect(removed)
            }
            #expect(index.count == vectors.count - victims.count)
            // Deleted items are never returned.
            let gone = Set(victims.map { "i\($0)" })
            for query in queries.prefix(10) {
                let hits = try index.search(query: query, options: SearchOptions(limit: 20, includeNearDuplicates: true))
                #expect(hits.allSatisfy { !gone.contains($0.id) })
            }
            #expect(try Self.recall(index, queries: queries) >= 0.95)
            for i in victims {
                try index.add(id: "i\(i)", vector: CoreTestSupport.jitter(vectors[i], noise: 0.2, using: &g))
            }
        }
        #expect(index.count == vectors.count)
        let recall = try Self.recall(index, queries: queries)
        #expect(recall >= 0.95, "recall@10 after 3 rounds of deletes and re-adds: \(recall)")
    }

    @Test func filtersAreHonouredOnBothPaths() throws {
        var index = try Self.approximateIndex()
        for (i, v) in Self.clusteredVectors(count: 2_000, seed: 10).enumerated() {
            // "rare": 1 % of the items (answered by an exact scan of them); "half": every other item (graph walk).
            let tags = (i % 100 == 0 ? ["rare"] : []) + (i % 2 == 0 ? ["half"] : [])
            try index.add(id: "i\(i)", vector: v, tags: tags, category: "c\(i % 3)")
        }
        let queries = Self.clusteredVectors(count: 30, seed: 11)
        for filter in [IndexFilter(anyOfTags: ["rare"]), IndexFilter(anyOfTags: ["half"]), IndexFilter(categories: ["c1"]),
                       IndexFilter(predicate: { $0.hasSuffix("7") })] {
            let options = SearchOptions(filter: filter)
            for query in queries.prefix(5) {
                let hits = try index.search(query: query, options: SearchOptions(limit: 10, filter: filter, includeNearDuplicates: true))
                #expect(hits.count == 10)
                #expect(hits.allSatisfy { filter.accepts(id: $0.id, attributes: index.attributes(for: $0.id)!) })
            }
            #expect(try Self.recall(index, queries: queries, options: options) >= 0.95)
        }
        // A filter that leaves fewer items than asked for returns exactly those.
        let rare = try index.search(query: queries[0], options: SearchOptions(limit: 50, filter: IndexFilter(anyOfTags: ["rare"])))
        #expect(rare.count == 20)
    }

    @Test func exactSwitchGivesTheBruteForceRanking() throws {
        var approximate = try Self.approximateIndex()
        var exactOnly = try VectorIndex(dimension: Self.dimension, approximate: ApproximateSearchOptions(enabled: false))
        for (i, v) in Self.clusteredVectors(count: 1_500, seed: 12).enumerated() {
            try approximate.add(id: "i\(i)", vector: v)
            try exactOnly.add(id: "i\(i)", vector: v)
        }
        #expect(approximate.hasApproximateSearch && !exactOnly.hasApproximateSearch)
        for query in Self.clusteredVectors(count: 10, seed: 13) {
            let options = SearchOptions(limit: 10, exact: true)
            #expect(try approximate.search(query: query, options: options) == exactOnly.search(query: query, options: options))
        }
    }

    @Test func badApproximateOptionsAreRejectedByName() throws {
        #expect(throws: VitrineCoreError.invalidOption(name: "m", reason: "must be in 2...256, got 1")) {
            try VectorIndex(dimension: 4, approximate: ApproximateSearchOptions(m: 1))
        }
        let index = try Self.approximateIndex()
        #expect(throws: VitrineCoreError.invalidOption(name: "efSearch", reason: "must be ≥ 1, got 0")) {
            try index.search(query: [Float](repeating: 1, count: Self.dimension), options: SearchOptions(efSearch: 0))
        }
    }
}

/// fp16 rows: half the memory, the same neighbours.
@Suite struct HalfPrecisionIndexTests {
    @Test func halfPrecisionIndexFindsTheSameNeighboursAsFloat() throws {
        var single = try VectorIndex(dimension: 40, approximate: ApproximateSearchOptions(enabled: false))
        var half = try VectorIndex(dimension: 40, precision: .float16, approximate: ApproximateSearchOptions(enabled: false))
        var g = SplitMix64(seed: 21)
        for i in 0..<800 {
            let v = CoreTestSupport.randomVector(40, using: &g)
            try single.add(id: "i\(i)", vector: v)
            try half.add(id: "i\(i)", vector: v)
        }
        #expect(half.vectorBytes * 2 == single.vectorBytes)
        var overlap = 0
        for _ in 0..<30 {
            let q = CoreTestSupport.randomVector(40, using: &g)
            let a = try single.search(query: q, options: SearchOptions(limit: 10, includeNearDuplicates: true))
            let b = try half.search(query: q, options: SearchOptions(limit: 10, includeNearDuplicates: true))
            overlap += Set(a.map(\.id)).intersection(b.map(\.id)).count
            for (x, y) in zip(a, b) where x.id == y.id { #expect(abs(x.score - y.score) < 2e-3) }
        }
        #expect(Double(overlap) / 300 >= 0.97)
        // Stored vectors come back rounded to fp16, within fp16's relative precision.
        let stored = try #require(half.vector(for: "i0")), exact = try #require(single.vector(for: "i0"))
        for (x, y) in zip(stored, exact) { #expect(abs(x - y) <= abs(y) * 1e-3 + 1e-7) }
    }

    @Test func halfPrecisionGraphKeepsRecall() throws {
        var index = try VectorIndex(dimension: ApproximateIndexTests.dimension, precision: .float16,
                                    approximate: ApproximateSearchOptions(m: 12, efConstruction: 100, efSearch: 96, bruteForceBelow: 200))
        for (i, v) in ApproximateIndexTests.clusteredVectors(count: 2_000, seed: 31).enumerated() { try index.add(id: "i\(i)", vector: v) }
        #expect(index.hasApproximateSearch)
        let recall = try ApproximateIndexTests.recall(index, queries: ApproximateIndexTests.clusteredVectors(count: 40, seed: 32))
        #expect(recall >= 0.95, "recall@10 \(recall)")
    }
}
