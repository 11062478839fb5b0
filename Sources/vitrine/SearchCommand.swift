import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore

/// `vitrine search "text"` / `vitrine search --image FILE`.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search the catalog by free text or by a picture.")

    @Argument(help: "The text to search for.")
    var text: String?

    @Option(name: .long, help: "Search by this image file (JPEG or PNG) instead of text.")
    var image: String?

    @Option(name: .long, help: "fused (default), text (text queries) or image (image queries).")
    var space: Modality = .fused

    @OptionGroup var results: ResultOptions

    @OptionGroup var store: CatalogStoreOption
    @OptionGroup var output: OutputOption

    func validate() throws {
        if (text == nil) == (image == nil) { throw ValidationError("give either a text or --image FILE") }
    }

    func run() throws {
        let options = results.queryOptions()
        let hits = try failing {
            let catalog = try store.openCatalog()
            if let image { return try catalog.search(imageAt: URL(fileURLWithPath: image), space: space, options: options) }
            return try catalog.search(text: text ?? "", space: space, options: options)
        }
        try Output.printHits(hits, json: output.json)
    }
}
