import VitrineTensor

// Vector index. Vectors live in one row-major Float matrix of "slots" so an exact search is a
// single pass of the dot kernel over contiguous memory; ids map to slots through a dictionary.
// Slots are stable: a removed item's slot is reused by a later insert, so the HNSW graph
// (HNSWGraph.swift) can name nodes by slot. Below `approximate.bruteForceBelow` items there is
// no graph and every search is exact; from there on searches walk the graph unless the request
// asks for `exact`, and a filter that leaves few items is answered by an exact scan of those.
// Either way a new item is searchable the moment `add` returns — no rebuild, no training.

/// Tags and category of an indexed row, used by `IndexFilter`.
public struct IndexedAttributes: Sendable, Hashable {
    /// The item's tags.
    public var tags: Set<String>
    /// The item's category, if any.
    public var category: String?

    /// Creates attributes.
    public init(tags: Set<String> = [], category: String? = nil) {
        self.tags = tags
        self.category = category
    }
}

/// A cosine-similarity index over item vectors, keyed by item id: exact below a size, HNSW above.
public struct VectorIndex: Sendable {
    /// Length of every stored vector.
    public let dimension: Int
    /// When true (default) vectors are scaled to unit length on insert, so dot product = cosine.
    /// The recommender's fused index stores `VectorFusion` output as given (see VectorFusion).
    public let normalizesVectors: Bool
    /// When and how the approximate (HNSW) search is used.
    public let approximate: ApproximateSearchOptions

    /// Item id of each slot; nil for a free slot or a deleted one awaiting graph repair.
    var slotIDs: [String?] = []
    /// Row-major `slots × dimension` vectors, fp32 or fp16.
    var storage: RowStorage
    /// Euclidean length of each stored row (1 for normalized rows), used for true cosines.
    var norms: [Float] = []
    var attributes: [IndexedAttributes] = []
    var rowByID: [String: Int] = [:]
    /// Slots ready for reuse.
    var freeSlots: [Int] = []
    /// Deleted slots still in the graph as tombstones (their rows stay until the repair).
    var tombstones: [Int] = []
    /// Items per tag and per category, to tell how much of the index a filter leaves.
    var tagCounts: [String: Int] = [:]
    var categoryCounts: [String: Int] = [:]
    /// The HNSW graph, once the index has reached `approximate.bruteForceBelow` items.
    var graph: HNSWGraph?
    /// Bumped by every change of the indexed rows, so a graph built on a copy is adopted only by
    /// an index holding exactly the rows it was built from.
    public private(set) var revision: UInt64 = 0

    /// Creates an empty index.
    /// - Throws: `.invalidOption` when `dimension` is not positive or an approximate option is out of range.
    /// - Parameter precision: how rows are held in memory (fp32 default; fp16 halves the memory).
    public init(dimension: Int, normalizesVectors: Bool = true, precision: VectorPrecision = .float32,
                approximate: ApproximateSearchOptions = ApproximateSearchOptions()) throws {
        guard dimension > 0 else {
            throw VitrineCoreError.invalidOption(name: "dimension", reason: "must be positive, got \(dimension)")
        }
        self.dimension = dimension
        storage = RowStorage(precision: precision, dimension: dimension, quantized: approximate.enabled && approximate.graphDistances == .int8)
        self.normalizesVectors = normalizesVectors
        self.approximate = try approximate.validated()
    }

    /// Number of indexed items.
    public var count: Int { rowByID.count }

    /// How rows are held in memory.
    public var precision: VectorPrecision { storage.precision }

    /// Bytes of vectors held (free and tombstoned slots included), for `vitrine info` and benchmarks.
    public var vectorBytes: Int { storage.byteCount }

    /// Indexed ids in slot order.
    public var ids: [String] { slotIDs.compactMap { $0 } }

    /// True when searches may use the HNSW graph (it exists and the index is large enough).
    public var hasApproximateSearch: Bool { graph != nil && count >= approximate.bruteForceBelow }

    /// True when the index is large enough for a graph but has none yet (see `ApproximateSearchOptions.buildsGraphInline`).
    public var needsGraph: Bool { graph == nil && approximate.enabled && count >= approximate.bruteForceBelow }

    /// A copy of this index with its HNSW graph built (the copy shares the rows; only the graph is new).
    public func withGraph() -> VectorIndex {
        var copy = self
        if copy.graph == nil { copy.buildGraph() }
        return copy
    }

    /// Takes the graph of `built` (made by `withGraph()` from a copy of this index); false, and nothing
    /// changes, when this index has changed since that copy was taken or already has a graph.
    @discardableResult
    public mutating func adoptGraph(from built: VectorIndex) -> Bool {
        guard graph == nil, built.revision == revision, let builtGraph = built.graph else { return false }
        graph = builtGraph
        return true
    }

    /// True when `id` is indexed.
    public func contains(_ id: String) -> Bool { rowByID[id] != nil }

    /// The stored (possibly normalized, possibly fp16-rounded) vector of `id`, or nil when absent.
    public func vector(for id: String) -> [Float]? {
        guard let row = rowByID[id] else { return nil }
        return storage.row(row)
    }

    /// The filter attributes of `id`, or nil when absent.
    public func attributes(for id: String) -> IndexedAttributes? {
        rowByID[id].map { attributes[$0] }
    }

    /// Inserts `id`, or replaces its vector and attributes when it is already indexed.
    /// The item is searchable as soon as this returns.
    /// - Throws: `.dimensionMismatch`, `.nonFiniteVector`, `.zeroVector`.
    public mutating func add(id: String, vector: [Float], attributes: IndexedAttributes = IndexedAttributes()) throws {
        let stored = try prepare(vector, id: id)
        revision &+= 1
        if let row = rowByID[id] {
            if graph == nil {
                write(stored, row: row)
                setAttributes(attributes, row: row)
                return
            }
            remove(id: id)  // the graph links by vector: a changed vector is a new node
        }
        let row: Int
        if let free = freeSlots.popLast() {
            row = free
            write(stored, row: row)
            slotIDs[row] = id
            self.attributes[row] = IndexedAttributes()
        } else {
            row = slotIDs.count
            slotIDs.append(id)
            storage.append(stored)
            norms.append(VectorMath.norm(storage.row(row)))
            self.attributes.append(IndexedAttributes())
        }
        rowByID[id] = row
        setAttributes(attributes, row: row)
        if graph != nil {
            linkIntoGraph(row)
        } else if approximate.buildsGraphInline && needsGraph {
            buildGraph()
        }
    }

    /// Inserts an item with its tags and category as filter attributes.
    public mutating func add(id: String, vector: [Float], tags: [String], category: String?) throws {
        try add(id: id, vector: vector, attributes: IndexedAttributes(tags: Set(tags), category: category))
    }

    /// Replaces the vector of an indexed item, keeping its attributes.
    /// - Throws: `.unknownItem` when `id` is not indexed, plus the vector checks of `add`.
    public mutating func update(id: String, vector: [Float]) throws {
        guard let row = rowByID[id] else { throw VitrineCoreError.unknownItem(id: id) }
        try add(id: id, vector: vector, attributes: attributes[row])
    }

    /// Removes `id`; returns false when it was not indexed.
    @discardableResult
    public mutating func remove(id: String) -> Bool {
        guard let row = rowByID.removeValue(forKey: id) else { return false }
        revision &+= 1
        setAttributes(IndexedAttributes(), row: row)
        slotIDs[row] = nil
        guard var linked = graph, row < linked.slotCount, linked.levels[row] >= 0 else {
            freeSlots.append(row)
            return true
        }
        graph = nil
        linked.markDeleted(row)
        tombstones.append(row)
        // Repair once tombstones reach 5 % of the index (at least 32): amortized O(links) per delete.
        if tombstones.count >= max(32, count / 20) {
            let freed = storage.withGraphRows { linked.repairTombstones(rows: $0) }
            freeSlots.append(contentsOf: freed)
            tombstones.removeAll()
        }
        graph = linked
        return true
    }

    /// Cosine similarity between two indexed items, or nil when either is absent.
    public func cosine(_ first: String, _ second: String) -> Float? {
        guard let a = rowByID[first], let b = rowByID[second] else { return nil }
        return rowCosine(a, b)
    }

    func rowCosine(_ a: Int, _ b: Int) -> Float {
        let denominator = norms[a] * norms[b]
        guard denominator > 0 else { return 0 }
        return storage.withRows { $0.similarity(Int32(a), Int32(b)) } / denominator
    }

    private func prepare(_ vector: [Float], id: String) throws -> [Float] {
        if normalizesVectors { return try VectorMath.checkedUnit(vector, dimension: dimension, field: "\(id) vector") }
        try VectorMath.validate(vector, dimension: dimension, field: "\(id) vector")
        guard VectorMath.norm(vector) > 0 else { throw VitrineCoreError.zeroVector(field: "\(id) vector") }
        return vector
    }

    private mutating func write(_ vector: [Float], row: Int) {
        storage.write(vector, row: row)
        norms[row] = VectorMath.norm(storage.row(row))
    }

    /// Sets a row's attributes, keeping the tag and category counts in step.
    mutating func setAttributes(_ new: IndexedAttributes, row: Int) {
        let old = attributes[row]
        for tag in old.tags { tagCounts[tag, default: 0] -= 1; if tagCounts[tag] == 0 { tagCounts[tag] = nil } }
        if let category = old.category { categoryCounts[category, default: 0] -= 1; if categoryCounts[category] == 0 { categoryCounts[category] = nil } }
        for tag in new.tags { tagCounts[tag, default: 0] += 1 }
        if let category = new.category { categoryCounts[category, default: 0] += 1 }
        attributes[row] = new
    }

    // MARK: The graph

    /// Builds the graph over every indexed slot (once, when the index reaches `bruteForceBelow`).
    private mutating func buildGraph() {
        graph = HNSWGraph(options: approximate)
        graph?.reserve(slots: slotIDs.count)
        for row in slotIDs.indices where slotIDs[row] != nil { linkIntoGraph(row) }
    }

    private mutating func linkIntoGraph(_ row: Int) {
        guard var linked = graph else { return }
        graph = nil  // move the graph out so inserting does not copy it
        storage.withGraphRows { linked.insert(Int32(row), rows: $0) }
        graph = linked
    }
}
