import VitrineTensor

// Fitting the fused view's image weight to a catalog. A fixed 50/50 is wrong whenever one
// modality carries most of a catalog's meaning (on the demo clip art, text-only leave-one-out
// category precision@10 is 0.63 and 50/50 gives 0.53), so the weight is chosen per catalog by a
// grid search over w in [0, 1] of the neighbourhood quality the catalog itself can vouch for:
//
//   1. categories — leave-one-out precision@10: the share of an item's 10 fused neighbours in
//      its category (what a shopper browsing "more like this" sees);
//   2. interactions — for (user, liked item) pairs, the share of the item's 10 fused neighbours
//      that the same user also liked (items co-liked by one user should be neighbours);
//   3. tags — the share of neighbours sharing a tag (tags also enter the text encoder's input,
//      so this signal leans to text; used only when the catalog has nothing better);
//   4. otherwise the balanced 50/50 weight.
//
// The neighbour score at weight w is w·cos_img + (1−w)·cos_txt between complete items (both
// halves encoded, nothing imputed). Ties go to the weight nearest 0.5. Queries and candidates are
// capped (deterministic strides), so a million-item catalog costs the same bounded few seconds.

/// How a catalog's fusion weight was chosen.
public enum FusionWeightSource: String, Sendable, Codable, CaseIterable {
    /// Grid search on leave-one-out category precision@10.
    case categories
    /// Grid search on how many of an item's neighbours the same user also liked.
    case interactions
    /// Grid search on how many of an item's neighbours share a tag.
    case tags
    /// No usable signal (too few labelled, co-liked or tagged items): the balanced 50/50 weight.
    case balanced
    /// Set by the user (`--image-weight`), not fitted.
    case override
}

/// One point of a fit's grid: the neighbour precision at one image weight.
public struct FusionGridPoint: Sendable, Codable, Equatable {
    /// Image weight (text weight is 1 − this).
    public let imageWeight: Float
    /// Mean precision@k of the queries' neighbours at this weight.
    public let precision: Double
}

/// The outcome of fitting a catalog's fusion weight: the weights, how they were chosen and the
/// evidence (the precision curve over the grid), as recorded in the store and shown by `vitrine info`.
public struct FusionWeightFit: Sendable, Codable, Equatable {
    /// The chosen weights.
    public let weights: FusionWeights
    /// Which signal chose them.
    public let source: FusionWeightSource
    /// Precision@k at each grid weight (empty for `.balanced` and `.override`).
    public let grid: [FusionGridPoint]
    /// Queries the precision is averaged over.
    public let queryCount: Int
    /// Complete items (both modalities encoded) the fit saw.
    public let itemCount: Int
    /// Neighbours per query (k of precision@k).
    public let neighbours: Int

    /// Creates a fit record.
    public init(weights: FusionWeights, source: FusionWeightSource, grid: [FusionGridPoint] = [], queryCount: Int = 0,
                itemCount: Int = 0, neighbours: Int = 10) {
        self.weights = weights
        self.source = source
        self.grid = grid
        self.queryCount = queryCount
        self.itemCount = itemCount
        self.neighbours = neighbours
    }

    /// Precision at the chosen weight, when the fit measured one.
    public var precision: Double? { grid.first { $0.imageWeight == weights.image }?.precision }

    /// Precision at the balanced 50/50 weight, when the grid holds it.
    public var balancedPrecision: Double? { grid.first { abs($0.imageWeight - 0.5) < 1e-6 }?.precision }

    /// One line for people: the weights, the signal and the evidence.
    public var summary: String {
        let weightsText = "image \(format(weights.image, digits: 2)) / text \(format(weights.text, digits: 2))"
        switch source {
        case .override: return "\(weightsText), set by --image-weight"
        case .balanced:
            return "\(weightsText), balanced default: no categories, co-liked items or tags to fit on (\(itemCount) complete items)"
        case .categories, .interactions, .tags:
            let measure = source == .categories ? "leave-one-out category precision@\(neighbours)"
                : source == .interactions ? "co-liked precision@\(neighbours)" : "shared-tag precision@\(neighbours)"
            var text = "\(weightsText), fitted on \(source.rawValue): \(measure) \(precision.map { format(Float($0), digits: 3) } ?? "?")"
            if let balanced = balancedPrecision, weights.image != 0.5 { text += " (50/50: \(format(Float(balanced), digits: 3)))" }
            return text + " over \(queryCount) queries among \(itemCount) complete items"
        }
    }

    private func format(_ value: Float, digits: Int) -> String {
        var scale: Float = 1
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }
}

/// A catalog item as the weight fit sees it: both unit vectors plus the labels it may be judged by.
public struct FusionFitItem: Sendable {
    /// Item id (used to match interaction histories).
    public let id: String
    /// Encoded image vector (any length; normalized by the fitter).
    public let image: [Float]
    /// Encoded text vector.
    public let text: [Float]
    /// Category, if any.
    public let category: String?
    /// Tags.
    public let tags: [String]

    /// Creates a fit item.
    public init(id: String, image: [Float], text: [Float], category: String? = nil, tags: [String] = []) {
        self.id = id
        self.image = image
        self.text = text
        self.category = category
        self.tags = tags
    }
}

/// Chooses a catalog's image weight by grid search on the best signal it has (see the file comment).
public struct FusionWeightFitter: Sendable {
    /// Image weights tried (default 0, 0.05, …, 1).
    public var grid: [Float]
    /// Neighbours per query (default 10).
    public var neighbours: Int
    /// At most this many queries (default 2,000).
    public var maxQueries: Int
    /// At most this many candidate items searched per query (default 20,000).
    public var maxCandidates: Int
    /// A signal is used only with at least this many queries (default 30).
    public var minimumQueries: Int

    /// Creates a fitter with the documented defaults.
    public init(grid: [Float] = (0...20).map { Float($0) / 20 }, neighbours: Int = 10, maxQueries: Int = 2_000,
                maxCandidates: Int = 20_000, minimumQueries: Int = 30) {
        self.grid = grid
        self.neighbours = neighbours
        self.maxQueries = maxQueries
        self.maxCandidates = maxCandidates
        self.minimumQueries = minimumQueries
    }

    /// Fits the weight on `items` (complete items only) and, when given, users' positive histories (item ids).
    /// - Throws: `.invalidOption` for an empty or out-of-range grid or a non-positive `neighbours`;
    ///   `.dimensionMismatch` when vectors of one modality differ in length; `.nonFiniteVector` / `.zeroVector`.
    public func fit(items: [FusionFitItem], histories: [[String]] = []) throws -> FusionWeightFit {
        guard !grid.isEmpty, grid.allSatisfy({ (0...1).contains($0) }) else {
            throw VitrineCoreError.invalidOption(name: "grid", reason: "needs image weights in [0, 1]")
        }
        guard neighbours > 0 else { throw VitrineCoreError.invalidOption(name: "neighbours", reason: "must be positive, got \(neighbours)") }
        let candidates = Self.evenlySpaced(items.count, cap: maxCandidates).map { items[$0] }
        let space = try FitSpace(candidates)
        for signal in [FusionWeightSource.categories, .interactions, .tags] {
            let queries = self.queries(signal, candidates: candidates, histories: histories)
            guard queries.count >= minimumQueries else { continue }
            let curve = space.precisionCurve(queries: queries, grid: grid, neighbours: neighbours)
            let points = zip(grid, curve).map { FusionGridPoint(imageWeight: $0, precision: $1) }
            // Best precision; ties (to 1e-9) go to the weight nearest 0.5.
            let best = points.max { a, b in
                abs(a.precision - b.precision) > 1e-9 ? a.precision < b.precision : abs(a.imageWeight - 0.5) > abs(b.imageWeight - 0.5)
            }!
            return FusionWeightFit(weights: try FusionWeights(image: best.imageWeight, text: 1 - best.imageWeight), source: signal,
                                   grid: points, queryCount: queries.count, itemCount: items.count, neighbours: neighbours)
        }
        return FusionWeightFit(weights: .balanced, source: .balanced, itemCount: items.count, neighbours: neighbours)
    }

    /// Leave-one-out category precision@`neighbours` at every grid weight, averaged over the labelled items
    /// whose ids are in `queries` (all labelled items when nil); every item's category counts for hits. For
    /// measuring a weight on items its fit did not see (benchmarks), and for the grid of a report.
    /// - Throws: like `fit`.
    public func categoryPrecision(items: [FusionFitItem], queries: Set<String>? = nil) throws -> [FusionGridPoint] {
        let candidates = Self.evenlySpaced(items.count, cap: maxCandidates).map { items[$0] }
        let space = try FitSpace(candidates)
        let chosen = self.queries(.categories, candidates: candidates, histories: [], only: queries)
        return zip(grid, space.precisionCurve(queries: chosen, grid: grid, neighbours: neighbours)).map {
            FusionGridPoint(imageWeight: $0, precision: $1)
        }
    }

    /// The queries one signal yields: a candidate position and the positions that count as hits for it
    /// (category queries only for ids in `only`, when given).
    private func queries(_ signal: FusionWeightSource, candidates: [FusionFitItem], histories: [[String]],
                         only: Set<String>? = nil) -> [FitQuery] {
        switch signal {
        case .categories:
            let labels = candidates.map(\.category)
            var members: [String: [Int]] = [:]
            for (position, label) in labels.enumerated() { if let label { members[label, default: []].append(position) } }
            guard members.count >= 2 else { return [] }
            let eligible = labels.indices.filter { position in
                (only?.contains(candidates[position].id) ?? true) && (labels[position].map { members[$0]!.count >= 2 } ?? false)
            }
            return Self.evenlySpaced(eligible.count, cap: maxQueries).map { pick in
                let query = eligible[pick]
                return FitQuery(item: query, hits: Set(members[labels[query]!]!))
            }
        case .interactions:
            let positionByID = Dictionary(candidates.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            var pairs: [FitQuery] = []
            for history in histories {
                let liked = Set(history.compactMap { positionByID[$0] })
                guard liked.count >= 2 else { continue }
                for item in liked.sorted() { pairs.append(FitQuery(item: item, hits: liked)) }
            }
            return Self.evenlySpaced(pairs.count, cap: maxQueries).map { pairs[$0] }
        case .tags:
            var members: [String: [Int]] = [:]
            for (position, item) in candidates.enumerated() { for tag in Set(item.tags) { members[tag, default: []].append(position) } }
            let eligible = candidates.indices.filter { position in candidates[position].tags.contains { members[$0]!.count >= 2 } }
            return Self.evenlySpaced(eligible.count, cap: maxQueries).map { pick in
                let query = eligible[pick]
                return FitQuery(item: query, hits: Set(candidates[query].tags.flatMap { members[$0]! }))
            }
        case .balanced, .override:
            return []
        }
    }

    /// `cap` evenly spaced positions of `0..<count` (all of them when count ≤ cap), deterministic.
    public static func evenlySpaced(_ count: Int, cap: Int) -> [Int] {
        guard count > cap else { return Array(0..<count) }
        return (0..<cap).map { $0 * count / cap }
    }
}

/// A query of the fit: the item whose neighbours are judged, and which positions count as hits (itself excluded).
struct FitQuery {
    let item: Int
    let hits: Set<Int>
}

/// The candidates' unit image and text rows, for the grid search.
private struct FitSpace {
    let count: Int
    let imageDimension: Int
    let textDimension: Int
    let images: [Float]
    let texts: [Float]

    init(_ items: [FusionFitItem]) throws {
        count = items.count
        imageDimension = items.first?.image.count ?? 0
        textDimension = items.first?.text.count ?? 0
        var images: [Float] = [], texts: [Float] = []
        images.reserveCapacity(count * imageDimension)
        texts.reserveCapacity(count * textDimension)
        for item in items {
            images.append(contentsOf: try VectorMath.checkedUnit(item.image, dimension: imageDimension, field: "\(item.id).image"))
            texts.append(contentsOf: try VectorMath.checkedUnit(item.text, dimension: textDimension, field: "\(item.id).text"))
        }
        self.images = images
        self.texts = texts
    }

    /// Mean precision@`neighbours` of the queries at each image weight of `grid`.
    func precisionCurve(queries: [FitQuery], grid: [Float], neighbours: Int) -> [Double] {
        var totals = [Double](repeating: 0, count: grid.count)
        let chunk = 16
        var imageScores = [Float](repeating: 0, count: chunk * count)
        var textScores = [Float](repeating: 0, count: chunk * count)
        var best = TopScores(capacity: neighbours)
        for start in stride(from: 0, to: queries.count, by: chunk) {
            let batch = Array(queries[start ..< min(start + chunk, queries.count)])
            score(batch, rows: images, dimension: imageDimension, into: &imageScores)
            score(batch, rows: texts, dimension: textDimension, into: &textScores)
            for (j, query) in batch.enumerated() {
                let offset = j * count
                for (g, w) in grid.enumerated() {
                    best.reset()
                    let v = 1 - w
                    for i in 0..<count where i != query.item {
                        best.offer(w * imageScores[offset + i] + v * textScores[offset + i], i)
                    }
                    let hits = best.positions.reduce(0) { $0 + (query.hits.contains($1) ? 1 : 0) }
                    totals[g] += Double(hits) / Double(neighbours)
                }
            }
        }
        return totals.map { queries.isEmpty ? 0 : $0 / Double(queries.count) }
    }

    /// Scores of each query item's row against every row: `scores[j·count + i]`.
    private func score(_ batch: [FitQuery], rows: [Float], dimension: Int, into scores: inout [Float]) {
        var queries = [Float](repeating: 0, count: batch.count * dimension)
        for (j, query) in batch.enumerated() {
            for d in 0..<dimension { queries[j * dimension + d] = rows[query.item * dimension + d] }
        }
        rows.withUnsafeBufferPointer { items in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { out in
                    Kernels.dotScores(rows: count, dimension: dimension, items: items.baseAddress!, queryCount: batch.count,
                                      queries: q.baseAddress!, into: out.baseAddress!)
                }
            }
        }
    }
}

/// The k best (score, position) pairs seen, kept as a small unsorted array with its minimum tracked.
private struct TopScores {
    let capacity: Int
    private(set) var positions: [Int] = []
    private var scores: [Float] = []
    private var minimum = 0

    init(capacity: Int) {
        self.capacity = capacity
        positions.reserveCapacity(capacity)
        scores.reserveCapacity(capacity)
    }

    mutating func reset() {
        positions.removeAll(keepingCapacity: true)
        scores.removeAll(keepingCapacity: true)
    }

    @inline(__always) mutating func offer(_ score: Float, _ position: Int) {
        if positions.count < capacity {
            positions.append(position)
            scores.append(score)
            if positions.count == capacity { findMinimum() }
        } else if score > scores[minimum] {
            positions[minimum] = position
            scores[minimum] = score
            findMinimum()
        }
    }

    private mutating func findMinimum() {
        var m = 0
        for i in 1..<scores.count where scores[i] < scores[m] { m = i }
        minimum = m
    }
}
