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

    @Test func interactionsAreImportedOnceSkippingUnknownItemsAndKinds() throws {
        let fixture = try ServerFixture.shared.get()
        let demo = DemoCatalog(folder: fixture.folder)
        let first = try demo.importInteractions(into: fixture.catalog)
        let second = try demo.importInteractions(into: fixture.catalog)
        #expect(first == 2)
        #expect(second == 0)
        #expect(try fixture.catalog.store.events(for: "csv-user").map(\.itemID).sorted() == ["baby-tux", "cocktail"])
    }
}
