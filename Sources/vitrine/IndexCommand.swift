import ArgumentParser
import Foundation
import VitrineCatalog

/// `vitrine index DIR`: embed a folder into the store, incrementally.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index a folder of pictures and descriptions (pairs, one subfolder per item, or items.jsonl/items.csv).",
        discussion: "Re-running re-embeds only new or changed items and removes deleted ones. Exit code 1 only when nothing could be indexed or the store cannot be written.")

    @Argument(help: "The catalog folder.")
    var folder: String

    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    @Option(name: .long, help: "Items per committed transaction.")
    var batchSize = IndexingOptions().commitBatchSize

    @Flag(name: .long, help: "Re-embed every item even when unchanged.")
    var reembed = false

    @Flag(name: .long, help: "Decode and encode one after the other instead of overlapping them.")
    var noOverlap = false

    @Flag(name: .long, help: "Store vectors as fp32 instead of fp16.")
    var fp32 = false

    func run() throws {
        let options = IndexingOptions(commitBatchSize: batchSize, overlapsDecoding: !noOverlap, reembedAll: reembed)
        let summary = try failing {
            let catalog = try store.openCatalog(options: CatalogOptions(vectorPrecision: fp32 ? .float32 : .float16), mustExist: false)
            let bar = ProgressRenderer(isTerminal: isatty(STDERR_FILENO) == 1 && !output.json)
            return try catalog.index(folder: URL(fileURLWithPath: folder), options: options, progress: bar.render)
        }
        if output.json {
            try Output.printJSON(summary)
        } else {
            print("layout: \(summary.layout.rawValue) · found \(summary.found) · indexed \(summary.indexed) · reused \(summary.reused)"
                + " · removed \(summary.removed) · skipped \(summary.skipped)")
            print(String(format: "%.1f s (embedding %.1f s, %.2f items/s, %d images)", summary.elapsedSeconds, summary.embeddingSeconds,
                         summary.itemsPerSecond, summary.imagesEncoded))
            if !summary.problems.isEmpty {
                print("problems (\(summary.problems.count)):")
                for problem in summary.problems { print("  \(problem)") }
            }
        }
        if summary.usable == 0 {
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
