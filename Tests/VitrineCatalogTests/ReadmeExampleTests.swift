import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// The README's "Using Vitrine as a Swift library" sample, compiled and run on a tiny text-only catalog,
/// so the front door's code cannot rot.
@Test func readmeLibraryExampleFindsTheSimilarItem() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-readme-\(UUID().uuidString)")
    let folder = root.appendingPathComponent("items")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: root) }
    let manifest = """
        {"id": "oak-chair", "title": "Oak chair", "description": "A minimalist chair in solid oak wood."}
        {"id": "oak-table", "title": "Oak table", "description": "A minimalist dining table in solid oak wood."}
        {"id": "red-bike", "title": "Red bicycle", "description": "A fast road bicycle painted bright red."}
        """
    try manifest.write(to: folder.appendingPathComponent("items.jsonl"), atomically: true, encoding: .utf8)

    // The README sample, with the paths pointed at the temporary folder.
    let catalog = try Catalog(storeURL: root.appendingPathComponent("catalog.sqlite"))
    let summary = try catalog.index(folder: folder)
    print(summary)
    for hit in try catalog.similarItems(to: "oak-chair", modality: .fused) {
        print(hit.item.title, hit.score)
    }

    let hits = try catalog.similarItems(to: "oak-chair", modality: .fused)
    #expect(hits.first?.item.id == "oak-table")
    #expect(!hits.contains { $0.item.id == "oak-chair" })
}
