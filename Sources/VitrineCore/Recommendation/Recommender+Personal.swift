import VitrineTensor

// Personal recommendations: one search per interest, merged so every interest gets slots
// in proportion to its share of the user's positive history, then folded for near
// duplicates, diversified with MMR and explained.

extension Recommender {
    /// Recommends for a built profile; falls back to popularity when the profile has no taste.
    /// - Throws: `.invalidOption` for out-of-range options.
    public func recommend(for profile: UserProfile, options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        guard options.limit > 0 else { return [] }
        var excluded = options.excluding
        if options.excludeSeen { excluded.formUnion(profile.seenItems) }
        guard profile.hasTaste else { return try popular(options: options, excluding: excluded) }

        let pool = candidatePoolSize(options)
        let scale = fusion.scoreScale(for: options.space)
        var queries: [[Float]?] = []
        var lists: [[Candidate]] = []
        for (source, interest) in profile.interests.enumerated() {
            let query = spaceQuery(interest.vector, options: options)
            queries.append(query)
            guard let query else { lists.append([]); continue }
            let hits = try index.search(query: query, options: searchOptions(options, excluding: excluded, limit: pool))
            lists.append(hits.map { Candidate(id: $0.id, relevance: $0.score * scale, source: source, duplicates: $0.duplicates) })
        }
        let merged = Self.mergeInterests(lists, shares: profile.interests.map(\.share))
        let candidates = foldDuplicates(merged, options: options, searched: true)
        return diversify(candidates, limit: options.limit, lambda: options.diversity).map { pick in
            explained(pick, reason: .history, members: profile.interests[pick.candidate.source].members,
                      query: queries[pick.candidate.source], space: options.space)
        }
    }

    /// Recommends by `scorer` (e.g. a trained two-tower model) instead of vector search: every
    /// eligible item is scored, the best `limit × candidatePoolFactor` go through the same
    /// fold → diversify → explain steps as every other path, and explanations name the history
    /// items most similar to each pick. Falls back to popularity when the profile has no taste.
    /// - Throws: `.invalidOption` for out-of-range options or a scorer that returns the wrong count; the scorer's errors.
    public func recommend(for profile: UserProfile, scoredBy scorer: some RecommendationScorer,
                          options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        guard options.limit > 0 else { return [] }
        var excluded = options.excluding
        if options.excludeSeen { excluded.formUnion(profile.seenItems) }
        guard profile.hasTaste else { return try popular(options: options, excluding: excluded) }
        let candidates = index.eligibleIDs(searchOptions(options, excluding: excluded, limit: options.limit))
        let scores = try scorer.scores(for: profile, candidates: candidates)
        guard scores.count == candidates.count else {
            throw VitrineCoreError.invalidOption(name: "scorer", reason: "returned \(scores.count) scores for \(candidates.count) candidates")
        }
        var best = TopKHeap<Int>(capacity: candidatePoolSize(options)) { a, b in
            scores[a] < scores[b] || (scores[a] == scores[b] && candidates[a] > candidates[b])
        }
        for position in candidates.indices where !scores[position].isNaN { best.offer(position) }
        let pool = best.sortedBestFirst().map { Candidate(id: candidates[$0], relevance: scores[$0], source: 0, duplicates: []) }
        let positives = profile.itemWeights.filter { $0.weight > 0 }
        return diversify(foldDuplicates(pool, options: options, searched: false), limit: options.limit, lambda: options.diversity).map {
            explained($0, reason: .history, members: positives, query: profile.vector, space: options.space)
        }
    }

    /// Items most similar to one catalog item ("more like this").
    /// - Throws: `.unknownItem` when `id` is not in the catalog; `.invalidOption` for bad options.
    public func similarItems(to id: String, options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        guard let seed = index.vector(for: id) else { throw VitrineCoreError.unknownItem(id: id) }
        guard options.limit > 0, let query = spaceQuery(seed, options: options) else { return [] }
        let scale = fusion.scoreScale(for: options.space)
        let hits = try index.search(query: query, options: searchOptions(
            options, excluding: options.excluding.union([id]), limit: candidatePoolSize(options)))
        let candidates = hits.map { Candidate(id: $0.id, relevance: $0.score * scale, source: 0, duplicates: $0.duplicates) }
        return diversify(candidates, limit: options.limit, lambda: options.diversity).map { pick in
            let parts = fusion.modalityContributions(query: query, item: index.vector(for: pick.candidate.id) ?? query)
            let explanation = Explanation(reason: pick.explored ? .exploration : .similarItem,
                                          contributors: [Contributor(item: id, share: 1)],
                                          imageContribution: parts.image, textContribution: parts.text,
                                          imputedModalities: imputed[pick.candidate.id] ?? [])
            return Recommendation(item: pick.candidate.id, score: pick.candidate.relevance,
                                  explanation: explanation, duplicates: pick.candidate.duplicates)
        }
    }

    /// Interleaves per-interest lists by smooth weighted round-robin: each step credits every
    /// interest its share and takes from the one with most credit, so a 70/30 history gets
    /// ~7 and ~3 of 10 slots and a minor interest is never starved. Repeated ids are skipped.
    static func mergeInterests(_ lists: [[Candidate]], shares: [Double]) -> [Candidate] {
        if lists.count == 1 { return lists[0] }
        var credit = [Double](repeating: 0, count: lists.count)
        var next = [Int](repeating: 0, count: lists.count)
        var taken = Set<String>()
        var merged: [Candidate] = []
        let total = lists.indices.reduce(0.0) { $0 + (lists[$1].isEmpty ? 0 : shares[$1]) }
        while true {
            let open = lists.indices.filter { next[$0] < lists[$0].count }
            guard !open.isEmpty else { return merged }
            for i in open { credit[i] += shares[i] }
            var pick = open[0]
            for i in open where credit[i] > credit[pick] { pick = i }
            credit[pick] -= total
            // Skip anything another interest already contributed.
            while next[pick] < lists[pick].count, taken.contains(lists[pick][next[pick]].id) { next[pick] += 1 }
            guard next[pick] < lists[pick].count else { continue }
            let candidate = lists[pick][next[pick]]
            next[pick] += 1
            taken.insert(candidate.id)
            merged.append(candidate)
        }
    }
}
