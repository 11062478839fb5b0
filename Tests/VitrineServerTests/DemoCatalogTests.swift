import Foundation
import Testing
import VitrineServer

@Suite struct DemoCatalogTests {
    @Test func demoFolderIsFoundFromTheWorkingDirectoryOrTheEnvironment() throws {
        let found = try DemoCatalog.locate()
        #expect(FileManager.default.fileExists(atPath: found.folder.appendingPathComponent("items.jsonl").path))
        let viaEnvironment = try DemoCatalog.locate(environment: ["VITRINE_ASSETS": found.folder.deletingLastPathComponent().path], currentDirectory: "/")
        #expect(viaEnvironment.folder.standardizedFileURL == found.folder.standardizedFileURL)
        #expect(throws: DemoError.self) { try DemoCatalog.locate(environment: ["VITRINE_ASSETS": "/nonexistent"], currentDirectory: "/") }
        #expect(try found.personas().contains { $0.id == "gardener" && !$0.users.isEmpty })
    }

    @Test func interactionsAreImportedOnceSkippingUnknownItemsAndKindsAndReplacedWhenTheFileChanges() throws {
        let fixture = try ServerFixture.shared.get()
        let demo = DemoCatalog(folder: fixture.folder)
        let first = try demo.importInteractions(into: fixture.catalog)
        let second = try demo.importInteractions(into: fixture.catalog)
        #expect(first == 2)
        #expect(second == 0)
        #expect(try fixture.catalog.history(for: "csv-user").map(\.item).sorted() == ["baby-tux", "cocktail"])

        // A rebuilt interactions file replaces the synthetic users' histories; it does not double them.
        let file = fixture.folder.appendingPathComponent("interactions.csv")
        let original = try String(contentsOf: file, encoding: .utf8)
        defer { try? original.write(to: file, atomically: true, encoding: .utf8) }
        try (original + "csv-user,toadstool,like,1,2026-09-04T16:03:16Z\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try demo.importInteractions(into: fixture.catalog) == 3)
        #expect(try fixture.catalog.history(for: "csv-user").map(\.item).sorted() == ["baby-tux", "cocktail", "toadstool"])
    }
}
