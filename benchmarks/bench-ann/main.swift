// bench-ann: the HNSW index against brute force and against hnswlib / faiss (peers.py, same files).
// Release builds only:
//   swift build -c release --product bench-ann
//   .build/release/bench-ann make STORE --modality text --count 200000 --queries 1000 --out /tmp/ann-text
//       Real vectors of an indexed catalog (the SQLite store at STORE) blended and jittered into a
//       scale set: every generated vector is normalize(u·x_i + (1−u)·x_j + σ·g/√d) with items i, j
//       drawn uniformly, u ~ U(0, 1), g standard normal per component, σ = 0.3 (--noise). Queries are
//       drawn the same way and are not in the base set. Writes base.f32, queries.f32 (little-endian
//       float32, row-major) and meta.txt (count, dimension, how they were made).
//   .build/release/bench-ann real STORE --modality image --out /tmp/ann-real-image
//       The store's own vectors, un-jittered: base = every vector, queries = every vector (self excluded
//       from truth and results by asking for k + 1 and dropping the query item).
//   .build/release/bench-ann run /tmp/ann-text [--m 16] [--ef-construction 200] [--ef 16,32,64,128,256] [--threads 1,2] [--precision f16]
//       Build time, RSS, and per efSearch: recall@10 against exact search and queries/s on 1 and 2 threads.
import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self {
        case .usage(let detail): return "\(detail)\nusage: bench-ann make STORE --modality text|image --count N --queries Q --out DIR | real STORE --modality M --out DIR | run DIR [--m 16] [--ef-construction 200] [--ef 16,32,64] [--threads 1,2] [--precision f16] [--graph-distances int8]"
        }
    }
}

func value(after flag: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kib / 1024
}

func writeFloats(_ values: [Float], to url: URL) throws {
    try values.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: url)
}

func readFloats(_ url: URL) throws -> [Float] {
    let data = try Data(contentsOf: url)
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func modality(_ arguments: [String]) throws -> Modality {
    guard let name = value(after: "--modality", in: arguments), let modality = Modality(rawValue: name) else {
        throw BenchError.usage("--modality must be text or image")
    }
    return modality
}

func storeMatrix(_ arguments: [String]) throws -> VectorMatrix {
    guard arguments.count >= 3 else { throw BenchError.usage("missing STORE") }
    let store = try SQLiteStore(path: arguments[2])
    let matrix = try store.vectorMatrix(modality: try modality(arguments))
    guard matrix.itemIDs.count > 1 else { throw BenchError.usage("\(arguments[2]) has fewer than 2 vectors of that modality") }
    return matrix
}

/// Standard normal draws (Box–Muller) from a seeded generator.
struct Gaussian {
    var generator: SplitMix64
    mutating func next() -> Float {
        let u1 = Double(generator.next() >> 11 | 1) / Double(1 << 53), u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

func blended(_ matrix: VectorMatrix, count: Int, noise: Float, random: inout Gaussian) -> [Float] {
    let d = matrix.dimension, n = matrix.itemIDs.count
    var out = [Float](repeating: 0, count: count * d)
    let scale = noise / Float(d).squareRoot()
    for r in 0..<count {
        let i = Int(random.generator.next() % UInt64(n)), j = Int(random.generator.next() % UInt64(n))
        let u = Float(random.generator.next() >> 40) / Float(1 << 24)
        var norm: Float = 0
        for c in 0..<d {
            let v = u * matrix.values[i * d + c] + (1 - u) * matrix.values[j * d + c] + scale * random.next()
            out[r * d + c] = v
            norm += v * v
        }
        let inverse = 1 / norm.squareRoot()
        for c in 0..<d { out[r * d + c] *= inverse }
    }
    return out
}

func make(_ arguments: [String]) throws {
    let matrix = try storeMatrix(arguments)
    guard let out = value(after: "--out", in: arguments) else { throw BenchError.usage("missing --out") }
    let count = Int(value(after: "--count", in: arguments) ?? "200000") ?? 200_000
    let queries = Int(value(after: "--queries", in: arguments) ?? "1000") ?? 1_000
    let noise = Float(value(after: "--noise", in: arguments) ?? "0.3") ?? 0.3
    let folder = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var random = Gaussian(generator: SplitMix64(seed: 20261202))
    try writeFloats(blended(matrix, count: count, noise: noise, random: &random), to: folder.appendingPathComponent("base.f32"))
    try writeFloats(blended(matrix, count: queries, noise: noise, random: &random), to: folder.appendingPathComponent("queries.f32"))
    let meta = """
    count \(count)
    queries \(queries)
    dimension \(matrix.dimension)
    made normalize(u*x_i + (1-u)*x_j + \(noise)*g/sqrt(d)) from \(matrix.itemIDs.count) real \(try modality(arguments).rawValue) vectors of \(arguments[2]), seed 20261202
    """
    try (meta + "\n").write(to: folder.appendingPathComponent("meta.txt"), atomically: true, encoding: .utf8)
    print("wrote \(count) + \(queries) vectors of dimension \(matrix.dimension) to \(out)")
}

func real(_ arguments: [String]) throws {
    let matrix = try storeMatrix(arguments)
    guard let out = value(after: "--out", in: arguments) else { throw BenchError.usage("missing --out") }
    let folder = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let d = matrix.dimension
    let unit = (0..<matrix.itemIDs.count).flatMap { r in l2Normalized(Array(matrix.values[r * d ..< (r + 1) * d])) ?? [Float](repeating: 0, count: d) }
    try writeFloats(unit, to: folder.appendingPathComponent("base.f32"))
    try writeFloats(unit, to: folder.appendingPathComponent("queries.f32"))
    try "count \(matrix.itemIDs.count)\nqueries \(matrix.itemIDs.count)\ndimension \(matrix.dimension)\nmade real \(try modality(arguments).rawValue) vectors of \(arguments[2]), unjittered; queries are the base items themselves\n"
        .write(to: folder.appendingPathComponent("meta.txt"), atomically: true, encoding: .utf8)
    print("wrote \(matrix.itemIDs.count) real vectors of dimension \(matrix.dimension) to \(out)")
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func run(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw BenchError.usage("missing DIR") }
    let folder = URL(fileURLWithPath: arguments[2])
    let meta = try String(contentsOf: folder.appendingPathComponent("meta.txt"), encoding: .utf8)
    let fields = Dictionary(meta.split(separator: "\n").map { line -> (String, String) in
        let parts = line.split(separator: " ", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }, uniquingKeysWith: { a, _ in a })
    guard let d = fields["dimension"].flatMap(Int.init) else { throw BenchError.usage("meta.txt has no dimension") }
    let selfQueries = fields["made"]?.contains("queries are the base items") ?? false
    let base = try readFloats(folder.appendingPathComponent("base.f32"))
    let queryValues = try readFloats(folder.appendingPathComponent("queries.f32"))
    let n = base.count / d, q = queryValues.count / d
    let m = Int(value(after: "--m", in: arguments) ?? "16") ?? 16
    let efConstruction = Int(value(after: "--ef-construction", in: arguments) ?? "200") ?? 200
    let efs = (value(after: "--ef", in: arguments) ?? "10,16,32,64,128,256").split(separator: ",").compactMap { Int($0) }
    let threadCounts = (value(after: "--threads", in: arguments) ?? "1,2").split(separator: ",").compactMap { Int($0) }
    let k = 10
    let precision: VectorPrecision = value(after: "--precision", in: arguments) == "f16" ? .float16 : .float32
    let distances: GraphDistances = value(after: "--graph-distances", in: arguments) == "int8" ? .int8 : .stored
    print("bench-ann: \(n) items × \(d), \(q) queries, M \(m), efConstruction \(efConstruction), rows \(precision.rawValue), "
          + "graph distances \(distances.rawValue), kernels \(Kernels.variant)")
    print("data: \(fields["made"] ?? "?")")

    let rssBefore = residentMegabytes()
    var index = try VectorIndex(dimension: d, precision: precision, approximate: ApproximateSearchOptions(m: m, efConstruction: efConstruction, bruteForceBelow: 0,
                                                                                                        graphDistances: distances))
    let build = try seconds {
        for r in 0..<n { try index.add(id: "\(r)", vector: Array(base[r * d ..< (r + 1) * d])) }
    }
    print(String(format: "build %.1f s (1 thread, %.0f inserts/s), RSS %.0f MB (%.0f MB more than before the build; rows %.0f MB)",
                 build, Double(n) / build, residentMegabytes(), residentMegabytes() - rssBefore, Double(index.vectorBytes) / 1e6))

    let queries = (0..<q).map { Array(queryValues[$0 * d ..< ($0 + 1) * d]) }
    @Sendable func options(exact: Bool, ef: Int?, query: Int) -> SearchOptions {
        SearchOptions(limit: k, excluding: selfQueries ? ["\(query)"] : [], includeNearDuplicates: true, exact: exact, efSearch: ef)
    }
    var truth: [Set<String>] = []
    let exactTime = try seconds {
        truth = try queries.indices.map { Set(try index.search(query: queries[$0], options: options(exact: true, ef: nil, query: $0)).map(\.id)) }
    }
    print(String(format: "exact: %.1f queries/s (1 query at a time; the scan itself uses %d threads)", Double(q) / exactTime, Kernels.threadCount))
    print("| efSearch | recall@10 | " + threadCounts.map { "QPS (\($0) thr)" }.joined(separator: " | ") + " |")
    print("|---:|---:|" + threadCounts.map { _ in "---:" }.joined(separator: "|") + "|")
    let frozen = index
    for ef in efs {
        var found = [[String]](repeating: [], count: q)
        var rates: [Double] = []
        for threads in threadCounts {
            let results = ResultSlots(count: q)
            let time = seconds {
                DispatchQueue.concurrentPerform(iterations: threads) { part in
                    for i in stride(from: part, to: q, by: threads) {
                        results.buffer[i] = ((try? frozen.search(query: queries[i], options: options(exact: false, ef: ef, query: i))) ?? []).map(\.id)
                    }
                }
            }
            found = Array(results.buffer)
            rates.append(Double(q) / time)
        }
        let recall = zip(found, truth).reduce(0.0) { $0 + Double($1.0.filter($1.1.contains).count) / Double(max($1.1.count, 1)) } / Double(q)
        print("| \(ef) | " + String(format: "%.4f", recall) + " | " + rates.map { String(format: "%.0f", $0) }.joined(separator: " | ") + " |")
    }
}

/// One result slot per query, each written by exactly one thread.
final class ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<[String]>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: [])
    }
    deinit { buffer.deinitialize().deallocate() }
}

let arguments = CommandLine.arguments
do {
    switch arguments.count > 1 ? arguments[1] : "" {
    case "make": try make(arguments)
    case "real": try real(arguments)
    case "run": try run(arguments)
    default: throw BenchError.usage("unknown command")
    }
} catch {
    FileHandle.standardError.write(Data("bench-ann: \(error)\n".utf8))
    exit(1)
}
