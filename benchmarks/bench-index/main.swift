// bench-index: indexing throughput and similar-items latency of the catalog service. Release builds only:
//   swift build -c release --product bench-index
//   .build/release/bench-index index /tmp/vitrine-photos [--limit N] [--no-overlap] [--decode-threads N] [--batch N] [--precision fp32|int8] [--text-precision fp32|int8]   items/s, peak RSS
//   .build/release/bench-index query [--items 100000]                                  p50/p99 at 100k items
//   .build/release/bench-index overlap assets/demo                                    fp16 vs fp32 top-10 overlap
//   .build/release/bench-index fusion STORE...                                         fitted fusion weight vs grid (FusionBench.swift)
//   .build/release/bench-index grow SRC DST --count N | open STORE                     big stores and open time (GrowBench.swift)
// The Python peer (Pillow + ONNX Runtime, same work) is benchmarks/bench-index/python_pipeline.py;
// run.sh runs both in one go and prints the ratio.
import Foundation
import VitrineCatalog
import VitrineCore
import VitrineStore
import VitrineTensor

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // Linux reports KiB
}

func value(after flag: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func benchIndex(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw BenchError.usage }
    var folder = URL(fileURLWithPath: arguments[2])
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-index-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratch) }
    if let limit = value(after: "--limit", in: arguments).flatMap(Int.init) {
        // Hard-link (or copy) the first `limit` pairs into a scratch folder: the catalog refuses
        // symbolic links that leave the indexed folder, as it should.
        let subset = scratch.appendingPathComponent("subset")
        try FileManager.default.createDirectory(at: subset, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted().prefix(limit)
        for name in names {
            let base = String(name.dropLast(4))
            for ext in [".jpg", ".txt"] {
                let source = folder.appendingPathComponent(base + ext)
                guard FileManager.default.fileExists(atPath: source.path) else { continue }
                let target = subset.appendingPathComponent(base + ext)
                do { try FileManager.default.linkItem(at: source, to: target) } catch {
                    try FileManager.default.copyItem(at: source, to: target)
                }
            }
        }
        folder = subset
    }
    var catalogOptions = CatalogOptions()
    func precision(_ flag: String) throws -> WeightPrecision? {
        guard let given = value(after: flag, in: arguments) else { return nil }
        guard let chosen = WeightPrecision(rawValue: given) else { throw BenchError.usage }
        return chosen
    }
    if let chosen = try precision("--precision") { (catalogOptions.imagePrecision, catalogOptions.textPrecision) = (chosen, chosen) }
    if let chosen = try precision("--text-precision") { catalogOptions.textPrecision = chosen } // the text encoder alone
    let catalog = try Catalog(storeURL: scratch.appendingPathComponent("store/catalog.sqlite"), options: catalogOptions)
    var options = IndexingOptions(overlapsDecoding: !arguments.contains("--no-overlap"),
                                  decodeThreads: value(after: "--decode-threads", in: arguments).flatMap(Int.init))
    if let batch = value(after: "--batch", in: arguments).flatMap(Int.init) { options.commitBatchSize = batch }
    let summary = try catalog.index(folder: folder, options: options)
    print(String(format: "swift index: %d items (%d images) in %.2f s embedding, %.2f s total → %.2f items/s; peak RSS %.0f MB; problems %d; overlap %@; threads %d",
                 summary.indexed, summary.imagesEncoded, summary.embeddingSeconds, summary.elapsedSeconds, summary.itemsPerSecond,
                 peakRSSMegabytes(), summary.problems.count, options.overlapsDecoding ? "on" : "off", Kernels.threadCount))
}

/// The scoring loop the seam had before the swap (SIMD8 dot per row), for the same-run comparison.
func simd8Scores(_ matrix: [Float], rows: Int, dimension d: Int, query: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: rows)
    matrix.withUnsafeBufferPointer { m in
        query.withUnsafeBufferPointer { q in
            let rawQ = UnsafeRawPointer(q.baseAddress!)
            for r in 0..<rows {
                let rawA = UnsafeRawPointer(m.baseAddress! + r * d)
                var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                var i = 0
                while i + 16 <= d {
                    acc0 += rawA.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rawQ.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                    acc1 += rawA.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                        * rawQ.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)
                    i += 16
                }
                var sum = (acc0 + acc1).sum()
                while i < d { sum += m[r * d + i] * q[i]; i += 1 }
                out[r] = sum
            }
        }
    }
    return out
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

func benchQuery(_ arguments: [String]) throws {
    let count = value(after: "--items", in: arguments).flatMap(Int.init) ?? 100_000
    let queries = value(after: "--queries", in: arguments).flatMap(Int.init) ?? 200
    let dimension = 1664
    var generator = SystemRandomNumberGenerator()
    var index = try VectorIndex(dimension: dimension, normalizesVectors: false)
    var matrix: [Float] = []
    matrix.reserveCapacity(count * dimension)
    let clock = ContinuousClock()
    let build = clock.measure {
        for row in 0..<count {
            var vector = (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vector = vector.map { $0 / norm }
            matrix += vector
            try? index.add(id: "item-\(row)", vector: vector, tags: row % 10 == 0 ? ["tenth"] : [], category: nil)
        }
    }
    var latencies: [Double] = [], filtered: [Double] = [], loop: [Double] = []
    for q in 0..<queries {
        let id = "item-\(Int.random(in: 0..<count, using: &generator))"
        guard let query = index.vector(for: id) else { continue }
        let search = SearchOptions(limit: 10, excluding: [id])
        latencies.append(Double((try clock.measure { _ = try index.search(query: query, options: search) }).components.attoseconds) / 1e15)
        if q % 4 == 0 {
            let tagged = SearchOptions(limit: 10, excluding: [id], filter: IndexFilter(anyOfTags: ["tenth"]))
            filtered.append(Double((try clock.measure { _ = try index.search(query: query, options: tagged) }).components.attoseconds) / 1e15)
            loop.append(Double(clock.measure { _ = simd8Scores(matrix, rows: count, dimension: dimension, query: query) }.components.attoseconds) / 1e15)
        }
    }
    latencies.sort(); filtered.sort(); loop.sort()
    print(String(format: "query: %d items × %d fused dims (built in %@), %d queries, threads %d", count, dimension, "\(build)", latencies.count, Kernels.threadCount))
    print(String(format: "  similar items (GEMV + top-10 + duplicate folding): p50 %.2f ms  p99 %.2f ms", percentile(latencies, 0.5), percentile(latencies, 0.99)))
    print(String(format: "  with a tag filter:                                 p50 %.2f ms  p99 %.2f ms", percentile(filtered, 0.5), percentile(filtered, 0.99)))
    print(String(format: "  scoring only, previous SIMD8 loop (single thread): p50 %.2f ms  p99 %.2f ms", percentile(loop, 0.5), percentile(loop, 0.99)))
    print(String(format: "  peak RSS %.0f MB", peakRSSMegabytes()))
}

/// Indexes a folder with fp32 vectors, then compares every item's top-10 neighbours (image, text, fused)
/// computed from the fp32 vectors with those computed from the same vectors rounded to fp16.
func benchOverlap(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw BenchError.usage }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-overlap-\(getpid())")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let catalog = try Catalog(storeURL: scratch.appendingPathComponent("catalog.sqlite"), options: CatalogOptions(vectorPrecision: .float32))
    let summary = try catalog.index(folder: URL(fileURLWithPath: arguments[2]))
    print("indexed \(summary.indexed) items in \(String(format: "%.1f", summary.elapsedSeconds)) s (\(summary.problems.count) problems)")
    let items = catalog.items(offset: 0, limit: Int.max)
    let recommender = catalog.recommender()
    for space in Modality.allCases {
        let dimension = space == .image ? 1280 : space == .text ? 384 : 1664
        var full = try VectorIndex(dimension: dimension, normalizesVectors: false)
        var half = try VectorIndex(dimension: dimension, normalizesVectors: false)
        for item in items {
            let vectors = catalog.vectors(for: item.id)
            let vector: [Float]?
            switch space {
            case .image: vector = vectors?.image
            case .text: vector = vectors?.text
            case .fused: vector = recommender.index.vector(for: item.id)
            }
            guard let vector else { continue }
            try full.add(id: item.id, vector: vector)
            try half.add(id: item.id, vector: vector.map(HalfPrecision.rounded))
        }
        var overlap = 0.0, identicalOrder = 0
        for id in full.ids {
            let options = SearchOptions(limit: 10, excluding: [id], includeNearDuplicates: true)
            let a = try full.search(query: full.vector(for: id) ?? [], options: options).map(\.id)
            let b = try half.search(query: half.vector(for: id) ?? [], options: options).map(\.id)
            overlap += Double(Set(a).intersection(b).count) / Double(max(1, a.count))
            if a == b { identicalOrder += 1 }
        }
        print(String(format: "%@: %d items, mean top-10 overlap fp16 vs fp32 %.4f, identical top-10 order %d/%d",
                     space.rawValue, full.count, overlap / Double(max(1, full.count)), identicalOrder, full.count))
    }
}

/// Text-only retrieval when file names are ids: every manifest item gets an id-like name (a camera
/// number, a content hash, a SKU) instead of its own, no given title, and its description; then each
/// item's 10 nearest text neighbours are checked for its category (leave-one-out precision@10),
/// with the derived title always in the encoder text (the old rule) and with `FileNameTitle`'s rule.
/// The same on the items' own, word-like ids shows what the rule keeps.
func benchTitles(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw BenchError.usage }
    let rows = try String(contentsOf: URL(fileURLWithPath: arguments[2]).appendingPathComponent("items.jsonl"), encoding: .utf8)
        .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    let items = rows.compactMap { row -> (id: String, description: String, category: String)? in
        guard let id = row["id"] as? String, let description = row["description"] as? String, !description.isEmpty,
              let category = row["category"] as? String else { return nil }
        return (id, description, category)
    }
    let encoder = try EncoderProvider.pretrained().makeTextEncoder()
    func precisionAt10(_ texts: [String]) throws -> Double {
        var index = try VectorIndex(dimension: 384)
        for (item, vector) in zip(items, try encoder.embed(batch: texts)) { try index.add(id: item.id, vector: vector, tags: [], category: item.category) }
        var total = 0.0
        for item in items {
            let hits = try index.search(query: index.vector(for: item.id) ?? [], options: SearchOptions(limit: 10, excluding: [item.id], includeNearDuplicates: true))
            total += Double(hits.filter { index.attributes(for: $0.id)?.category == item.category }.count) / 10
        }
        return total / Double(items.count)
    }
    let namings: [(String, (Int, String) -> String)] = [
        ("own ids (words)", { _, id in id }),
        ("camera numbers IMG_NNNN", { position, _ in String(format: "IMG_%04d", 1000 + position) }),
        ("content hashes", { _, id in String(SHA256.hex(of: Data(id.utf8)).prefix(16)) }),
        ("SKU codes", { position, _ in String(format: "SKU-%05d-%@", 10_000 + position * 7, ["A", "B", "C"][position % 3]) }),
    ]
    print("\(items.count) items with descriptions and categories; text-only leave-one-out precision@10")
    print(String(format: "  %@  %8@  %8@  %8@", "naming".padding(toLength: 26, withPad: " ", startingAt: 0), "desc.", "old rule", "new rule"))
    let descriptionOnly = try precisionAt10(items.map(\.description))
    for (name, naming) in namings {
        var old: [String] = [], new: [String] = []
        for (position, item) in items.enumerated() {
            var source = SourceItem(id: naming(position, item.id))
            source.description = item.description
            old.append("\(source.title). \(item.description)")
            new.append(source.encoderText ?? "")
        }
        print(String(format: "  %@  %8.4f  %8.4f  %8.4f", name.padding(toLength: 26, withPad: " ", startingAt: 0),
                     descriptionOnly, try precisionAt10(old), try precisionAt10(new)))
    }
}

enum BenchError: Error { case usage }

let arguments = CommandLine.arguments
do {
    switch arguments.count > 1 ? arguments[1] : "" {
    case "index": try benchIndex(arguments)
    case "query": try benchQuery(arguments)
    case "overlap": try benchOverlap(arguments)
    case "titles": try benchTitles(arguments)
    case "fusion": try benchFusion(arguments)
    case "grow": try benchGrow(arguments)
    case "open": try benchOpen(arguments)
    default: throw BenchError.usage
    }
} catch BenchError.usage {
    print("usage: bench-index index DIR [--limit N] [--no-overlap] [--decode-threads N] [--precision fp32|int8] [--text-precision fp32|int8] | query [--items N] [--queries N] | overlap DIR | titles MANIFEST_DIR | fusion STORE... | grow SRC DST --count N | open STORE [--queries N]")
    exit(2)
} catch {
    print("bench-index: \(error)")
    exit(1)
}
