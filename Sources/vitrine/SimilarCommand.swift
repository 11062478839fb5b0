import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// `vitrine similar ID`: the items most like one item.
struct SimilarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similar", abstract: "Items most similar to an item, by image, text or fused vectors.")

    @Argument(help: "The item id.")
    var id: String

    @Option(name: .long, help: "image, text or fused.")
    var modality: Modality = .fused

    @OptionGroup var results: ResultOptions

    @Option(name: .long, help: "Only items in this category.")
    var category: String?

    @Flag(name: .long, help: "Show near duplicates as separate results.")
    var includeDuplicates = false

    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    func run() throws {
        let hits = try failing {
            try store.openCatalog().similarItems(to: id, modality: modality, options: results.queryOptions(
                categories: category.map { [$0] } ?? [], includeNearDuplicates: includeDuplicates))
        }
        try Output.printHits(hits, json: output.json)
    }
}
