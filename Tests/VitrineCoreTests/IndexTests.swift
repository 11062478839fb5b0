import Testing
import VitrineCore
import VitrineTensor

@Suite struct IndexTests {
    /// Reference: cosine of every vector, sorted best first with ties by id.
    private func bruteForce(_ vectors: [String: [Float]], query: [Float], limit: Int, excluding: Set<String> = []) -> [String] {
        vectors.filter { !excluding.contains($0.key) }
            .map { (id: $0.key, score: CoreTestSupport.cosine($0.value, query)) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
            .prefix(limit).map(\.id)
    }

    private func randomCatalog(count: Int, dimension: Int, seed: UInt64) throws -> (VectorIndex, [String: [Float]]) {
        var g = SplitMix64(seed: seed)
        var index = try VectorIndex(dimension: dimension)
        var vectors: [String: [Float]] = [:]
        for i in 0..<count {
            let v = CoreTestSupport.randomVector(dimension, using: &g)
            vectors["i\(i)"] = v
            try index.add(id: "i\(i)", vector: v)
        }
        return (index, vectors)
    }

    @Test func searchMatchesBruteForceOnRandomData() throws {
        var (index, vectors) = try randomCatalog(count: 300, dimension: 17, seed: 3)
        var g = SplitMix64(seed: 4)
        let options = SearchOptions(limit: 15, includeNearDuplicates: true)
        for _ in 0..<5 {
            let q = CoreTestSupport.randomVector(17, using: &g)
            #expect(try index.search(query: q, options: options).map(\.id) == bruteForce(vectors, query: q, limit: 15))
        }
        // After removals and updates the index still agrees with brute force.
        for i in stride(from: 0, to: 300, by: 7) {
            let removed = index.remove(id: "i\(i)")
            #expect(removed)
            vectors["i\(i)"] = nil
        }
        let removedTwice = index.remove(id: "i0")
        #expect(!removedTwice)
        for i in stride(from: 1, to: 300, by: 11) where vectors["i\(i)"] != nil {
            let v = CoreTestSupport.randomVector(17, using: &g)
            try index.update(id: "i\(i)", vector: v)
            vectors["i\(i)"] = v
        }
        #expect(index.count == vectors.count)
        let q = CoreTestSupport.randomVector(17, using: &g)
        let excluded: Set<String> = ["i1", "i2", "i3"]
        var withExclusions = options
        withExclusions.excluding = excluded
        #expect(try index.search(query: q, options: withExclusions).map(\.id)
                == bruteForce(vectors, query: q, limit: 15, excluding: excluded))
        #expect(throws: VitrineCoreError.unknownItem(id: "i0")) { try index.update(id: "i0", vector: q) }
    }

    @Test func batchSearchEqualsSingleSearches() throws {
        let (index, _) = try randomCatalog(count: 120, dimension: 9, seed: 5)
        var g = SplitMix64(seed: 6)
        let queries = (0..<40).map { _ in CoreTestSupport.randomVector(9, using: &g) }  // > one 32-query chunk
        // Bitwise-equal scores (same dot kernel per score, on every variant; CI reruns this suite per
        // variant), and no variant switch between the two calls.
        let (batch, alone) = try Kernels.withStableVariant {
            (try index.search(queries: queries, options: SearchOptions(limit: 7)),
             try queries.map { try index.search(query: $0, options: SearchOptions(limit: 7)) })
        }
        #expect(batch.count == queries.count)
        for (q, hits) in batch.enumerated() { #expect(alone[q] == hits, "query \(q)") }
    }

    @Test func newItemIsSearchableImmediately() throws {
        var (index, _) = try randomCatalog(count: 50, dimension: 8, seed: 8)
        let target: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        try index.add(id: "fresh", vector: target)
        #expect(try index.search(query: target, options: SearchOptions(limit: 1)).first?.id == "fresh")
    }

    @Test func filtersRestrictResultsByTagCategoryAndPredicate() throws {
        var index = try VectorIndex(dimension: 3)
        try index.add(id: "boot", vector: [1, 0, 0], tags: ["outdoor", "shoes"], category: "footwear")
        try index.add(id: "sandal", vector: [0.8, 0.3, 0], tags: ["shoes", "summer"], category: "footwear")
        try index.add(id: "tent", vector: [0.6, 0.4, 0.2], tags: ["outdoor"], category: "camping")
        try index.add(id: "lamp", vector: [0, 0, 1], tags: [], category: nil)
        func ids(_ filter: IndexFilter) throws -> [String] {
            try index.search(query: [1, 0, 0], options: SearchOptions(limit: 10, filter: filter)).map(\.id)
        }
        #expect(try ids(IndexFilter(anyOfTags: ["outdoor"])) == ["boot", "tent"])
        #expect(try ids(IndexFilter(allOfTags: ["outdoor", "shoes"])) == ["boot"])
        #expect(try ids(IndexFilter(categories: ["footwear"])) == ["boot", "sandal"])
        #expect(try ids(IndexFilter(predicate: { $0.hasPrefix("l") })) == ["lamp"])
        #expect(try ids(IndexFilter()).count == 4)
    }

    @Test func nearDuplicatesAreFoldedIntoTheFirstKeptResult() throws {
        var index = try VectorIndex(dimension: 4)
        try index.add(id: "red-shirt", vector: [1, 0, 0, 0])
        try index.add(id: "red-shirt-copy", vector: [1, 0.05, 0, 0])  // cosine ≈ 0.9988
        try index.add(id: "blue-shirt", vector: [0.8, 0.6, 0, 0])
        try index.add(id: "hat", vector: [0, 0, 1, 0])
        let folded = try index.search(query: [1, 0, 0, 0], options: SearchOptions(limit: 2))
        #expect(folded.map(\.id) == ["red-shirt", "blue-shirt"])
        #expect(folded[0].duplicates == ["red-shirt-copy"])
        let all = try index.search(query: [1, 0, 0, 0], options: SearchOptions(limit: 2, includeNearDuplicates: true))
        #expect(all.map(\.id) == ["red-shirt", "red-shirt-copy"])
        let strict = try index.search(query: [1, 0, 0, 0], options: SearchOptions(limit: 2, nearDuplicateThreshold: 0.9999))
        #expect(strict.map(\.id) == ["red-shirt", "red-shirt-copy"])
    }

    @Test func invalidInputIsRejected() throws {
        var index = try VectorIndex(dimension: 3)
        #expect(throws: VitrineCoreError.dimensionMismatch(field: "a vector", expected: 3, actual: 2)) { try index.add(id: "a", vector: [1, 2]) }
        #expect(throws: VitrineCoreError.zeroVector(field: "b vector")) { try index.add(id: "b", vector: [0, 0, 0]) }
        #expect(throws: VitrineCoreError.nonFiniteVector(field: "c vector")) { try index.add(id: "c", vector: [.nan, 0, 1]) }
        #expect(throws: (any Error).self) { try VectorIndex(dimension: 0) }
        #expect(try index.search(query: [1, 0, 0]).isEmpty)
        try index.add(id: "d", vector: [1, 0, 0])
        try index.add(id: "e", vector: [0, 1, 0])
        #expect(try index.search(query: [1, 0, 0], options: SearchOptions(limit: .max)).map(\.id) == ["d", "e"])
        #expect(throws: VitrineCoreError.invalidOption(name: "limit", reason: "must be ≥ 0, got -1")) {
            try index.search(query: [1, 0, 0], options: SearchOptions(limit: -1))
        }
    }
}
