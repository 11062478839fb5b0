import VitrineTensor

// The recommender: a catalog of items, their fused vectors in one exact index, and the
// policies that turn a history (or none) into a ranked, explained, diverse list.
// Items can be added, updated and removed at any time; a new item is eligible for every
// user at once because recommendations are computed from item vectors, not trained ids.

/// Options of one recommendation request (CLI flags and HTTP parameters map onto this).
public struct RecommendationOptions: Sendable {
    /// Number of recommendations.
    public var limit: Int
    /// Leave out items the user already interacted with (default true).
    public var excludeSeen: Bool
    /// Further ids to leave out.
    public var excluding: Set<String>
    /// Tag / category filter.
    public var filter: IndexFilter
    /// MMR diversity λ in [0, 1]; 0 = pure relevance (default).
    public var diversity: Float
    /// MMR λ used for popularity lists when `diversity` is 0 (default 0.3), so cold-start lists are not one cluster.
    public var coldStartDiversity: Float
    /// Cosine at or above which two results are near duplicates (default 0.985).
    public var nearDuplicateThreshold: Float
    /// Return near duplicates as separate results instead of folding them.
    public var includeNearDuplicates: Bool
    /// Which similarity ranks the list: fused (default), image only or text only.
    public var space: Modality
    /// Candidates fetched per result before merging and re-ranking (default 5).
    public var candidatePoolFactor: Int
    /// Scan every item instead of walking the HNSW graph (where the index has one).
    public var exactSearch: Bool
    /// HNSW candidate list size (nil: the index default); see `SearchOptions.efSearch`.
    public var efSearch: Int?
    /// Image weight of the fused score for this request, in [0, 1] (nil: the recommender's
    /// `scoringWeights`, i.e. the catalog's fitted weight); text weight is 1 − this.
    public var imageWeight: Float?

    /// Creates options with the documented defaults.
    public init(limit: Int = 10, excludeSeen: Bool = true, excluding: Set<String> = [], filter: IndexFilter = IndexFilter(),
                diversity: Float = 0, coldStartDiversity: Float = 0.3, nearDuplicateThreshold: Float = 0.985,
                includeNearDuplicates: Bool = false, space: Modality = .fused, candidatePoolFactor: Int = 5,
                exactSearch: Bool = false, efSearch: Int? = nil, imageWeight: Float? = nil) {
        self.limit = limit
        self.excludeSeen = excludeSeen
        self.excluding = excluding
        self.filter = filter
        self.diversity = diversity
        self.coldStartDiversity = coldStartDiversity
        self.nearDuplicateThreshold = nearDuplicateThreshold
        self.includeNearDuplicates = includeNearDuplicates
        self.space = space
        self.candidatePoolFactor = candidatePoolFactor
        self.exactSearch = exactSearch
        self.efSearch = efSearch
        self.imageWeight = imageWeight
    }

    func validated() throws -> RecommendationOptions {
        guard limit >= 0 else { throw VitrineCoreError.invalidOption(name: "limit", reason: "must be ≥ 0, got \(limit)") }
        guard (0...1).contains(diversity) else {
            throw VitrineCoreError.invalidOption(name: "diversity", reason: "must be in [0, 1], got \(diversity)")
        }
        guard (0...1).contains(coldStartDiversity) else {
            throw VitrineCoreError.invalidOption(name: "coldStartDiversity", reason: "must be in [0, 1], got \(coldStartDiversity)")
        }
        guard candidatePoolFactor >= 1 else {
            throw VitrineCoreError.invalidOption(name: "candidatePoolFactor", reason: "must be ≥ 1, got \(candidatePoolFactor)")
        }
        if let efSearch, efSearch < 1 {
            throw VitrineCoreError.invalidOption(name: "efSearch", reason: "must be ≥ 1, got \(efSearch)")
        }
        if let imageWeight, !(0...1).contains(imageWeight) {
            throw VitrineCoreError.invalidOption(name: "imageWeight", reason: "must be in [0, 1], got \(imageWeight)")
        }
        return self
    }
}

/// One recommended item with its score and explanation.
public struct Recommendation: Sendable, Equatable {
    /// Item id.
    public let item: String
    /// Relevance in the requested space (cosine-like; popularity in [0, 1] for cold start).
    public let score: Float
    /// Why it is here.
    public let explanation: Explanation
    /// Near-duplicate ids folded into this result.
    public let duplicates: [String]
}

/// Recommends catalog items from histories, onboarding input, seed items or popularity.
public struct Recommender: Sendable {
    /// Fusion rule (dimensions, weights, imputer) used for every item and query.
    public let fusion: VectorFusion
    /// Fused vectors of every catalog item.
    public private(set) var index: VectorIndex
    /// Catalog items by id.
    public private(set) var items: [String: Item] = [:]
    /// Which halves of each item's vector were imputed.
    public private(set) var imputed: [String: [Modality]] = [:]
    /// How histories become profiles.
    public var profileOptions: ProfileOptions
    /// Popularity used when a user has no usable history; nil = catalog order by id.
    public var popularity: PopularityModel?
    /// Weights of the fused score (default: the fusion's layout weights). Item vectors keep the
    /// fusion's layout; fused queries are rescaled to these (`VectorFusion.reweighted`), so a catalog's
    /// fitted weight, or a request's `imageWeight`, changes rankings without re-fusing any item.
    public var scoringWeights: FusionWeights

    /// Creates an empty recommender.
    /// - Parameters:
    ///   - precision: how the fused index holds its rows (see `VectorIndex`).
    ///   - approximate: when and how the fused index uses an HNSW graph.
    public init(fusion: VectorFusion, profileOptions: ProfileOptions = ProfileOptions(), popularity: PopularityModel? = nil,
                precision: VectorPrecision = .float32, approximate: ApproximateSearchOptions = ApproximateSearchOptions()) throws {
        self.fusion = fusion
        self.index = try VectorIndex(dimension: fusion.fusedDimension, normalizesVectors: false, precision: precision, approximate: approximate)
        self.profileOptions = profileOptions
        self.popularity = popularity
        self.scoringWeights = fusion.weights
    }

    /// Adds (or replaces) an item from its raw encoder vectors; it is recommendable immediately.
    /// - Throws: the `VectorFusion.embed` errors.
    public mutating func add(_ item: Item, vectors: ItemVectors) throws {
        try add(item, embedding: fusion.embed(vectors, id: item.id))
    }

    /// Adds (or replaces) an item from an already fused embedding (e.g. loaded from the store).
    /// - Throws: `.dimensionMismatch` and the other index vector checks.
    public mutating func add(_ item: Item, embedding: ItemEmbedding) throws {
        try index.add(id: item.id, vector: embedding.vector, tags: item.tags, category: item.category)
        items[item.id] = item
        var flags: [Modality] = []
        if embedding.imageImputed { flags.append(.image) }
        if embedding.textImputed { flags.append(.text) }
        imputed[item.id] = flags.isEmpty ? nil : flags
    }

    /// Removes an item; returns false when it was not in the catalog.
    @discardableResult
    public mutating func remove(id: String) -> Bool {
        items[id] = nil
        imputed[id] = nil
        return index.remove(id: id)
    }

    /// Replaces the fused index, items and imputed flags with ones read back from a snapshot (see
    /// `VectorIndex.readSnapshot`); the index must hold exactly `items`.
    /// - Throws: `.dimensionMismatch` when the index is not of this fusion's fused layout, `.unknownItem`
    ///   when it and `items` disagree.
    public mutating func restore(index restored: VectorIndex, items restoredItems: [Item], imputed restoredImputed: [String: [Modality]]) throws {
        guard restored.dimension == fusion.fusedDimension, !restored.normalizesVectors else {
            throw VitrineCoreError.dimensionMismatch(field: "fused index snapshot", expected: fusion.fusedDimension, actual: restored.dimension)
        }
        guard restored.count == restoredItems.count else {
            throw VitrineCoreError.unknownItem(id: restoredItems.first { !restored.contains($0.id) }?.id ?? "(index holds other items)")
        }
        if let missing = restoredItems.first(where: { !restored.contains($0.id) }) { throw VitrineCoreError.unknownItem(id: missing.id) }
        index = restored
        items = Dictionary(uniqueKeysWithValues: restoredItems.map { ($0.id, $0) })
        imputed = restoredImputed
    }

    /// Takes the HNSW graph of `built` for the fused index; see `VectorIndex.adoptGraph(from:)`.
    @discardableResult
    public mutating func adoptIndexGraph(from built: VectorIndex) -> Bool { index.adoptGraph(from: built) }

    /// Builds a user's profile from their history with `profileOptions`.
    public func profile(user: String, history: [Interaction]) -> UserProfile {
        UserProfile(user: user, history: history, options: profileOptions) { index.vector(for: $0) }
    }

    /// Recommends for a user from their history; falls back to popularity when the history
    /// has no positive item in the catalog.
    public func recommend(user: String, history: [Interaction], options: RecommendationOptions = RecommendationOptions()) throws -> [Recommendation] {
        try recommend(for: profile(user: user, history: history), options: options)
    }

    /// Per-candidate scores for evaluation: the best cosine of the candidate with any of the
    /// user's interest vectors (fused space); 0 for unknown items or users without taste.
    public func scores(user: String, history: [Interaction], candidates: [String]) throws -> [Double] {
        let profile = profile(user: user, history: history)
        guard profile.hasTaste else { return candidates.map { _ in 0 } }
        let perInterest = try profile.interests.map { try index.scores(for: fusion.reweighted($0.vector, to: scoringWeights)) }
        return candidates.map { id in Double(perInterest.compactMap { $0[id] }.max() ?? 0) }
    }

    // MARK: Shared helpers

    /// The weights a request's fused scores use: its `imageWeight`, else `scoringWeights`.
    func fusedWeights(_ options: RecommendationOptions) -> FusionWeights {
        guard let image = options.imageWeight, let weights = try? FusionWeights(image: image, text: 1 - image) else { return scoringWeights }
        return weights
    }

    /// The query for `options.space`: fused queries rescaled to the request's fused weights, image or
    /// text queries restricted to that half and renormalized (nil when that half is zero).
    func spaceQuery(_ fused: [Float], options: RecommendationOptions) -> [Float]? {
        let space = options.space
        guard space != .fused else { return fusion.reweighted(fused, to: fusedWeights(options)) }
        var masked = fused
        let imageRange = 0..<fusion.imageDimension
        for i in masked.indices where (space == .image) != imageRange.contains(i) { masked[i] = 0 }
        return l2Normalized(masked)
    }

    /// Dot product of two fused vectors restricted to `space`.
    func spaceDot(_ a: [Float], _ b: [Float], space: Modality) -> Float {
        let parts = fusion.modalityContributions(query: a, item: b)
        switch space {
        case .fused: return parts.image + parts.text
        case .image: return parts.image
        case .text: return parts.text
        }
    }

    /// Candidates to fetch before merging and re-ranking: limit × factor, capped by the
    /// catalog size so huge request limits cannot overflow or over-allocate.
    func candidatePoolSize(_ options: RecommendationOptions) -> Int {
        let limit = min(options.limit, index.count)
        let factor = min(options.candidatePoolFactor, 1_000)
        return min(limit * factor, max(index.count, 1))
    }

    func searchOptions(_ options: RecommendationOptions, excluding: Set<String>, limit: Int) -> SearchOptions {
        SearchOptions(limit: limit, excluding: excluding, filter: options.filter,
                      nearDuplicateThreshold: options.nearDuplicateThreshold,
                      includeNearDuplicates: options.includeNearDuplicates,
                      exact: options.exactSearch, efSearch: options.efSearch)
    }

    /// Final near-duplicate fold over a candidate list (see `NearDuplicates`). Lists merged from
    /// index searches (`searched`) were folded within each search already, so only candidates that
    /// came through different searches are compared; popularity and scorer lists compare every pair.
    func foldDuplicates(_ candidates: [Candidate], options: RecommendationOptions, searched: Bool) -> [Candidate] {
        guard !options.includeNearDuplicates else { return candidates }
        // Index rows resolved once: the pairwise comparison is O(n²).
        let rows = candidates.map { (candidate: $0, row: index.rowByID[$0.id]) }
        return NearDuplicates.fold(rows, isDuplicate: { host, other in
            guard !searched || host.candidate.source != other.candidate.source, let a = host.row, let b = other.row else { return false }
            return index.rowCosine(a, b) >= options.nearDuplicateThreshold
        }, absorb: { host, other in
            host.candidate.duplicates.append(other.candidate.id)
            host.candidate.duplicates.append(contentsOf: other.candidate.duplicates)
        }).map(\.candidate)
    }

    /// Applies MMR to `candidates` and returns the picks with a flag: picked from beyond the relevance top-`limit`.
    func diversify(_ candidates: [Candidate], limit: Int, lambda: Float) -> [(candidate: Candidate, explored: Bool)] {
        let rows = candidates.map { index.rowByID[$0.id] }
        let picks = MaximalMarginalRelevance.select(relevances: candidates.map(\.relevance), limit: limit, lambda: lambda) { i, j in
            guard let a = rows[i], let b = rows[j] else { return 0 }
            return index.rowCosine(a, b)
        }
        return picks.map { (candidates[$0], $0 >= limit) }
    }

    /// The last step of every path: one pick with its explanation — `reason` (or exploration when
    /// MMR brought it up from beyond the top `limit`), the `members` (history or seed items with
    /// their weights) whose similarity to it in `space` pulled it up most, and the image/text split
    /// of `query`'s score for it.
    func explained(_ pick: (candidate: Candidate, explored: Bool), reason: ReasonKind, members: [ItemWeight],
                   query: [Float]?, space: Modality) -> Recommendation {
        let candidate = pick.candidate
        let itemVector = index.vector(for: candidate.id) ?? []
        let contributions = members.compactMap { member -> (item: String, value: Double)? in
            guard let v = index.vector(for: member.item) else { return nil }
            return (member.item, member.weight * Double(spaceDot(v, itemVector, space: space)))
        }
        let parts = query.map { fusion.modalityContributions(query: $0, item: itemVector) } ?? (image: 0, text: 0)
        let explanation = Explanation(reason: pick.explored ? .exploration : reason,
                                      contributors: Explanation.topContributors(contributions),
                                      imageContribution: parts.image, textContribution: parts.text,
                                      imputedModalities: imputed[candidate.id] ?? [])
        return Recommendation(item: candidate.id, score: candidate.relevance, explanation: explanation, duplicates: candidate.duplicates)
    }
}

/// A candidate during ranking: where it came from and its relevance there.
struct Candidate {
    let id: String
    let relevance: Float
    /// Which interest (or seed query) retrieved it.
    let source: Int
    var duplicates: [String]
}
