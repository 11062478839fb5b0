import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore
import VitrineTensor

/// Re-indexing embeds only what changed, removes what is gone, and re-embeds on a model change.
@Suite struct IncrementalTests {
    static func makeFolder() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for name in ["cat", "espresso", "rocket", "helmet"] {
            try folder.write("catalog/\(name).jpg", try Fixtures.photo(name))
            try folder.write("catalog/\(name).txt", "A photo of a \(name).")
        }
        return folder
    }

    /// The precision is part of a model's identity; a catalog opened without choosing one uses the
    /// store's current model of each modality, so an int8-indexed store is queried with the int8 encoders.
    @Test func encoderPrecisionFollowsTheStoresCurrentModelsUnlessChosen() throws {
        #expect(ModelIdentity.name("all-MiniLM-L6-v2", precision: .fp32) == "all-MiniLM-L6-v2")
        #expect(ModelIdentity.name("efficientnet-lite0", precision: .int8) == "efficientnet-lite0+int8")
        #expect(ModelIdentity.precision(of: "all-MiniLM-L6-v2+int8@0123456789ab") == .int8)
        #expect(ModelIdentity.precision(of: "all-MiniLM-L6-v2@0123456789ab") == .fp32)
        let folder = try TemporaryDirectory()
        let storeURL = folder.path("store.sqlite")
        func textModel(_ precision: WeightPrecision? = nil) throws -> String {
            var options = CatalogOptions()
            options.textPrecision = precision
            let provider = try Catalog(storeURL: storeURL, options: options).encoderProvider
            #expect(provider.imageModelID.hasPrefix("efficientnet-lite0@"), "the image model keeps its own precision")
            return provider.textModelID
        }
        #expect(try textModel().hasPrefix("all-MiniLM-L6-v2@"), "a new store starts in fp32")
        let int8 = try textModel(.int8)
        #expect(int8.hasPrefix("all-MiniLM-L6-v2+int8@"))
        try SQLiteStore(path: storeURL.path).setCurrentModel(int8, for: .text) // what `vitrine index --text-precision int8` records
        #expect(try textModel() == int8, "later commands use the store's choice")
        #expect(try textModel(.fp32).hasPrefix("all-MiniLM-L6-v2@"), "an explicit choice wins")
    }

    @Test func touchingOneFileReembedsExactlyThatItem() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        let first = try catalog.index(folder: folder.path("catalog"))
        #expect(first.indexed == 4 && first.reused == 0)
        let unchanged = try catalog.index(folder: folder.path("catalog"))
        #expect(unchanged.indexed == 0 && unchanged.reused == 4 && unchanged.removed == 0)
        let before = try #require(catalog.item("espresso")).contentHash
        let store = try SQLiteStore(path: catalog.storeURL.path)
        let imageBefore = try #require(try store.vector(for: "espresso", modality: .image))
        let textBefore = try #require(try store.vector(for: "espresso", modality: .text))
        try folder.write("catalog/espresso.txt", "A photo of a strong espresso.")
        let second = try catalog.index(folder: folder.path("catalog"))
        #expect(second.indexed == 1 && second.reused == 3)
        #expect(catalog.item("espresso")?.description == "A photo of a strong espresso." && catalog.item("espresso")?.contentHash != before)
        // Only the text changed: the picture is not decoded or encoded again, its stored vector is kept.
        #expect(second.imagesEncoded == 0 && second.imageVectorsKept == 1)
        #expect(try store.vector(for: "espresso", modality: .image) == imageBefore)
        #expect(try store.vector(for: "espresso", modality: .text) != textBefore)
        #expect(catalog.item("espresso")?.hasImage == true && catalog.item("espresso")?.sourcePaths == ["espresso.jpg", "espresso.txt"])
        // Changing image bytes counts too, and re-encodes the picture.
        try folder.write("catalog/cat.jpg", try Fixtures.photo("tripod"))
        let third = try catalog.index(folder: folder.path("catalog"))
        #expect(third.indexed == 1 && third.reused == 3)
        #expect(third.imagesEncoded == 1 && third.imageVectorsKept == 0)
    }

    /// Keeping image vectors changes nothing in the result: after a text-model switch with every picture
    /// kept, the store holds bitwise the vectors a fresh run with the new model writes (fp16: the fused
    /// vector is made from the vectors as stored, so a kept image vector fuses like a new one).
    @Test func keptImageVectorsGiveTheCatalogAFreshRunGives() throws {
        let folder = try Self.makeFolder()
        let switched = folder.path("switched.sqlite"), fresh = folder.path("fresh.sqlite")
        func options(_ textModel: String) -> CatalogOptions {
            CatalogOptions(encoders: .testing(textModel: textModel), vectorPrecision: .float16)
        }
        _ = try Catalog(storeURL: switched, options: options("words@1")).index(folder: folder.path("catalog"))
        let summary = try Catalog(storeURL: switched, options: options("words@2")).index(folder: folder.path("catalog"))
        #expect(summary.imageVectorsKept == 4 && summary.imagesEncoded == 0)
        _ = try Catalog(storeURL: fresh, options: options("words@2")).index(folder: folder.path("catalog"))
        let kept = try SQLiteStore(path: switched.path), made = try SQLiteStore(path: fresh.path)
        for id in ["cat", "espresso", "rocket", "helmet"] {
            let keptVectors = Set(try kept.vectors(for: id)), madeVectors = Set(try made.vectors(for: id))
            #expect(keptVectors.count == 3 && keptVectors == madeVectors, "\(id)")
        }
    }

    /// A store indexed before content hashes had their image part: unchanged items are still reused, and
    /// a changed item is re-embedded whole (nothing tells that its pictures are the same).
    @Test func hashesWithoutTheImagePartStillMatch() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        _ = try catalog.index(folder: folder.path("catalog"))
        let store = try SQLiteStore(path: catalog.storeURL.path)
        let hashes = try store.contentHashes()
        #expect(hashes.values.allSatisfy { $0.contains(";image=") })
        for (id, hash) in hashes {
            var item = try #require(try store.item(id: id))
            item.contentHash = String(hash.prefix { $0 != ";" })
            try store.upsert(item, vectors: try store.vectors(for: id))
        }
        let reopened = try Catalog(storeURL: catalog.storeURL, options: catalog.options)
        let unchanged = try reopened.index(folder: folder.path("catalog"))
        #expect(unchanged.reused == 4 && unchanged.indexed == 0)
        try folder.write("catalog/rocket.txt", "A photo of a rocket at dawn.")
        let changed = try reopened.index(folder: folder.path("catalog"))
        #expect(changed.indexed == 1 && changed.imagesEncoded == 1 && changed.imageVectorsKept == 0)
    }

    @Test func deletedItemsAreRemovedFromStoreAndIndex() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        _ = try catalog.index(folder: folder.path("catalog"))
        try FileManager.default.removeItem(at: folder.path("catalog/rocket.jpg"))
        try FileManager.default.removeItem(at: folder.path("catalog/rocket.txt"))
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.removed == 1 && summary.reused == 3 && summary.indexed == 0)
        #expect(catalog.item("rocket") == nil)
        #expect(try catalog.similarItems(to: "cat", limit: 10).allSatisfy { $0.item.id != "rocket" })
        let reopened = try Catalog(storeURL: catalog.storeURL, options: catalog.options)
        #expect(reopened.count == 3 && reopened.item("rocket") == nil)
    }

    @Test func itemsAddedThroughTheAPISurviveAFolderRun() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder)
        _ = try catalog.index(folder: folder.path("catalog"))
        try catalog.addItem(NewItem(Item(id: "posted", title: "Posted", description: "Added by the server"), images: [try Fixtures.photo("retina")]))
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.removed == 0 && catalog.item("posted") != nil)
    }

    @Test func changingTheModelInvalidatesAndReembeds() throws {
        let folder = try Self.makeFolder()
        let storeURL = folder.path("store/catalog.sqlite")
        let first = try Catalog(storeURL: storeURL, options: CatalogOptions(encoders: .testing()))
        _ = try first.index(folder: folder.path("catalog"))
        let changed = try Catalog(storeURL: storeURL, options: CatalogOptions(encoders: .testing(textModel: "words@2")))
        // Old text vectors are not loaded under the new model identity.
        let textVectors = try changed.info().textVectorCount
        #expect(changed.count == 4 && textVectors == 0)
        let imageBefore = try SQLiteStore(path: storeURL.path).vector(for: "cat", modality: .image)
        let summary = try changed.index(folder: folder.path("catalog"))
        #expect(summary.indexed == 4 && summary.reused == 0)
        // A new text model re-embeds the texts only: every picture keeps its vector.
        #expect(summary.imagesEncoded == 0 && summary.imageVectorsKept == 4)
        let store = try SQLiteStore(path: storeURL.path)
        let imageAfter = try store.vector(for: "cat", modality: .image)
        #expect(imageBefore != nil && imageAfter == imageBefore)
        #expect(try store.currentModel(for: .text) == "words@2")
        #expect(try store.staleVectors(modality: .text).itemIDs.isEmpty)
        #expect(try store.vector(for: "cat", modality: .text)?.modelID == "words@2")
    }

    @Test func reopenedCatalogAnswersLikeTheOneThatIndexed() throws {
        let folder = try Self.makeFolder()
        let catalog = try Catalog.testing(in: folder, precision: .float16)
        _ = try catalog.index(folder: folder.path("catalog"))
        let reopened = try Catalog(storeURL: catalog.storeURL, options: catalog.options)
        for modality in Modality.allCases {
            // Scores compared bitwise: both queries on one kernel variant (the variant sweep runs in parallel).
            let (before, after) = try Kernels.withStableVariant {
                (try catalog.similarItems(to: "cat", modality: modality, options: QueryOptions(limit: 3, includeNearDuplicates: true)),
                 try reopened.similarItems(to: "cat", modality: modality, options: QueryOptions(limit: 3, includeNearDuplicates: true)))
            }
            #expect(before.map(\.item.id) == after.map(\.item.id) && before.map(\.score) == after.map(\.score))
        }
    }
}
