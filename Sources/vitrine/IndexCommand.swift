import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineTensor

/// `vitrine index DIR`: embed a folder into the store, incrementally.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index a folder of pictures and descriptions (pairs, one subfolder per item, or items.jsonl/items.csv).",
        discussion: """
            Re-running re-embeds only new or changed items and removes deleted ones. Exit code 1 only when nothing could be indexed or the store cannot be written.
            On a PostgreSQL store, n processes may each index `--shard k/n` (k = 1…n) of the same folder; the last share to finish fits the cross-modal imputer and the fusion weight over the whole catalog (each share records in the store that it finished). `vitrine index --finalize` does that step by hand, e.g. after the folder changed between shard runs.
            """)

    @Argument(help: "The catalog folder (not needed with --finalize).")
    var folder: String?

    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption
    @OptionGroup var graphs: GraphDistancesOption

    @Option(name: .long, help: "Items per committed transaction.")
    var batchSize = IndexingOptions().commitBatchSize

    @Flag(name: .long, help: "Re-embed every item even when unchanged.")
    var reembed = false

    @Flag(name: .long, help: "Decode and encode one after the other instead of overlapping them.")
    var noOverlap = false

    @Flag(name: .long, help: "Store vectors as fp32 instead of fp16.")
    var fp32 = false

    @Option(name: .long, help: "Weights of both encoders: fp32 or int8 (quantized once at load, exact int32 sums; speed and agreement in BENCHMARKS.md). Part of each model's identity: switching re-embeds, and later commands on this store use the store's choice. Default: the store's current choice, fp32 for a new store.")
    var precision: String?
    @Option(name: .long, help: "The image encoder's weights only (overrides --precision).")
    var imagePrecision: String?
    @Option(name: .long, help: "The text encoder's weights only (overrides --precision).")
    var textPrecision: String?

    @Option(name: .long, help: "Index only share k of n (e.g. 2/4): items whose id hashes to it. The last share to finish finalizes.")
    var shard: String?

    @Flag(name: .long, help: "After sharded runs: fit the cross-modal imputer and the fusion weight over the whole catalog.")
    var finalize = false

    func validate() throws {
        if finalize && (folder != nil || shard != nil) { throw ValidationError("--finalize takes no folder and no --shard") }
        if !finalize && folder == nil { throw ValidationError("missing the catalog folder") }
        if let shard { _ = try IndexShard(parsing: shard) }
        for (flag, value) in [("--precision", precision), ("--image-precision", imagePrecision), ("--text-precision", textPrecision)] {
            if let value, WeightPrecision(rawValue: value) == nil {
                throw ValidationError("\(flag) must be one of \(WeightPrecision.allCases.map(\.rawValue).joined(separator: ", ")), got '\(value)'")
            }
        }
    }

    func run() throws {
        var catalogOptions = graphs.applied(to: CatalogOptions(vectorPrecision: fp32 ? .float32 : .float16))
        catalogOptions.imagePrecision = (imagePrecision ?? precision).flatMap(WeightPrecision.init(rawValue:))
        catalogOptions.textPrecision = (textPrecision ?? precision).flatMap(WeightPrecision.init(rawValue:))
        if finalize {
            let count = try failing {
                let catalog = try store.openCatalog(options: catalogOptions)
                try catalog.finalizeIndexing()
                if let problem = catalog.prepareForNextOpen() { Output.standardError("warning: \(problem)") }
                return catalog.count
            }
            print("finalized \(count) items: cross-modal imputer and fusion weight fitted")
            return
        }
        guard let folder else { throw ValidationError("missing the catalog folder") }
        var options = IndexingOptions(commitBatchSize: batchSize, overlapsDecoding: !noOverlap, reembedAll: reembed)
        options.shard = try shard.map { try IndexShard(parsing: $0) }
        let summary = try failing {
            let catalog = try store.openCatalog(options: catalogOptions, mustExist: false)
            let bar = ProgressRenderer(isTerminal: isatty(STDERR_FILENO) == 1 && !output.json)
            let summary = try catalog.index(folder: URL(fileURLWithPath: folder), options: options, progress: bar.render)
            // Graphs and the index snapshot now, so the next `serve` opens in seconds.
            if let problem = catalog.prepareForNextOpen() { Output.standardError("warning: \(problem)") }
            return summary
        }
        if output.json {
            try Output.printJSON(summary)
        } else {
            if let shard = options.shard {
                print(summary.finalized ? "shard \(shard): the last share to finish; imputer and fusion weight fitted over the whole catalog"
                      : "shard \(shard): done; the last share to finish fits the imputer and fusion weight (or run `vitrine index --finalize`)")
            }
            print("layout: \(summary.layout.rawValue) · found \(summary.found) · indexed \(summary.indexed) · reused \(summary.reused)"
                + " · removed \(summary.removed) · skipped \(summary.skipped)")
            print(String(format: "%.1f s (embedding %.1f s, %.2f items/s, %d images)", summary.elapsedSeconds, summary.embeddingSeconds,
                         summary.itemsPerSecond, summary.imagesEncoded)
                + (summary.imageVectorsKept > 0 ? " · \(summary.imageVectorsKept) items kept their image vector (pictures unchanged)" : ""))
            if !summary.problems.isEmpty {
                print("problems (\(summary.problems.count)):")
                for problem in summary.problems { print("  \(problem)") }
            }
        }
        // A shard whose share of a small folder is empty has nothing to do, which is not a failure.
        if summary.usable == 0 && !(options.shard != nil && summary.found == 0) {
            Output.standardError("error: nothing could be indexed from \(folder)")
            throw ExitCode.failure
        }
    }
}

/// Renders indexing progress: a redrawn bar with rate and ETA on a terminal, plain lines otherwise.
struct ProgressRenderer {
    let isTerminal: Bool

    func render(_ progress: IndexingProgress) {
        switch progress.phase {
        case .scanning:
            Output.standardError("scanning: \(progress.total) items found")
        case .embedding:
            let eta = progress.etaSeconds.map { String(format: "ETA %.0fs", $0) } ?? "ETA –"
            let counts = "\(progress.completed)/\(progress.total) \(String(format: "%.2f items/s", progress.rate)) \(eta)"
            if isTerminal {
                let width = 30
                let filled = progress.total > 0 ? width * progress.completed / progress.total : width
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(counts)\u{1B}[K".utf8))
                if progress.completed == progress.total { FileHandle.standardError.write(Data("\n".utf8)) }
            } else {
                Output.standardError("embedded \(counts)")
            }
        case .finishing:
            Output.standardError("finishing: refitting the cross-modal imputer")
        case .done:
            break
        }
    }
}
