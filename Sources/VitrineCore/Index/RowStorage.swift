import VitrineTensor

// The rows of a VectorIndex in one of two precisions. fp16 halves the memory of a catalog held in
// RAM; the dot kernels widen fp16 in registers (F16C / AVX-512), so scoring reads half the bytes.
// Queries stay fp32. A catalog whose store keeps fp16 vectors (its default) loses nothing by
// holding them as fp16 in memory: they are the very values the store returns.

/// Precision of the vectors an index holds in memory.
public enum VectorPrecision: String, Sendable, Codable, CaseIterable {
    /// IEEE binary32: exactly the vectors given.
    case float32
    /// IEEE binary16, rounded to nearest: half the memory; cosine changes by ~1e-3 at most for unit vectors.
    case float16
}

/// Row-major `rows × dimension` vectors in `precision`.
struct RowStorage: Sendable {
    let precision: VectorPrecision
    let dimension: Int
    private var floats: [Float] = []
    private var halves: [UInt16] = []

    init(precision: VectorPrecision, dimension: Int) {
        self.precision = precision
        self.dimension = dimension
    }

    var rowCount: Int { (precision == .float32 ? floats.count : halves.count) / dimension }

    /// Bytes held by the vectors.
    var byteCount: Int { floats.count * 4 + halves.count * 2 }

    mutating func append(_ vector: [Float]) {
        switch precision {
        case .float32: floats.append(contentsOf: vector)
        case .float16: halves.append(contentsOf: vector.map(HalfPrecision.bits(from:)))
        }
    }

    mutating func write(_ vector: [Float], row: Int) {
        let start = row * dimension
        switch precision {
        case .float32: for i in 0..<dimension { floats[start + i] = vector[i] }
        case .float16: for i in 0..<dimension { halves[start + i] = HalfPrecision.bits(from: vector[i]) }
        }
    }

    /// The stored row widened to fp32.
    func row(_ row: Int) -> [Float] {
        let start = row * dimension
        switch precision {
        case .float32: return Array(floats[start ..< start + dimension])
        case .float16:
            return [Float](unsafeUninitializedCapacity: dimension) { out, initialized in
                halves.withUnsafeBufferPointer { Kernels.widen(count: dimension, halves: $0.baseAddress! + start, into: out.baseAddress!) }
                initialized = dimension
            }
        }
    }

    /// Calls `body` with pointers to the rows (valid only inside `body`).
    func withRows<T>(_ body: (SlotRows) throws -> T) rethrows -> T {
        switch precision {
        case .float32:
            return try floats.withUnsafeBufferPointer { try body(SlotRows(floats: $0.baseAddress, halves: nil, dimension: dimension)) }
        case .float16:
            return try halves.withUnsafeBufferPointer { try body(SlotRows(floats: nil, halves: $0.baseAddress, dimension: dimension)) }
        }
    }

    /// Scores of `queryCount` row-major fp32 queries against every row: `scores[j·rows + i]`.
    func scores(queries: UnsafePointer<Float>, queryCount: Int, into scores: UnsafeMutablePointer<Float>) {
        let rows = rowCount
        guard rows > 0 else { return }
        switch precision {
        case .float32:
            floats.withUnsafeBufferPointer {
                Kernels.dotScores(rows: rows, dimension: dimension, items: $0.baseAddress!, queryCount: queryCount, queries: queries, into: scores)
            }
        case .float16:
            halves.withUnsafeBufferPointer {
                Kernels.dotScores(rows: rows, dimension: dimension, halves: $0.baseAddress!, queryCount: queryCount, queries: queries, into: scores)
            }
        }
    }
}

extension RowStorage {
    /// Writes the rows as stored (fp32 or fp16 bits).
    func write(to file: inout SnapshotFileWriter) throws {
        switch precision {
        case .float32: try file.write(array: floats)
        case .float16: try file.write(array: halves)
        }
    }

    /// Reads rows written by `write(to:)` for `precision` and `dimension`.
    static func read(from file: inout SnapshotFileReader, precision: VectorPrecision, dimension: Int) throws -> RowStorage {
        var storage = RowStorage(precision: precision, dimension: dimension)
        switch precision {
        case .float32: storage.floats = try file.readArray(of: Float.self)
        case .float16: storage.halves = try file.readArray(of: UInt16.self)
        }
        guard (storage.floats.count + storage.halves.count) % dimension == 0 else {
            throw file.failure("rows are not a whole number of \(dimension)-value vectors")
        }
        return storage
    }
}

/// Pointers to an index's rows, for the scoring loops and the graph: slot `s` starts at `s·dimension`.
struct SlotRows {
    let floats: UnsafePointer<Float>?
    let halves: UnsafePointer<UInt16>?
    let dimension: Int

    /// dot(query, row `slot`).
    @inline(__always) func similarity(_ query: UnsafePointer<Float>, _ slot: Int32) -> Float {
        let start = Int(slot) * dimension
        if let halves { return Kernels.dot(count: dimension, query, halves: halves + start) }
        return Kernels.dot(count: dimension, query, floats! + start)
    }

    /// Row `slot` widened to fp32.
    func vector(_ slot: Int32) -> [Float] {
        let start = Int(slot) * dimension
        if let halves {
            return [Float](unsafeUninitializedCapacity: dimension) { out, initialized in
                Kernels.widen(count: dimension, halves: halves + start, into: out.baseAddress!)
                initialized = dimension
            }
        }
        return Array(UnsafeBufferPointer(start: floats! + start, count: dimension))
    }

    /// dot(row `a`, row `b`).
    @inline(__always) func similarity(_ a: Int32, _ b: Int32) -> Float {
        let startA = Int(a) * dimension, startB = Int(b) * dimension
        if let halves { return Kernels.dot(count: dimension, halves: halves + startA, halves + startB) }
        return Kernels.dot(count: dimension, floats! + startA, floats! + startB)
    }
}
