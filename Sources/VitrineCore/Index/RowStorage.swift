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

/// Row-major `rows × dimension` vectors in `precision`, and optionally an int8 copy of every row
/// with its scale (`row ≈ scale · codes`) for the HNSW graph's distances (`GraphDistances.int8`).
struct RowStorage: Sendable {
    let precision: VectorPrecision
    let dimension: Int
    /// True when every row also has int8 codes.
    let quantized: Bool
    private var floats: [Float] = []
    private var halves: [UInt16] = []
    private var codes: [Int8] = []
    private var codeScales: [Float] = []

    init(precision: VectorPrecision, dimension: Int, quantized: Bool = false) {
        self.precision = precision
        self.dimension = dimension
        self.quantized = quantized
    }

    var rowCount: Int { (precision == .float32 ? floats.count : halves.count) / dimension }

    /// Bytes held by the vectors (int8 codes and scales included).
    var byteCount: Int { floats.count * 4 + halves.count * 2 + codes.count + codeScales.count * 4 }

    mutating func append(_ vector: [Float]) {
        switch precision {
        case .float32: floats.append(contentsOf: vector)
        case .float16: halves.append(contentsOf: vector.map(HalfPrecision.bits(from:)))
        }
        if quantized {
            codes.append(contentsOf: repeatElement(0, count: dimension))
            codeScales.append(0)
            quantize(vector, row: rowCount - 1)
        }
    }

    mutating func write(_ vector: [Float], row: Int) {
        let start = row * dimension
        switch precision {
        case .float32: for i in 0..<dimension { floats[start + i] = vector[i] }
        case .float16: for i in 0..<dimension { halves[start + i] = HalfPrecision.bits(from: vector[i]) }
        }
        if quantized { quantize(vector, row: row) }
    }

    private mutating func quantize(_ vector: [Float], row: Int) {
        let dimension = dimension
        codeScales[row] = vector.withUnsafeBufferPointer { v in
            codes.withUnsafeMutableBufferPointer { Kernels.quantize(count: dimension, v.baseAddress!, into: $0.baseAddress! + row * dimension) }
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

    /// Calls `body` with pointers to the rows (valid only inside `body`); similarities are exact.
    func withRows<T>(_ body: (SlotRows) throws -> T) rethrows -> T {
        switch precision {
        case .float32:
            return try floats.withUnsafeBufferPointer { try body(SlotRows(floats: $0.baseAddress, halves: nil, dimension: dimension)) }
        case .float16:
            return try halves.withUnsafeBufferPointer { try body(SlotRows(floats: nil, halves: $0.baseAddress, dimension: dimension)) }
        }
    }

    /// `withRows` for the graph: with the int8 codes where the storage keeps them, so the graph's
    /// similarities are the int8 estimates (callers re-rank with exact scores).
    func withGraphRows<T>(_ body: (SlotRows) throws -> T) rethrows -> T {
        guard quantized else { return try withRows(body) }
        return try withRows { exact in
            try codes.withUnsafeBufferPointer { c in
                try codeScales.withUnsafeBufferPointer { scales in
                    var rows = exact
                    rows.codes = c.baseAddress
                    rows.codeScales = scales.baseAddress
                    return try body(rows)
                }
            }
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
    /// Writes the rows as stored (fp32 or fp16 bits), then the int8 codes and scales (empty when none).
    func write(to file: inout SnapshotFileWriter) throws {
        switch precision {
        case .float32: try file.write(array: floats)
        case .float16: try file.write(array: halves)
        }
        try file.write(array: codes)
        try file.write(array: codeScales)
    }

    /// Reads rows written by `write(to:)` for `precision` and `dimension`; int8 codes are kept when
    /// `quantized`, made from the rows when the file has none, and dropped when not wanted.
    static func read(from file: inout SnapshotFileReader, precision: VectorPrecision, dimension: Int, quantized: Bool) throws -> RowStorage {
        var storage = RowStorage(precision: precision, dimension: dimension, quantized: quantized)
        switch precision {
        case .float32: storage.floats = try file.readArray(of: Float.self)
        case .float16: storage.halves = try file.readArray(of: UInt16.self)
        }
        let codes = try file.readArray(of: Int8.self), scales = try file.readArray(of: Float.self)
        guard (storage.floats.count + storage.halves.count) % dimension == 0 else {
            throw file.failure("rows are not a whole number of \(dimension)-value vectors")
        }
        let rows = storage.rowCount
        guard codes.isEmpty || (codes.count == rows * dimension && scales.count == rows) else {
            throw file.failure("int8 codes do not match the rows")
        }
        guard quantized else { return storage }
        if codes.isEmpty {
            storage.codes = [Int8](repeating: 0, count: rows * dimension)
            storage.codeScales = [Float](repeating: 0, count: rows)
            for row in 0..<rows { storage.quantize(storage.row(row), row: row) }
        } else {
            storage.codes = codes
            storage.codeScales = scales
        }
        return storage
    }
}

/// A query as the graph compares it: fp32 values, and int8 codes with their scale when the rows
/// have codes too.
struct GraphQuery {
    let floats: UnsafePointer<Float>
    var codes: UnsafePointer<Int8>?
    var scale: Float = 0
}

/// Pointers to an index's rows, for the scoring loops and the graph: slot `s` starts at `s·dimension`.
/// With `codes` (from `RowStorage.withGraphRows`) similarities are int8 estimates, else exact.
struct SlotRows {
    let floats: UnsafePointer<Float>?
    let halves: UnsafePointer<UInt16>?
    let dimension: Int
    var codes: UnsafePointer<Int8>?
    var codeScales: UnsafePointer<Float>?

    init(floats: UnsafePointer<Float>?, halves: UnsafePointer<UInt16>?, dimension: Int) {
        self.floats = floats
        self.halves = halves
        self.dimension = dimension
    }

    /// dot(query, row `slot`), exact.
    @inline(__always) func similarity(_ query: UnsafePointer<Float>, _ slot: Int32) -> Float {
        let start = Int(slot) * dimension
        if let halves { return Kernels.dot(count: dimension, query, halves: halves + start) }
        return Kernels.dot(count: dimension, query, floats! + start)
    }

    /// dot(query, row `slot`): from the int8 codes when both sides have them, else exact.
    @inline(__always) func similarity(_ query: GraphQuery, _ slot: Int32) -> Float {
        if let codes, let queryCodes = query.codes {
            let dot = Kernels.dot(count: dimension, int8: queryCodes, codes + Int(slot) * dimension)
            return Float(dot) * query.scale * codeScales![Int(slot)]
        }
        return similarity(query.floats, slot)
    }

    /// Prefetches the bytes `similarity(query, slot)` will read.
    @inline(__always) func prefetch(_ slot: Int32, for query: GraphQuery) {
        let start = Int(slot) * dimension
        if let codes, query.codes != nil { Kernels.prefetch(codes + start, bytes: dimension) }
        else if let halves { Kernels.prefetch(halves + start, bytes: dimension * 2) }
        else if let floats { Kernels.prefetch(floats + start, bytes: dimension * 4) }
    }

    /// Row `slot` as a graph query (its own codes where the rows have them); `floats` is the row widened.
    func graphQuery(slot: Int32, floats: UnsafePointer<Float>) -> GraphQuery {
        guard let codes, let codeScales else { return GraphQuery(floats: floats) }
        return GraphQuery(floats: floats, codes: codes + Int(slot) * dimension, scale: codeScales[Int(slot)])
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

    /// dot(row `a`, row `b`): from the int8 codes where the rows have them, else exact.
    @inline(__always) func similarity(_ a: Int32, _ b: Int32) -> Float {
        let startA = Int(a) * dimension, startB = Int(b) * dimension
        if let codes, let codeScales {
            return Float(Kernels.dot(count: dimension, int8: codes + startA, codes + startB)) * codeScales[Int(a)] * codeScales[Int(b)]
        }
        if let halves { return Kernels.dot(count: dimension, halves: halves + startA, halves + startB) }
        return Kernels.dot(count: dimension, floats! + startA, floats! + startB)
    }
}
