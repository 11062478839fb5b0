import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// The three folder layouts are detected and read into the same items.
@Suite struct LayoutTests {
    @Test func pairsByBaseNameAreIndexedWithTheirTextAndJSON() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/lamp.jpg", try Fixtures.photo("tripod"))
        try folder.write("catalog/lamp.txt", "title: Desk lamp\ntags: light, desk\n\nA small lamp for reading.")
        try folder.write("catalog/mug.png.txt", "ignored base name mug.png")
        try folder.write("catalog/cup.jpg", try Fixtures.photo("espresso"))
        try folder.write("catalog/cup.json", #"{"title": "Cup", "description": "Espresso cup", "tags": ["coffee"], "price": 4.5, "category": "kitchen"}"#)
        try folder.write("catalog/star.jpg", try Fixtures.photo("deep_field"))
        try folder.write("catalog/poem.md", "Roses are red.")
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.layout == .pairs)
        #expect(summary.indexed == 5 && summary.skipped == 0, "\(summary.problems)")
        let lamp = try #require(catalog.item("lamp"))
        #expect(lamp.title == "Desk lamp" && lamp.tags == ["light", "desk"] && lamp.description == "A small lamp for reading.")
        #expect(lamp.hasImage && lamp.hasText && lamp.sourcePaths == ["lamp.jpg", "lamp.txt"])
        let cup = try #require(catalog.item("cup"))
        #expect(cup.category == "kitchen" && cup.metadata["price"] == "4.5" && cup.tags == ["coffee"])
        let star = try #require(catalog.item("star"))
        #expect(star.hasImage && !star.hasText, "an image-only item has no text vector")
        let poem = try #require(catalog.item("poem"))
        #expect(!poem.hasImage && poem.hasText, "a text-only item has no image vector")
        #expect(catalog.item("mug.png") != nil && catalog.item("mug.png")?.hasImage == false)
    }

    @Test func oneSubfolderPerItemPoolsItsImages() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/rocket/a.jpg", try Fixtures.photo("rocket"))
        try folder.write("catalog/rocket/b.jpg", try Fixtures.photo("shuttle_model"))
        try folder.write("catalog/rocket/description.txt", "A rocket on the pad.")
        try folder.write("catalog/rocket/item.json", #"{"title": "Rocket", "tags": ["space"]}"#)
        try folder.write("catalog/cat/cat.jpg", try Fixtures.photo("cat"))
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.layout == .subfolders)
        #expect(summary.indexed == 2 && summary.imagesEncoded == 3)
        let rocket = try #require(catalog.item("rocket"))
        #expect(rocket.title == "Rocket" && rocket.description == "A rocket on the pad." && rocket.tags == ["space"])
        #expect(rocket.sourcePaths.filter { $0.hasSuffix(".jpg") } == ["rocket/a.jpg", "rocket/b.jpg"])
        // Pooled: the mean of the two unit image vectors, renormalized.
        let a = try GridImageEncoder().embed(batch: [GridImageEncoder().tensor(fromFileBytes: [UInt8](Fixtures.photo("rocket")), name: "a")])[0]
        let b = try GridImageEncoder().embed(batch: [GridImageEncoder().tensor(fromFileBytes: [UInt8](Fixtures.photo("shuttle_model")), name: "b")])[0]
        let sum = zip(a, b).map { $0 + $1 }
        let norm = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let stored = try #require(catalog.vectors(for: "rocket")?.image)
        #expect(zip(stored, sum.map { $0 / norm }).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func jsonlManifestWithArbitraryMetadata() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/pics/cat.jpg", try Fixtures.photo("cat"))
        try folder.write("catalog/pics/helmet.jpg", try Fixtures.photo("helmet"))
        try folder.write("catalog/items.jsonl", """
            {"id": "cat", "title": "Cat", "description": "A tabby", "images": ["pics/cat.jpg"], "tags": ["pet"], "category": "animals", "shelter": "north"}
            {"id": "helmet", "title": "Helmet", "image": "pics/helmet.jpg", "tags": "gear; safety", "year": 1969}

            {"id": "note", "title": "Just text", "description": "No picture at all"}
            """)
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.layout == .manifest && summary.indexed == 3, "\(summary.problems)")
        let cat = try #require(catalog.item("cat"))
        #expect(cat.metadata == ["shelter": "north"] && cat.category == "animals" && cat.hasImage)
        #expect(catalog.item("helmet")?.tags == ["gear", "safety"] && catalog.item("helmet")?.metadata["year"] == "1969")
        #expect(catalog.item("note")?.hasImage == false && catalog.item("note")?.hasText == true)
    }

    @Test func csvManifestWithQuotedFields() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/a.jpg", try Fixtures.photo("retina"))
        try folder.write("catalog/b.jpg", try Fixtures.photo("tripod"))
        try folder.write("catalog/items.csv", """
            id,title,description,images,tags,colour
            eye,"Eye, close up","An ""iris"" photo
            on two lines",a.jpg,"medical,eye",brown
            stand,Tripod,Camera stand,a.jpg;b.jpg,photo,black
            """)
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.layout == .manifest && summary.indexed == 2, "\(summary.problems)")
        let eye = try #require(catalog.item("eye"))
        #expect(eye.title == "Eye, close up" && eye.description == "An \"iris\" photo\non two lines")
        #expect(eye.tags == ["medical", "eye"] && eye.metadata == ["colour": "brown"])
        #expect(catalog.item("stand")?.sourcePaths.prefix(2) == ["a.jpg", "b.jpg"])
    }

    @Test func demoCatalogIndexes() throws {
        let folder = try TemporaryDirectory()
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: Fixtures.demo)
        #expect(summary.layout == .manifest)
        #expect(summary.found >= 300 && summary.indexed == summary.found && summary.skipped == 0, "\(summary.problems.prefix(5))")
        #expect(catalog.count == summary.found)
    }
}
