import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// Similar items and search: the item itself is never returned, filters and near-duplicate folding apply,
/// items added or removed through the API are visible at once.
@Suite struct QueryTests {
    static func indexedCatalog() throws -> (TemporaryDirectory, Catalog) {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/items.jsonl", """
            {"id": "cat", "title": "Cat", "description": "a striped cat sleeping", "image": "cat.jpg", "tags": ["pet"], "category": "animals"}
            {"id": "cat-copy", "title": "Cat", "description": "a striped cat sleeping", "image": "cat.jpg", "tags": ["pet"], "category": "animals"}
            {"id": "rocket", "title": "Rocket", "description": "a rocket launch into space", "image": "rocket.jpg", "tags": ["space"], "category": "vehicles"}
            {"id": "shuttle", "title": "Shuttle", "description": "a model of the space shuttle", "image": "shuttle.jpg", "tags": ["space", "model"], "category": "vehicles"}
            {"id": "coffee", "title": "Coffee", "description": "espresso in a cup", "image": "espresso.jpg", "tags": ["drink"], "category": "food"}
            {"id": "tea", "title": "Tea", "description": "a cup of green tea", "tags": ["drink"], "category": "food"}
            """)
        for (file, photo) in [("cat.jpg", "cat"), ("rocket.jpg", "rocket"), ("shuttle.jpg", "shuttle_model"), ("espresso.jpg", "espresso")] {
            try folder.write("catalog/\(file)", try Fixtures.photo(photo))
        }
        let catalog = try Catalog.testing(in: folder)
        _ = try catalog.index(folder: folder.path("catalog"))
        return (folder, catalog)
    }

    @Test func similarItemsNeverReturnTheItemItselfAndFoldNearDuplicates() throws {
        let (folder, catalog) = try Self.indexedCatalog()
        defer { withExtendedLifetime(folder) {} }
        for modality in Modality.allCases {
            let hits = try catalog.similarItems(to: "rocket", modality: modality, limit: 10)
            #expect(!hits.contains { $0.item.id == "rocket" }, "\(modality)")
            #expect(hits.map(\.score) == hits.map(\.score).sorted(by: >))
        }
        let folded = try catalog.similarItems(to: "rocket", modality: .fused, limit: 10)
        let cat = try #require(folded.first { $0.item.id == "cat" || $0.item.id == "cat-copy" })
        #expect(cat.duplicates.count == 1 && !folded.contains { $0.item.id == cat.duplicates[0] })
        let unfolded = try catalog.similarItems(to: "rocket", modality: .fused, limit: 10, includeNearDuplicates: true)
        #expect(unfolded.contains { $0.item.id == "cat" } && unfolded.contains { $0.item.id == "cat-copy" })
    }

    @Test func filtersRestrictResults() throws {
        let (folder, catalog) = try Self.indexedCatalog()
        defer { withExtendedLifetime(folder) {} }
        let space = try catalog.similarItems(to: "cat", modality: .fused, limit: 10, tag: "space")
        #expect(Set(space.map(\.item.id)) == ["rocket", "shuttle"])
        let food = try catalog.similarItems(to: "cat", modality: .text, limit: 10, category: "food")
        #expect(Set(food.map(\.item.id)) == ["coffee", "tea"])
    }

    @Test func imageSimilarityOfATextOnlyItemIsAnError() throws {
        let (folder, catalog) = try Self.indexedCatalog()
        defer { withExtendedLifetime(folder) {} }
        #expect(throws: CatalogError.missingVector(id: "tea", modality: "image")) {
            try catalog.similarItems(to: "tea", modality: .image)
        }
        #expect(throws: CatalogError.unknownItem(id: "nope")) { try catalog.similarItems(to: "nope") }
        // The text-only item is still reachable in the fused space.
        #expect(try catalog.similarItems(to: "coffee", modality: .fused, limit: 10).contains { $0.item.id == "tea" })
    }

    @Test func searchByTextAndByImage() throws {
        let (folder, catalog) = try Self.indexedCatalog()
        let text = try catalog.search(text: "green tea", space: .text, options: QueryOptions(limit: 1))
        #expect(text.first?.item.id == "tea")
        let image = try catalog.search(imageAt: folder.path("catalog/espresso.jpg"), space: .image, options: QueryOptions(limit: 1))
        #expect(image.first?.item.id == "coffee" && abs((image.first?.score ?? 0) - 1) < 1e-5)
        #expect(throws: CatalogError.self) { try catalog.search(text: "  ") }
        #expect(throws: CatalogError.self) { try catalog.search(imageData: Data("junk".utf8)) }
    }

    @Test func addedItemsAreSearchableAtOnceAndRemovedOnesVanish() throws {
        let (folder, catalog) = try Self.indexedCatalog()
        defer { withExtendedLifetime(folder) {} }
        let added = try catalog.addItem(NewItem(Item(id: "telescope", title: "Telescope", description: "deep field of galaxies",
                                                tags: ["space"]), images: [try Fixtures.photo("deep_field")]))
        #expect(added.hasImage && added.hasText)
        #expect(try catalog.search(text: "galaxies deep field", space: .text, options: QueryOptions(limit: 1)).first?.item.id == "telescope")
        #expect(throws: CatalogError.duplicateItem(id: "telescope")) {
            try catalog.addItem(NewItem(Item(id: "telescope", description: "again")), replacing: false)
        }
        #expect(try catalog.removeItem("telescope"))
        #expect(catalog.item("telescope") == nil)
        #expect(try catalog.search(text: "galaxies deep field", space: .text, options: QueryOptions(limit: 10)).allSatisfy { $0.item.id != "telescope" })
        let reopened = try Catalog(storeURL: catalog.storeURL, options: catalog.options)
        #expect(reopened.item("telescope") == nil && reopened.count == 6, "\(reopened.items().map(\.id))")
    }

    @Test func concurrentReadersDuringWrites() async throws {
        let (folder, catalog) = try Self.indexedCatalog()
        defer { withExtendedLifetime(folder) {} }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for reader in 0..<4 {
                group.addTask {
                    for _ in 0..<50 { _ = try catalog.similarItems(to: reader % 2 == 0 ? "cat" : "rocket", modality: .fused, limit: 3) }
                }
            }
            group.addTask {
                for index in 0..<10 { try catalog.addItem(NewItem(Item(id: "extra-\(index)", description: "extra item \(index)"))) }
            }
            try await group.waitForAll()
        }
        #expect(catalog.count == 16)
    }
}
