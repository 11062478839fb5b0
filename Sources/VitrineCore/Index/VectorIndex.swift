import VitrineTensor

// Exact (brute-force) vector index. Vectors live in one row-major Float matrix so scoring
// a query is a single GEMV over contiguous memory; ids map to rows through a dictionary.
// Removal swaps the last row into the hole (O(dimension)), so add/update/remove are all
// cheap and a new item is searchable the moment `add` returns — no rebuild, no training.
//
// At 100k items × 1664 fused dimensions the matrix is ~666 MB of fp32 and one query is
// ~166 M multiply-adds: tens of milliseconds with a vectorized GEMV, which is why the index
// stays exact rather than approximate at this scale.

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

/// An exact cosine-similarity index over item vectors, keyed by item id.
public struct VectorIndex: Sendable {
    /// Length of every stored vector.
    public let dimension: Int
    /// When true (default) vectors are scaled to unit length on insert, so dot product = cosine.
    /// The recommender's fused index stores `VectorFusion` output as given (see VectorFusion).
    public let normalizesVectors: Bool

    /// Ids in row order.
    public private(set) var ids: [String] = []
    /// Row-major `count × dimension` vectors.
    var storage: [Float] = []
    /// Euclidean length of each stored row (1 for normalized rows), used for true cosines.
    var norms: [Float] = []
    var attributes: [IndexedAttributes] = []
    var rowByID: [String: Int] = [:]

    /// Creates an empty index.
    /// - Throws: `.invalidOption` when `dimension` is not positive.
    public init(dimension: Int, normalizesVectors: Bool = true) throws {
        guard dimension > 0 else {
            throw VitrineCoreError.invalidOption(name: "dimension", reason: "must be positive, got \(dimension)")
        }
        self.dimension = dimension
        self.normalizesVectors = normalizesVectors
    }

    /// Number of indexed items.
    public var count: Int { ids.count }

    /// True when `id` is indexed.
    public func contains(_ id: String) -> Bool { rowByID[id] != nil }

    /// The stored (possibly normalized) vector of `id`, or nil when absent.
    public func vector(for id: String) -> [Float]? {
        guard let row = rowByID[id] else { return nil }
        return Array(storage[row * dimension ..< (row + 1) * dimension])
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
        if let row = rowByID[id] {
            write(stored, row: row)
            self.attributes[row] = attributes
            return
        }
        rowByID[id] = ids.count
        ids.append(id)
        storage.append(contentsOf: stored)
        norms.append(VectorMath.norm(stored))
        self.attributes.append(attributes)
    }

    /// Inserts an item with its tags and category as filter attributes.
    public mutating func add(id: String, vector: [Float], tags: [String], category: String?) throws {
        try add(id: id, vector: vector, attributes: IndexedAttributes(tags: Set(tags), category: category))
    }

    /// Replaces the vector of an indexed item, keeping its attributes.
    /// - Throws: `.unknownItem` when `id` is not indexed, plus the vector checks of `add`.
    public mutating func update(id: String, vector: [Float]) throws {
        guard let row = rowByID[id] else { throw VitrineCoreError.unknownItem(id: id) }
        write(try prepare(vector, id: id), row: row)
    }

    /// Removes `id`; returns false when it was not indexed.
    @discardableResult
    public mutating func remove(id: String) -> Bool {
        guard let row = rowByID.removeValue(forKey: id) else { return false }
        let last = ids.count - 1
        if row != last {
            let movedID = ids[last]
            ids[row] = movedID
            rowByID[movedID] = row
            attributes[row] = attributes[last]
            norms[row] = norms[last]
            for i in 0..<dimension { storage[row * dimension + i] = storage[last * dimension + i] }
        }
        ids.removeLast()
        attributes.removeLast()
        norms.removeLast()
        storage.removeLast(dimension)
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
        let sum = storage.withUnsafeBufferPointer { s in
            Kernels.dot(count: dimension, s.baseAddress! + a * dimension, s.baseAddress! + b * dimension)
        }
        return sum / denominator
    }

    private func prepare(_ vector: [Float], id: String) throws -> [Float] {
        if normalizesVectors { return try VectorMath.checkedUnit(vector, dimension: dimension, field: "\(id) vector") }
        try VectorMath.validate(vector, dimension: dimension, field: "\(id) vector")
        guard VectorMath.norm(vector) > 0 else { throw VitrineCoreError.zeroVector(field: "\(id) vector") }
        return vector
    }

    private mutating func write(_ vector: [Float], row: Int) {
        for i in 0..<dimension { storage[row * dimension + i] = vector[i] }
        norms[row] = VectorMath.norm(vector)
    }
}
