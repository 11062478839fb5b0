// bench-index grow / open: a big store made from a small real one, and how long a catalog takes to open.
//   .build/release/bench-index grow SRC.sqlite DST.sqlite --count 200000 [--mix]   clones SRC's items with noise
//   .build/release/bench-index open DST.sqlite [--queries 200] [--save]    open time, RSS, similar-items latency;
//                                                                          --save: build graphs, write the snapshot
// Each clone of item x is `normalize(x + 0.05·g/√d)` per modality (g standard normal, seed 20261202), with
// the tags and category of x, so neighbourhoods stay those of real encoder vectors. The fused vector is the
// source's fused vector with the same kind of noise. Trained blobs the catalog reads at open (imputer,
// fusion weight) are copied, so the big store opens like an indexed one.
// Those clones are near-duplicates of their source (cosine ≈ 0.998, above the 0.985 folding threshold):
// every result list then folds ~count/items copies per hit. With `--mix` clone n of x is instead
// `normalize(u·x + (1−u)·y + 0.3·g/√d)` per modality (y another source item, u ~ U(0,1), the same u and y
// for all modalities of the clone; as `bench-ann make`), so near-duplicates are as rare as in a real catalog.
import Foundation
import VitrineCatalog
import VitrineCore
import VitrineStore

func benchGrow(_ arguments: [String]) throws {
    guard arguments.count >= 4, let count = value(after: "--count", in: arguments).flatMap(Int.init) else { throw BenchError.usage }
    let source = try SQLiteStore(path: arguments[2])
    let target = try SQLiteStore(path: arguments[3])
    var random = SplitMix64(seed: 20261202)
    func gaussian() -> Float {
        let u = Double(random.next() >> 11 | 1) / Double(1 << 53), v = Double(random.next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
    }
    var matrices: [(Modality, String, VectorMatrix, [String: Int])] = []
    for modality in Modality.allCases {
        guard let model = try source.currentModel(for: modality) else { continue }
        let matrix = try source.vectorMatrix(modality: modality, modelID: model)
        matrices.append((modality, model, matrix, Dictionary(uniqueKeysWithValues: matrix.itemIDs.enumerated().map { ($1, $0) })))
    }
    let items = try source.items(offset: 0, limit: Int(Int32.max))
    try target.write { tx in
        for (modality, model, _, _) in matrices { try tx.setCurrentModel(model, for: modality) }
        for name in ["catalog-imputer", "catalog-fusion-weights"] {
            if let blob = try source.latestTrainedModel(named: name) {
                try tx.saveTrainedModel(name: name, data: blob.data, configJSON: blob.configJSON, keepingPrevious: 0)
            }
        }
    }
    let mixes = arguments.contains("--mix")
    let start = Date()
    for batchStart in stride(from: 0, to: count, by: 2_000) {
        try target.write { tx in
            for n in batchStart ..< min(count, batchStart + 2_000) {
                let base = items[n % items.count]
                var item = base.item
                item.id = "\(base.id)-\(n)"
                var vectors: [StoredVector] = []
                let partner = mixes ? items[Int(random.next() % UInt64(items.count))] : base
                let u = mixes ? Float(Double(random.next() >> 11) / Double(1 << 53)) : 1
                for (modality, model, matrix, rows) in matrices {
                    guard let row = rows[base.id] else { continue }
                    let scale = (mixes ? 0.3 : 0.05) / Float(matrix.dimension).squareRoot()
                    var values = matrix.row(row)
                    if mixes, let other = rows[partner.id] {
                        values = zip(values, matrix.row(other)).map { u * $0 + (1 - u) * $1 }
                    }
                    values = values.map { $0 + scale * gaussian() }
                    if modality != .fused || mixes {
                        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
                        values = values.map { $0 / norm }
                    }
                    vectors.append(StoredVector(modality: modality, values: values, modelID: model, dtype: .float16))
                }
                try tx.upsert(StoredItem(item, contentHash: "grown:\(n)"), vectors: vectors)
            }
        }
        if batchStart % 20_000 == 0 { print("\(batchStart) items, \(String(format: "%.0f", Date().timeIntervalSince(start))) s") }
    }
    print("wrote \(count) items to \(arguments[3]) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
}

func benchOpen(_ arguments: [String]) throws {
    guard arguments.count >= 3 else { throw BenchError.usage }
    let queries = value(after: "--queries", in: arguments).flatMap(Int.init) ?? 200
    let cpuStart = clock()
    let start = Date()
    let catalog = try Catalog(storeURL: URL(fileURLWithPath: arguments[2]))
    let opened = Date().timeIntervalSince(start)
    let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
    print(String(format: "opened %d items in %.2f s (%.2f CPU-s), %@; peak RSS %.0f MB", catalog.count, opened, cpu,
                 catalog.opening.description, peakRSSMegabytes()))
    if arguments.contains("--save") {
        let t = Date()
        let problem = catalog.prepareForNextOpen()
        print(String(format: "built graphs and saved the index snapshot in %.1f s%@", Date().timeIntervalSince(t), problem.map { ": \($0)" } ?? ""))
    }
    let ids = catalog.items(offset: 0, limit: Int.max).map(\.id)
    guard !ids.isEmpty, queries > 0 else { return }
    var random = SplitMix64(seed: 7)
    var exact: [Double] = [], approximate: [Double] = []
    for _ in 0..<queries {
        let id = ids[Int(random.next() % UInt64(ids.count))]
        for useExact in [true, false] {
            var options = QueryOptions(limit: 10)
            options.exact = useExact
            let t = Date()
            _ = try catalog.similarItems(to: id, options: options)
            (useExact ? { exact.append(Date().timeIntervalSince(t)) } : { approximate.append(Date().timeIntervalSince(t)) })()
        }
    }
    exact.sort(); approximate.sort()
    print(String(format: "similar (fused, 10): exact p50 %.1f ms p99 %.1f ms · graph p50 %.2f ms p99 %.2f ms (graph %@)",
                 percentile(exact, 0.5) * 1000, percentile(exact, 0.99) * 1000, percentile(approximate, 0.5) * 1000,
                 percentile(approximate, 0.99) * 1000, catalog.isBuildingSearchGraphs ? "still building: these were exact" : "ready"))
}
