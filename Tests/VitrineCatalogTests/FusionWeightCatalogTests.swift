import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// The catalog fits its fusion weight when it indexes, keeps it in the store, and lets a process
/// or a single query override it.
@Suite struct FusionWeightCatalogTests {
    /// Four items per photo, the photo naming the category; the descriptions are words unrelated to it,
    /// so only pictures tell the categories apart.
    static func makeFolder() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        let words = ["amber", "basalt", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper", "kelp", "lagoon"]
        var generator = SplitMix64(seed: 11)
        for name in Fixtures.photoNames {
            for copy in 1...4 {
                let text = (0..<4).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
                try folder.write("catalog/\(name)-\(copy).jpg", try Fixtures.photo(name))
                try folder.write("catalog/\(name)-\(copy).txt", "category: \(name)\n\(text)")
            }
        }
        return folder
    }

    @Test func indexingFitsTheWeightOnCategoriesAndTheStoreKeepsIt() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        _ = try catalog.index(folder: folder.path("catalog"))
        let fit = catalog.fusionWeightFit
        #expect(fit.source == .categories && fit.weights.image > 0.5, "\(fit.summary)")
        #expect(fit.queryCount == 36 && (fit.precision ?? 0) > (fit.balancedPrecision ?? 1), "\(fit.summary)")
        #expect(try catalog.info().fusion == fit)

        let reopened = try Catalog.testing(in: folder)
        #expect(reopened.fusionWeightFit == fit)
        // Fused scores use the fitted weight: w·cos_img + (1 − w)·cos_txt.
        let hit = try #require(try reopened.similarItems(to: "cat-1", options: QueryOptions(limit: 1, includeNearDuplicates: true)).first)
        let seed = try #require(reopened.vectors(for: "cat-1")), other = try #require(reopened.vectors(for: hit.item.id))
        let w = fit.weights.image
        let expected = w * dot(seed.image!, other.image!) + (1 - w) * dot(seed.text!, other.text!)
        #expect(abs(hit.score - expected) < 2e-3, "\(hit.score) vs \(expected)")
    }

    @Test func aProcessOrAQueryCanOverrideTheFittedWeight() throws {
        let folder = try Self.makeFolder()
        _ = try Catalog.testing(in: folder).index(folder: folder.path("catalog"))
        var options = CatalogOptions(encoders: .testing(), vectorPrecision: .float32)
        options.imageWeight = 0
        let textOnly = try Catalog(storeURL: folder.path("store/catalog.sqlite"), options: options)
        #expect(textOnly.fusionWeightFit.source == .override && textOnly.fusionWeightFit.weights.image == 0)
        #expect(textOnly.fusionWeightFit.summary.contains("--image-weight"))
        let fused = try textOnly.similarItems(to: "cat-1", options: QueryOptions(limit: 5, includeNearDuplicates: true))
        let text = try textOnly.similarItems(to: "cat-1", modality: .text, options: QueryOptions(limit: 5, includeNearDuplicates: true))
        #expect(zip(fused, text).allSatisfy { abs($0.score - $1.score) < 1e-4 }, "image weight 0 ranks by text cosine")

        let catalog = try Catalog.testing(in: folder)
        let perQuery = try catalog.similarItems(to: "cat-1", options: QueryOptions(limit: 5, includeNearDuplicates: true, imageWeight: 0))
        #expect(zip(perQuery, text).allSatisfy { abs($0.score - $1.score) < 1e-4 })
        #expect(throws: CatalogError.self) { try catalog.similarItems(to: "cat-1", options: QueryOptions(imageWeight: 1.5)) }
        options.imageWeight = -1
        #expect(throws: CatalogError.self) { try Catalog(storeURL: folder.path("store/catalog.sqlite"), options: options) }
    }

    @Test func aCatalogBuiltThroughTheAPIIsFittedAsItGrows() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        for name in Fixtures.photoNames {
            for copy in 1...4 {
                let item = Item(id: "\(name)-\(copy)", description: "item \(copy)", category: name)
                try catalog.addItem(NewItem(item, images: [try Fixtures.photo(name)]))
            }
        }
        // Refits happen at every tenth of growth (at least 10 items); the first with 30 queries uses categories.
        let fit = catalog.fusionWeightFit
        #expect(fit.source == .categories && fit.itemCount >= 30, "\(fit.summary)")
        let imageOnly = try #require(fit.grid.last), textOnly = try #require(fit.grid.first)
        #expect(imageOnly.precision > textOnly.precision && fit.weights.image >= 0.5, "\(fit.summary)")
        #expect(fit.grid.allSatisfy { $0.precision <= (fit.precision ?? 0) })
    }

    private func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
