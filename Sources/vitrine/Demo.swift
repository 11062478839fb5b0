import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineCore
import VitrineServer

/// `vitrine demo`: index the bundled demo catalog (once), import its synthetic events (once), show a few
/// results on the terminal, then serve the web page.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Index assets/demo into a local store if needed, show sample results and serve the web page.")

    @OptionGroup var store: StoreOption<DemoStoreLocation>

    @Option(help: "Persona whose first synthetic user gets sample recommendations (see assets/demo/personas.json).")
    var persona = "gardener"

    @Option(help: "Item whose similar items are shown.")
    var item = "baby-tux"

    @Flag(help: "Prepare and print, but do not start the server.")
    var noServe = false

    @OptionGroup var server: ServerFlags

    func run() async throws {
        let demo = try DemoCatalog.locate()
        // Flags first: a refused --host or a bad key file should not wait for the demo to be indexed.
        let configuration = try server.configuration(mediaRoot: demo.folder)
        let catalog = try store.openCatalog(mustExist: false)
        print("Demo catalog: \(demo.folder.path)")
        var lastReport = Date.distantPast
        let summary = try demo.index(into: catalog) { progress in
            guard progress.phase == .embedding, Date().timeIntervalSince(lastReport) > 2 || progress.completed == progress.total else { return }
            lastReport = Date()
            print("  embedding \(progress.completed)/\(progress.total)…")
            Output.flush()
        }
        print("Indexed: \(summary.indexed) new or changed, \(summary.reused) unchanged, \(summary.problems.count) problems "
              + "(\(String(format: "%.1f", summary.elapsedSeconds)) s). Store: \(catalog.storeLocation)")
        let imported = try demo.importInteractions(into: catalog)
        print(imported > 0 ? "Imported \(imported) synthetic demo events." : "Demo events already imported.")

        let service = VitrineServer(catalog: catalog, configuration: configuration)
        if let chosen = try demo.personas().first(where: { $0.id == persona }), let user = chosen.users.first {
            print("\nRecommendations for \(user) (\(chosen.name), likes \(chosen.likedCategories.joined(separator: ", "))):")
            for (rank, line) in try service.sampleRecommendations(for: user, limit: 5).enumerated() { print("  \(rank + 1). \(line)") }
        } else {
            print("\nNo persona '\(persona)' in personas.json.")
        }
        if let seed = catalog.item(item) ?? catalog.items(limit: 1).first {
            print("\nSimilar to \(seed.title) [\(seed.id)] (fused):")
            for hit in try catalog.similarItems(to: seed.id, limit: 5) {
                print("  \(String(format: "%.3f", hit.score))  \(hit.item.title) [\(hit.item.id)]")
            }
        }
        guard !noServe else { return }
        print("\nOpen http://\(service.configuration.host):\(service.configuration.port)/ (Ctrl-C stops the server)")
        print(ServerFlags.accessSummary(configuration))
        Output.flush()
        try await service.run()
    }
}

/// The demo keeps its own store, apart from a catalog indexed with `vitrine index`.
enum DemoStoreLocation: StoreLocation {
    static var defaultPath: String { "vitrine-store/demo.sqlite" }
    /// `VITRINE_STORE` names the real catalog; the demo never writes its items there.
    static var environmentVariable: String? { nil }
}
