import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// `vitrine evaluate`: ranking metrics of random, popularity, content similarity and the trained
/// two-tower model on split files (benchmarks/movielens/README.md rules), peers beside them.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate recommenders on split files (random, temporal, cold-item, cold-user) with peers beside them.")

    @Option(help: "Items JSONL (line order = tie-break order).") var items: String
    @Option(help: "Folder with <protocol>/{train,test}.csv.") var splits: String
    @Option(name: .customLong("protocol"), help: "random, temporal, cold-item, cold-user or all.") var protocolName: String = "all"
    @Option(help: "Comma-separated methods: random,popularity,content,ease,item-knn,two-tower.")
    var methods: String = "random,popularity,content,ease,item-knn,two-tower"
    @Option(help: "EASE λ values tried on the validation slice (comma-separated).") var easeLambdas: String = "50,200,500,1000,3000"
    @Option(help: "Item-kNN neighbour counts tried on the validation slice (comma-separated).") var knnNeighbours: String = "20,50,100,200,500"
    @Option(help: "peers.json to show beside (default: next to the splits folder).") var peers: String?
    @Option(help: "Folder for the text-vector cache.") var cacheDirectory: String = "/tmp"
    // Two-tower defaults: the configuration picked on the random protocol's validation slice
    // (benchmarks/movielens/RESULTS.md); with --validation-users 0 every run trains exactly `epochs`.
    @Option(help: "Maximum training epochs.") var epochs: Int = 8
    @Option(help: "Batch size.") var batchSize: Int = 256
    @Option(help: "Softmax temperature.") var temperature: Float = 0.1
    @Option(help: "Probability of dropping an item's ID embedding in training (DropoutNet).") var idDropout: Float = 0.5
    @Option(help: "Most recent history items a user tower pools.") var maxHistory: Int = TrainingConfiguration().maxHistoryLength
    @OptionGroup var tower: TwoTowerOptions
    @Option(help: "Share of training users held out for early stopping (0: no early stopping, the last epoch is kept).")
    var validationUsers: Double = 0
    @Flag(name: .customLong("logq-correction"), inversion: .prefixedNo,
          help: "Subtract log(sampling probability) of in-batch negatives (Yi et al. 2019).") var logQCorrection = true
    @Option(name: .customLong("logq-weight"), help: "Multiplier of the logQ correction (1: full-softmax estimate; > 1 keeps extra popularity).")
    var logQWeight: Float = TrainingConfiguration().logQWeight
    @OptionGroup var additions: ScoreAdditionOptions
    @Flag(help: "Tune mode: evaluate on a validation slice of each protocol's train.csv, shaped like the protocol (test files unread).") var validation = false
    @Option(help: "Write all rows as JSON here.") var jsonOut: String?

    func run() throws {
        let started = Date()
        let catalog = try EvaluationData.items(at: URL(fileURLWithPath: items))
        let evaluator = SplitEvaluator(items: catalog)
        let provider = try EncoderProvider.pretrained()
        let text = try EvaluationTextCache.vectors(for: catalog, modelID: provider.textModelID, dimension: provider.textDimension,
                                                   cacheDirectory: URL(fileURLWithPath: cacheDirectory), encoder: provider.makeTextEncoder)
        report("text vectors: \(catalog.count) items \(text.cached ? "from cache" : "embedded") (\(elapsed(started)))")
        let names = protocolName == "all" ? EvaluationData.protocols : [protocolName]
        let wanted = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var training = TrainingConfiguration()
        training.maxEpochs = epochs
        training.batchSize = batchSize
        training.temperature = temperature
        training.idDropoutProbability = idDropout
        training.maxHistoryLength = maxHistory
        tower.apply(to: &training)
        training.validationUserFraction = validationUsers
        training.logQCorrection = logQCorrection
        training.logQWeight = logQWeight
        let userPooling = try tower.pooling()
        var rows: [EvaluationRow] = []
        for name in names {
            var split = try EvaluationData.split(name, in: URL(fileURLWithPath: splits))
            if validation { split = split.protocolValidationSlice() }
            let views = EvaluationView.views(of: split, indexOf: evaluator.indexOf)
            for method in wanted {
                let fitStart = Date()
                let scorer: EvaluationScorer
                var note: String?
                switch method {
                case "ease", "item-knn":
                    let grid = try Self.grid(method == "ease" ? easeLambdas : knnNeighbours, option: method == "ease" ? "--ease-lambdas" : "--knn-neighbours")
                    func fit(_ split: EvaluationSplit, _ value: Double) throws -> EvaluationScorer {
                        method == "ease"
                            ? try EvaluationMethods.ease(split: split, indexOf: evaluator.indexOf, itemCount: catalog.count, lambda: value)
                            : try EvaluationMethods.itemKNN(split: split, indexOf: evaluator.indexOf, itemCount: catalog.count, neighbours: Int(value))
                    }
                    let tuning = try EvaluationMethods.tuned(grid, split: split, evaluator: evaluator, fit: fit)
                    let chosen = "\(method == "ease" ? "λ" : "k") = \(tuning.best.formatted()) (validation NDCG@10 "
                        + grid.map { "\($0.formatted()): " + String(format: "%.4f", tuning.ndcg[$0] ?? 0) }.joined(separator: ", ") + ")"
                    report("  [\(name)] \(method) \(chosen)")
                    note = chosen
                    scorer = try fit(split, tuning.best)
                case "random": scorer = EvaluationMethods.random(itemCount: catalog.count)
                case "popularity": scorer = EvaluationMethods.popularity(split: split, indexOf: evaluator.indexOf, itemCount: catalog.count)
                case "content": scorer = EvaluationMethods.content(vectors: text.vectors, indexOf: evaluator.indexOf)
                case "two-tower":
                    func train(_ split: EvaluationSplit, label: String) throws -> (EvaluationMethods.TwoTowerScoring) -> EvaluationScorer {
                        try EvaluationMethods.twoTower(
                            split: split, vectors: text.vectors, indexOf: evaluator.indexOf, configuration: training,
                            hiddenDimension: tower.hidden, embeddingDimension: tower.dimension, pooling: userPooling,
                            sequenceLength: tower.sequenceLength) { epoch in
                            let recall = epoch.validationRecall.map { String(format: "%.4f", $0) } ?? "—"
                            report("  [\(label)] epoch \(epoch.epoch) loss \(String(format: "%.4f", Double(epoch.trainLoss))) val recall@10 \(recall)"
                                   + "\(epoch.isBest ? " *" : "") (\(elapsed(started)))")
                        }.scorer
                    }
                    let givenPrior = try additions.givenPrior(), givenBlend = try additions.givenBlend()
                    var scoring = EvaluationMethods.TwoTowerScoring(prior: givenPrior ?? .off, itemItem: givenBlend ?? .off)
                    var notes: [String] = []
                    if givenPrior == nil || givenBlend == nil {
                        let tuning = try EvaluationMethods.tunedTwoTowerScoring(
                            split: split, evaluator: evaluator, itemCount: catalog.count, prior: givenPrior, fitsItemItem: givenBlend == nil) {
                            try train($0, label: "\(name) validation")
                        }
                        scoring.prior = tuning.prior
                        if givenBlend == nil { scoring.itemItem = tuning.itemItem }
                        if givenPrior == nil {
                            notes.append("popularity prior \(tuning.prior) (validation NDCG@10 "
                                         + PopularityPrior.grid.map { "\($0): " + String(format: "%.4f", tuning.priorNDCG[$0] ?? 0) }.joined(separator: "; ") + ")")
                        }
                        if givenBlend == nil {
                            let tried = tuning.itemItemNDCG.sorted { ($0.key.lambda, $0.key.weight) < ($1.key.lambda, $1.key.weight) }
                            notes.append("EASE term \(tuning.itemItem) (validation NDCG@10 "
                                         + tried.map { "\($0.key): " + String(format: "%.4f", $0.value) }.joined(separator: "; ") + ")")
                        }
                        for line in notes { report("  [\(name)] two-tower \(line)") }
                    }
                    if givenPrior != nil { notes.append("popularity prior \(scoring.prior) (given)") }
                    if givenBlend != nil { notes.append("EASE term \(scoring.itemItem) (given)") }
                    note = notes.joined(separator: "; ")
                    scoring.term = try EvaluationMethods.itemItemTerm(scoring.itemItem, split: split, indexOf: evaluator.indexOf,
                                                                      itemCount: catalog.count)
                    scorer = try train(split, label: name)(scoring)
                default: throw ValidationError("unknown method '\(method)' (random, popularity, content, ease, item-knn, two-tower)")
                }
                let fit = Date().timeIntervalSince(fitStart)
                for view in views {
                    if split.name == "cold-item", method == "ease" || method == "item-knn" {
                        // Every relevant item is one no training user consumed: an item–item model scores it 0.
                        rows.append(.noSignal(view: view.name, method: method, fitSeconds: fit,
                                              reason: "no signal: cold items have no training interactions"))
                        continue
                    }
                    var row = try evaluator.evaluate(view, method: method, fitSeconds: fit, scorer: scorer)
                    row.note = note
                    rows.append(row)
                    report("\(view.name) \(method): " + ["recall@20", "ndcg@10", "auc"].map { "\($0) \(String(format: "%.4f", row.metrics[$0] ?? 0))" }.joined(separator: " ") + " (\(elapsed(started)))")
                }
            }
        }
        let peerRows = validation ? [:] : loadPeers()
        // The popularity rule is shared with peers.py: its rows must agree to rounding.
        for row in rows where row.method == "popularity" {
            guard let peer = peerRows[row.view]?["popularity"] else { continue }
            let difference = EvaluationTable.columns.map { abs((row.metrics[$0] ?? 0) - (peer[$0] ?? .infinity)) }.max() ?? 0
            report("popularity vs peers.json on \(row.view): max |difference| \(difference)")
        }
        print(EvaluationTable.markdown(rows: rows, peers: peerRows))
        if let jsonOut {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: jsonOut))
        }
        report("total \(elapsed(started))")
    }

    static func grid(_ text: String, option: String) throws -> [Double] {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw ValidationError("\(option): give positive numbers separated by commas, got '\(text)'") }
        return values.compactMap { $0 }
    }

    func loadPeers() -> [String: [String: [String: Double]]] {
        let url = peers.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: splits).deletingLastPathComponent().appendingPathComponent("peers.json")
        guard let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let results = object["results"] as? [String: [String: [String: Any]]] else { return [:] }
        return results.mapValues { methods in methods.mapValues { $0.compactMapValues { ($0 as? NSNumber)?.doubleValue } } }
    }
}

private func elapsed(_ start: Date) -> String { String(format: "%.1f s", Date().timeIntervalSince(start)) }
private func report(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

/// Markdown tables: one per view, Vitrine's rows then the peers'.
enum EvaluationTable {
    static let columns = ["recall@10", "recall@20", "ndcg@10", "map@10", "hit@10", "auc", "coverage@10", "coverage@20"]

    static func markdown(rows: [EvaluationRow], peers: [String: [String: [String: Double]]]) -> String {
        var out = ""
        var views: [String] = []
        for row in rows where !views.contains(row.view) { views.append(row.view) }
        for view in views {
            out += "#### \(view)\n\n| method | users | Recall@10 | Recall@20 | NDCG@10 | MAP@10 | HR@10 | AUC | Cov@10 | Cov@20 | fit s |\n"
            out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for row in rows where row.view == view {
                if row.metrics.isEmpty, let note = row.note {
                    out += "| vitrine \(row.method) | — | \(note) |" + String(repeating: " |", count: columns.count - 1) + String(format: " %.1f |\n", row.fitSeconds)
                    continue
                }
                out += "| vitrine \(row.method) | \(row.users) | " + columns.map { String(format: "%.4f", row.metrics[$0] ?? 0) }.joined(separator: " | ")
                    + String(format: " | %.1f |\n", row.fitSeconds)
            }
            for row in rows where row.view == view && !row.metrics.isEmpty {
                if let note = row.note { out += "\n`\(row.method)`: \(note)\n" }
            }
            for (method, metrics) in (peers[view] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out += "| peer \(method) | \(Int(metrics["users"] ?? 0)) | " + columns.map { String(format: "%.4f", metrics[$0] ?? 0) }.joined(separator: " | ")
                    + String(format: " | %.1f |\n", metrics["fit_seconds"] ?? 0)
            }
            out += "\n"
        }
        return out
    }
}
