import ArgumentParser
import Foundation
import VitrineCatalog

/// `vitrine info`: counts, models and store size.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show item counts, models and store size.")

    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    func run() throws {
        let info = try failing { try store.openCatalog().info() }
        if output.json {
            try Output.printJSON(info)
            return
        }
        let rows: [[String]] = [
            ["store", info.storePath],
            ["schema", String(info.schemaVersion)],
            ["items", String(info.itemCount)],
            ["image vectors", String(info.imageVectorCount)],
            ["text vectors", String(info.textVectorCount)],
            ["fused vectors", String(info.fusedVectorCount)],
            ["precision", info.vectorPrecision],
            ["fusion weights", info.fusion.summary],
            ["opened", info.opening],
            ["events", String(info.eventCount)],
            ["size", ByteCountFormatter.string(fromByteCount: info.storeSizeBytes, countStyle: .file)],
        ] + info.models.keys.sorted().map { ["\($0) model", info.models[$0] ?? ""] }
        print(Output.table(["", ""], rows).split(separator: "\n").dropFirst().joined(separator: "\n"))
    }
}
