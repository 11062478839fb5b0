import VitrineTensor

// Cold start. A user with no history gets popular items re-ranked for diversity; a user
// who just signed up can describe what they want in words (the caller embeds the text
// with the text encoder) and/or pick one or two items they like, and gets a personal list
// at once. A new item needs nothing: `add` indexes it and it is eligible immediately.

/// What a new user tells us before any history exists.
public struct OnboardingInput: Sendable {
    /// Text-encoder vector of the user's free-text description (e.g. MiniLM of "warm wool sweaters").
    public var textQuery: [Float]?
    /// Catalog items the user picked as liked.
    public var likedItems: [String]
    /// Weight of the text part against the liked-items part (default 1 = equal).
    public var textWeight: Float

    /// Creates onboarding input.
    public init(textQuery: [Float]? = nil, likedItems: [String] = [], textWeight: Float = 1) {
        self.textQuery = textQuery
        self.likedItems = likedItems
        self.textWeight = textWeight
    }
}

extension Recommender {
    /// Popular items (by `popularity`, ties by id) re-ranked by MMR so the list spans the catalog.
    /// λ is `options.diversity` when positive, else `options.coldStartDiversity`.
    public func popular(options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        return try popular(options: options, excluding: options.excluding)
    }

    func popular(options: RecommendationOptions, excluding: Set<String>) throws -> [Recommendation] {
        guard options.limit > 0 else { return [] }
        // A bounded heap, not a sort of the whole catalog: O(n log pool) at a million items.
        var best = TopKHeap<(id: String, score: Double)>(capacity: candidatePoolSize(options)) { a, b in
            a.score < b.score || (a.score == b.score && a.id > b.id)
        }
        for id in index.eligibleIDs(searchOptions(options, excluding: excluding, limit: options.limit)) {
            best.offer((id, popularity?.score(of: id) ?? 0))
        }
        let pool = best.sortedBestFirst().map { Candidate(id: $0.id, relevance: Float($0.score), source: 0, duplicates: []) }
        let lambda = options.diversity > 0 ? options.diversity : options.coldStartDiversity
        return diversify(foldDuplicates(pool, options: options, searched: false), limit: options.limit, lambda: lambda).map {
            explained($0, reason: .popularity, members: [], query: nil, space: options.space)
        }
    }

    /// An immediately personal list from onboarding input.
    ///
    /// Two seed queries, merged like a profile's interests (weights 1 and `textWeight`):
    /// the liked items' mean fused vector, and the text query as `[0 ; t]`, which searches the
    /// text half of the fused index — every item has one, encoded or imputed from its picture,
    /// so picture-only items are reachable from words. With neither input this is `popular`.
    /// - Throws: `.unknownItem` for a liked id not in the catalog; vector errors for a bad text query.
    public func recommend(onboarding: OnboardingInput, options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        var excluded = options.excluding
        if options.excludeSeen { excluded.formUnion(onboarding.likedItems) }
        var liked = [Float](repeating: 0, count: fusion.fusedDimension)
        var likedVectors: [(id: String, vector: [Float])] = []
        for id in onboarding.likedItems {
            guard let v = index.vector(for: id) else { throw VitrineCoreError.unknownItem(id: id) }
            likedVectors.append((id, v))
            VectorMath.addScaled(&liked, v, 1)
        }
        // Source 0: liked items; source 1: text. A missing source has no query.
        var seeds: [[Float]?] = [l2Normalized(liked), nil]
        if let q = onboarding.textQuery { seeds[1] = try fusion.query(ItemVectors(text: q), space: .text) }
        let shares = [likedVectors.isEmpty ? 0 : 1, seeds[1] == nil ? 0 : Double(max(onboarding.textWeight, 0))]
        let queries = seeds.map { $0.flatMap { spaceQuery($0, options: options) } }
        guard options.limit > 0, queries.indices.contains(where: { queries[$0] != nil && shares[$0] > 0 }) else {
            return try popular(options: options, excluding: excluded)
        }
        let scale = fusion.scoreScale(for: options.space)
        let pool = candidatePoolSize(options)
        let lists = try queries.enumerated().map { source, query -> [Candidate] in
            guard let query, shares[source] > 0 else { return [] }
            return try index.search(query: query, options: searchOptions(options, excluding: excluded, limit: pool))
                .map { Candidate(id: $0.id, relevance: $0.score * scale, source: source, duplicates: $0.duplicates) }
        }
        let candidates = foldDuplicates(Self.mergeInterests(lists, shares: shares), options: options, searched: true)
        let likedMembers = onboarding.likedItems.map { ItemWeight(item: $0, weight: 1) }
        return diversify(candidates, limit: options.limit, lambda: options.diversity).map { pick in
            let fromText = pick.candidate.source == 1
            return explained(pick, reason: fromText ? .onboardingText : .history, members: fromText ? [] : likedMembers,
                             query: queries[pick.candidate.source], space: options.space)
        }
    }
}
