import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// The catalog's HNSW graphs: built in the background once an index is big enough and a query
/// arrives, searches exact (and correct) until then, new items searchable at once afterwards.
@Suite struct SearchGraphTests {
    static let words = ["red", "blue", "green", "lamp", "chair", "table", "wool", "linen", "oak", "steel", "round", "tall",
                        "small", "soft", "bright", "dark", "striped", "plain", "garden", "kitchen"]

    /// Text-only items whose descriptions mix a few of `words` (seeded).
    static func fill(_ catalog: Catalog, count: Int) throws {
        var g = SplitMix64(seed: 77)
        for i in 0..<count {
            let description = (0..<4).map { _ in words[Int(g.next() % UInt64(words.count))] }.joined(separator: " ")
            try catalog.addItem(NewItem(Item(id: String(format: "item-%04d", i), title: "item \(i)", description: description)))
        }
    }

    static func options(bruteForceBelow: Int) -> CatalogOptions {
        CatalogOptions(encoders: .testing(), vectorPrecision: .float32,
                       approximateSearch: ApproximateSearchOptions(efSearch: 64, bruteForceBelow: bruteForceBelow, buildsGraphInline: false))
    }

    static func waitForGraphs(_ catalog: Catalog) async throws {
        for _ in 0..<200 where catalog.isBuildingSearchGraphs { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!catalog.isBuildingSearchGraphs)
    }

    @Test func graphsAreBuiltInTheBackgroundAndAgreeWithExactSearch() async throws {
        let directory = try TemporaryDirectory()
        let storeURL = directory.path("store/catalog.sqlite")
        try Self.fill(Catalog(storeURL: storeURL, options: Self.options(bruteForceBelow: 100)), count: 250)

        // Reopened: the load builds no graph; the first query schedules one and is answered exactly.
        let catalog = try Catalog(storeURL: storeURL, options: Self.options(bruteForceBelow: 100))
        let first = try catalog.similarItems(to: "item-0001", modality: .text, options: QueryOptions(limit: 10))
        #expect(first.count == 10)
        try await Self.waitForGraphs(catalog)

        // Tie-aware recall@10 (many descriptions share words, so equal scores are common): the share of
        // graph hits scoring at least the exact 10th best.
        var recall = 0.0
        let probes = (0..<25).map { String(format: "item-%04d", $0 * 10) }
        for id in probes {
            let approximate = try catalog.similarItems(to: id, modality: .text, options: QueryOptions(limit: 10, includeNearDuplicates: true))
            let exact = try catalog.similarItems(to: id, modality: .text, options: QueryOptions(limit: 10, includeNearDuplicates: true, exact: true))
            let bar = (exact.last?.score ?? 0) - 1e-5
            recall += Double(approximate.filter { $0.score >= bar }.count) / Double(exact.count)
        }
        #expect(recall / Double(probes.count) >= 0.95, "mean tie-aware recall@10 \(recall / Double(probes.count))")

        // An item added after the graph exists is linked into it and found at once.
        try catalog.addItem(NewItem(Item(id: "zz-new", title: "new", description: "mauve velvet ottoman")))
        let hits = try catalog.search(text: "mauve velvet ottoman", space: .text, options: QueryOptions(limit: 1))
        #expect(hits.first?.item.id == "zz-new")
    }
}
