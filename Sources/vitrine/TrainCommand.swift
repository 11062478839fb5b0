import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// `vitrine train`: trains the two-tower model on the stored events and saves it in the store.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the two-tower model on stored events (validation split, early stopping); recommend then uses it.")

    @OptionGroup var store: CatalogStoreOption
    @Option(help: "Maximum epochs.") var epochs: Int = 30
    @Option(help: "Batch size.") var batchSize: Int = 128
    @OptionGroup var tower: TwoTowerOptions
    @Flag(help: "Content towers only (no per-item ID embeddings).") var noItemIDs = false
    @OptionGroup var additions: ScoreAdditionOptions

    func run() throws {
        let catalog = try store.openCatalog()
        var training = TrainingConfiguration()
        training.maxEpochs = epochs
        training.batchSize = batchSize
        tower.apply(to: &training)
        let options = CatalogTrainingOptions(training: training, hiddenDimension: tower.hidden, embeddingDimension: tower.dimension,
                                             pooling: try tower.pooling(), sequenceLength: tower.sequenceLength, usesItemIDs: !noItemIDs, popularityPrior: try additions.givenPrior(),
                                             itemItemBlend: try additions.givenBlend())
        let tty = isatty(STDOUT_FILENO) != 0
        let started = Date()
        let result = try catalog.train(options: options) { epoch in
            let recall = epoch.validationRecall.map { String(format: "%.4f", $0) } ?? "—"
            let line = "epoch \(epoch.epoch)/\(epochs)  loss \(String(format: "%.4f", Double(epoch.trainLoss)))"
                + "  val recall@\(training.recallK) \(recall)\(epoch.isBest ? " *" : "")  \(Int(Date().timeIntervalSince(started))) s"
            if tty {
                let width = 24, done = min(width, epoch.epoch * width / max(1, epochs))
                let bar = String(repeating: "█", count: done) + String(repeating: "░", count: width - done)
                FileHandle.standardOutput.write(Data("\r\u{1B}[2K[\(bar)] \(line)\(epoch.isBest ? "" : "")\n".utf8))
            } else {
                print(line)
                Output.flush()
            }
        }
        let best = result.report.bestValidationRecall.map { String(format: "%.4f", $0) } ?? "—"
        print("trained on \(result.eventCount) positive events of \(result.userCount) users in \(String(format: "%.1f", result.seconds)) s;"
              + " best epoch \(result.report.bestEpoch) (val recall \(best))\(result.report.stoppedEarly ? ", stopped early" : "");"
              + " popularity prior \(result.popularityPrior); EASE term \(result.itemItemBlend)"
              + (result.itemItemSkipped.map { " (not fitted: \($0))" } ?? "") + "; saved as revision \(result.revision)")
    }
}
