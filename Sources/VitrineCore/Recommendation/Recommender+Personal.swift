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
            let query = spaceQuery(interest.vector, space: options.space)
            queries.append(query)
            guard let query else { lists.append([]); continue }
            let hits = try index.search(query: query, options: searchOptions(options, excluding: excluded, limit: pool))
            lists.append(hits.map { Candidate(id: $0.id, relevance: $0.score * scale, source: source, duplicates: $0.duplicates) })
        }
        let merged = Self.mergeInterests(lists, shares: profile.interests.map(\.share))
        let candidates = foldDuplicates(merged, options: options)
        return diversify(candidates, limit: options.limit, lambda: options.diversity).map { pick in
            let candidate = pick.candidate
            let itemVector = index.vector(for: candidate.id) ?? []
            let members = profile.interests[candidate.source].members
            let contributions = members.compactMap { member -> (item: String, value: Double)? in
                guard let v = index.vector(for: member.item) else { return nil }
                return (member.item, member.weight * Double(spaceDot(v, itemVector, space: options.space)))
            }
            let parts = queries[candidate.source].map { fusion.modalityContributions(query: $0, item: itemVector) } ?? (image: 0, text: 0)
            let explanation = Explanation(reason: pick.explored ? .exploration : .history,
                                          contributors: Explanation.topContributors(contributions),
                                          imageContribution: parts.image, textContribution: parts.text,
                                          imputedModalities: imputed[candidate.id] ?? [])
            return Recommendation(item: candidate.id, score: candidate.relevance, explanation: explanation,
                                  duplicates: candidate.duplicates)
        }
    }

    /// Items most similar to one catalog item ("more like this").
    /// - Throws: `.unknownItem` when `id` is not in the catalog; `.invalidOption` for bad options.
    public func similarItems(to id: String, options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        let options = try options.validated()
        guard let seed = index.vector(for: id) else { throw VitrineCoreError.unknownItem(id: id) }
        guard options.limit > 0, let query = spaceQuery(seed, space: options.space) else { return [] }
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
