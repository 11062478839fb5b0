import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

/// `index --shard k/n` on PostgreSQL: disjoint shares that together, after `finalizeIndexing`,
/// make exactly the catalog one unsharded run makes.
@Suite struct ShardedIndexingTests {
    /// Photos with captions, two text-only items and one photo without text (so the imputer has work).
    static func makeFolder() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        for name in Fixtures.photoNames {
            try folder.write("catalog/\(name).jpg", try Fixtures.photo(name))
            if name != "tripod" { try folder.write("catalog/\(name).txt", "A photo of a \(name.replacingOccurrences(of: "_", with: " ")).") }
        }
        try folder.write("catalog/poem.txt", "A short poem about the sea.")
        try folder.write("catalog/recipe.txt", "A recipe for espresso cake.")
        return folder
    }

    @Test func sharesAreDisjointDeterministicAndCoverEveryItem() throws {
        let ids = (0 ..< 200).map { "item-\($0)" }
        let shards = try (1 ... 3).map { try IndexShard($0, of: 3) }
        for id in ids { #expect(shards.filter { $0.contains(id) }.count == 1) }
        #expect(shards.allSatisfy { shard in ids.contains { shard.contains($0) } })
        #expect(try IndexShard(parsing: "2/3") == shards[1])
        #expect(throws: CatalogError.self) { try IndexShard(parsing: "0/3") }
        #expect(throws: CatalogError.self) { try IndexShard(parsing: "4/3") }
        #expect(throws: CatalogError.self) { try IndexShard(parsing: "two") }
    }

    @Test(.enabled(if: ReplicaTestServer.isRequested, "set VITRINE_TEST_POSTGRES_URL (CI=true always runs these)"))
    func twoShardsAndFinalizeMakeTheCatalogOneRunMakes() throws {
        let folder = try Self.makeFolder()
        let catalog = folder.path("catalog")
        let options = CatalogOptions(encoders: .testing(), vectorPrecision: .float32)

        let single = try Catalog.open(location: try ReplicaTestServer.freshCatalogURL(), options: options)
        let whole = try single.index(folder: catalog)
        #expect(whole.indexed == Fixtures.photoNames.count + 2)

        let shardedURL = try ReplicaTestServer.freshCatalogURL()
        var indexed: [Int] = []
        var finalized: [Bool] = []
        for number in [2, 1] {
            // Each shard in its own catalog, as separate processes would be.
            var indexing = IndexingOptions()
            indexing.shard = try IndexShard(number, of: 2)
            let summary = try Catalog.open(location: shardedURL, options: options).index(folder: catalog, options: indexing)
            indexed.append(summary.indexed)
            finalized.append(summary.finalized)
        }
        #expect(indexed.reduce(0, +) == whole.indexed && indexed.allSatisfy { $0 > 0 }, "shares \(indexed)")
        #expect(finalized == [false, true], "the last share to finish finalizes, the first does not")
        // Without any --finalize, the catalog is the one a single run makes (imputed fused vectors included).
        let automatic = try Catalog.open(location: shardedURL, options: options)
        let single2 = try Catalog.open(location: single.storeLocation, options: options)
        let fusedSingle = single2.recommender().index.ids.map { single2.recommender().index.vector(for: $0) }
        #expect(single2.recommender().index.ids.map { automatic.recommender().index.vector(for: $0) } == fusedSingle)
        #expect(automatic.fusionWeightFit == single2.fusionWeightFit)
        // A rerun of a finished (or killed) shard redoes only what is not committed: here nothing.
        var again = IndexingOptions()
        again.shard = try IndexShard(1, of: 2)
        let rerun = try Catalog.open(location: shardedURL, options: options).index(folder: catalog, options: again)
        #expect(rerun.indexed == 0 && rerun.reused == indexed[1] && rerun.removed == 0)

        let finalizer = try Catalog.open(location: shardedURL, options: options)
        try finalizer.finalizeIndexing()
        let sharded = try Catalog.open(location: shardedURL, options: options)
        let reference = try Catalog.open(location: single.storeLocation, options: options)
        #expect(sharded.items(limit: 1000).map(\.id) == reference.items(limit: 1000).map(\.id))
        for item in reference.items(limit: 1000) {
            #expect(sharded.vectors(for: item.id) == reference.vectors(for: item.id), "\(item.id)")
        }
        let fusedReference = reference.recommender().index.ids.map { reference.recommender().index.vector(for: $0) }
        let fusedSharded = reference.recommender().index.ids.map { sharded.recommender().index.vector(for: $0) }
        #expect(fusedSharded == fusedReference, "fused vectors (imputed ones included) match the single run")
    }
}
