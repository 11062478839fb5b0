import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// Where a command's store is when `--store` is not given.
protocol StoreLocation {
    static var defaultPath: String { get }
    /// An environment variable that, when set, replaces `defaultPath` (nil: none).
    static var environmentVariable: String? { get }
}

/// The catalog commands' store: `$VITRINE_STORE`, else `CatalogOptions.defaultStorePath`.
enum CatalogStoreLocation: StoreLocation {
    static var defaultPath: String { CatalogOptions.defaultStorePath }
    static var environmentVariable: String? { "VITRINE_STORE" }
}

/// `--store PATH|URL`: the one store option of every command that opens a store (`Location` sets its default).
struct StoreOption<Location: StoreLocation>: ParsableArguments {
    @Option(name: .customLong("store"),
            help: ArgumentHelp(stringLiteral: "Store: an SQLite file (relative to the working directory) or "
                + "postgres://user[:password]@host:port/database[?schema=name]"
                + (Location.environmentVariable.map { " (default: $\($0), else the file)" } ?? ".")))
    var path: String = Location.environmentVariable.flatMap { ProcessInfo.processInfo.environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        ?? Location.defaultPath

    /// Opens the catalog at `--store`. Commands that read a catalog refuse a missing file instead of
    /// quietly creating an empty store (and then calling every item unknown); only `index` and `demo`
    /// may create one (`mustExist: false`). A `postgres://` URL opens the shared PostgreSQL store
    /// (`Catalog.open(location:)` picks the implementation); its password is never printed. For such a
    /// store, `$VITRINE_INDEX_SNAPSHOT_DIR` names a local folder for its index snapshot (see README).
    func openCatalog(options: CatalogOptions = CatalogOptions(), mustExist: Bool = true) throws -> Catalog {
        if mustExist && !Catalog.isServerLocation(path) && !FileManager.default.fileExists(atPath: path) {
            Output.standardError("error: no store at \(path): run `vitrine index DIR` first, or pass --store PATH")
            throw ExitCode.failure
        }
        var options = options
        if let directory = ProcessInfo.processInfo.environment["VITRINE_INDEX_SNAPSHOT_DIR"], !directory.isEmpty {
            options.indexSnapshotDirectory = directory
        }
        return try Catalog.open(location: path, options: options)
    }
}

/// `--store` of the commands over the catalog store.
typealias CatalogStoreOption = StoreOption<CatalogStoreLocation>

/// `--json`, shared by the query commands.
struct OutputOption: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of a table.")
    var json = false
}

/// How many results a query prints and which tag they must carry (`similar`, `search`).
struct ResultOptions: ParsableArguments {
    @Option(name: .long, help: "Number of results.") var limit = 10
    @Option(name: .long, help: "Only items with this tag.") var tag: String?
    @Flag(name: .long, help: "Scan every item instead of walking the HNSW graph (indexes of 20,000+ items).") var exact = false
    @Option(name: .long, help: "HNSW candidate list size (default 64; larger is slower and closer to exact).") var efSearch: Int?
    @Option(name: .long, help: ImageWeightOption.help) var imageWeight: Float?

    /// The query options these flags describe.
    func queryOptions(categories: Set<String> = [], includeNearDuplicates: Bool = false) -> QueryOptions {
        QueryOptions(limit: limit, tags: tag.map { [$0] } ?? [], categories: categories, includeNearDuplicates: includeNearDuplicates,
                     exact: exact, efSearch: efSearch, imageWeight: imageWeight)
    }
}

/// `--image-weight W` of the commands that rank in the fused space.
struct ImageWeightOption: ParsableArguments {
    static let help = ArgumentHelp("Image weight of fused scores in [0, 1], overriding the weight fitted to the catalog (see `vitrine info`).")
    @Option(name: .long, help: help) var imageWeight: Float?

    /// Catalog options with this override.
    var catalogOptions: CatalogOptions {
        var options = CatalogOptions()
        options.imageWeight = imageWeight
        return options
    }
}

/// `--graph-distances stored|int8` of the commands that build HNSW graphs (`index`, `serve`).
struct GraphDistancesOption: ParsableArguments {
    @Option(name: .long, help: "What the HNSW graphs compare: the stored fp16 rows, or int8 codes of them (faster walks, one more byte per value in memory; hits are re-scored exactly).")
    var graphDistances: String = GraphDistances.stored.rawValue

    func validate() throws {
        guard GraphDistances(rawValue: graphDistances) != nil else {
            throw ValidationError("--graph-distances must be one of \(GraphDistances.allCases.map(\.rawValue).joined(separator: ", ")), got '\(graphDistances)'")
        }
    }

    /// `options` with these graph distances.
    func applied(to options: CatalogOptions) -> CatalogOptions {
        var options = options
        options.approximateSearch.graphDistances = GraphDistances(rawValue: graphDistances) ?? .stored
        return options
    }
}

/// The two-tower flags `train` and `evaluate` share (their epoch and batch defaults differ, so those stay apart).
struct TwoTowerOptions: ParsableArguments {
    @Option(help: "AdamW learning rate.") var learningRate: Float = TrainingConfiguration().learningRate
    @Option(help: "Decoupled weight decay.") var weightDecay: Float = 1e-4
    @Option(help: "Epochs without validation improvement before stopping.") var patience: Int = 3
    @Option(help: "Hidden width of the item tower.") var hidden: Int = 128
    @Option(help: "Embedding width.") var dimension: Int = 64
    @Option(help: "Random seed (same seed, same events → same weights).") var seed: UInt64 = 42
    @Option(help: "User tower: attention (pooling with a learned query), weighted-mean, or sequence (causal self-attention over the newest events, trained on next-event prediction).")
    var userTower: String = "attention"
    @Option(help: "Newest events the sequence user tower reads (in evaluate, of the --max-history newest).") var sequenceLength: Int = TwoTowerConfiguration(pooling: .sequence).sequenceLength
    @Option(help: "Sequence tower: share of training windows that predict held-out events instead of each next event.")
    var sequenceHoldout: Float = TrainingConfiguration().sequenceHoldoutProbability
    @Option(help: "Sequence tower: softmax negatives drawn per batch from the training events, beside the batch's own targets.")
    var sequenceNegatives: Int = TrainingConfiguration().sequenceSampledNegatives

    /// The `--user-tower` choice.
    func pooling() throws -> TwoTowerPooling {
        switch userTower {
        case "attention": return .attention
        case "weighted-mean": return .weightedMean
        case "sequence":
            guard sequenceLength >= 1 else { throw ValidationError("--sequence-length must be at least 1, is \(sequenceLength)") }
            return .sequence
        default: throw ValidationError("unknown --user-tower '\(userTower)' (attention, weighted-mean, sequence)")
        }
    }

    /// Writes the optimizer, stopping and seed flags into `training`.
    func apply(to training: inout TrainingConfiguration) {
        training.learningRate = learningRate
        training.weightDecay = weightDecay
        training.patience = patience
        training.seed = seed
        training.sequenceHoldoutProbability = sequenceHoldout
        training.sequenceSampledNegatives = sequenceNegatives
    }
}

/// The two additions to the trained scores, for `train` and `evaluate`: fitted on validation data
/// (`fit`), turned off, or given. Both favour items with training interactions, so an item added after
/// training ranks below where the towers alone would put it; `off` keeps such items level.
struct ScoreAdditionOptions: ParsableArguments {
    @Option(help: "Two-tower popularity prior: fit (on validation data), off, or WEIGHT,HALF-LENGTH.")
    var popularityPrior: String = "fit"
    @Option(name: .customLong("item-item-blend"), help: "Two-tower EASE term: fit (λ and γ on validation data), off, or GAMMA,LAMBDA.")
    var itemItemBlend: String = "fit"

    /// Refuses a malformed value before any store is opened.
    func validate() throws {
        _ = try givenPrior()
        _ = try givenBlend()
    }

    /// The prior given by `--popularity-prior`, nil for fit.
    func givenPrior() throws -> PopularityPrior? {
        if popularityPrior == "fit" { return nil }
        if popularityPrior == "off" { return .off }
        let parts = popularityPrior.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let weight = parts[0], let half = parts[1], weight >= 0, weight.isFinite, half > 0, half.isFinite else {
            throw ValidationError("--popularity-prior: expected fit, off or WEIGHT,HALF-LENGTH (weight ≥ 0, half-length > 0), got '\(popularityPrior)'")
        }
        return PopularityPrior(weight: weight, halfLength: half)
    }

    /// The blend given by `--item-item-blend`, nil for fit.
    func givenBlend() throws -> ItemItemBlend? {
        if itemItemBlend == "fit" { return nil }
        if itemItemBlend == "off" { return .off }
        let parts = itemItemBlend.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let weight = Float(parts[0]), let lambda = Double(parts[1]), weight >= 0, weight.isFinite,
              lambda > 0, lambda.isFinite else {
            throw ValidationError("--item-item-blend: expected fit, off or GAMMA,LAMBDA (γ ≥ 0, λ > 0), got '\(itemItemBlend)'")
        }
        return ItemItemBlend(weight: weight, lambda: lambda)
    }
}

extension Modality: ExpressibleByArgument {}

/// Output helpers: aligned tables for people, JSON for scripts.
enum Output {
    /// Pushes printed lines out now. Long-running commands (index, train, demo, serve) call it after
    /// progress lines and the server's URL: when stdout is a pipe or a file the C library buffers
    /// whole blocks, and `vitrine demo | tee log` showed the URL only on exit. (`fflush(nil)` flushes
    /// every stream without naming the `stdout` global, which Swift 6 rejects as shared state.)
    static func flush() {
        fflush(nil)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Columns padded to their widest cell; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func truncated(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    /// Prints query hits as a table or JSON.
    static func printHits(_ hits: [CatalogHit], json: Bool) throws {
        if json {
            try printJSON(hits.map(HitJSON.init))
            return
        }
        if hits.isEmpty {
            print("(no matching items)")
            return
        }
        let rows = hits.enumerated().map { rank, hit in
            [String(rank + 1), String(format: "%.3f", hit.score), hit.item.id, truncated(hit.item.title, 40),
             truncated(hit.item.tags.joined(separator: ","), 30) + (hit.duplicates.isEmpty ? "" : "  (+\(hit.duplicates.count) near-duplicate)")]
        }
        print(table(["#", "score", "id", "title", "tags"], rows))
    }

    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A hit as `--json` prints it.
struct HitJSON: Encodable {
    let id: String
    let title: String
    let score: Float
    let tags: [String]
    let category: String?
    let duplicates: [String]

    init(_ hit: CatalogHit) {
        id = hit.item.id
        title = hit.item.title
        score = hit.score
        tags = hit.item.tags
        category = hit.item.category
        duplicates = hit.duplicates
    }
}

/// Turns library errors into a message and exit code 1 instead of a stack of Swift types.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
}

func failing<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as CatalogError {
        Output.standardError("error: \(error.description)")
        throw ExitCode.failure
    }
}
