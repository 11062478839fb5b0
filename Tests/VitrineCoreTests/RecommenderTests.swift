import Foundation
import Testing
import VitrineCore

/// A small catalog of three tight clusters (shoes, books, lamps) in an 8-d image / 4-d text space.
struct ClusteredCatalog {
    static let clusters = ["shoe", "book", "lamp"]
    var recommender: Recommender
    var imageCenters: [String: [Float]] = [:]
    var textCenters: [String: [Float]] = [:]

    init(perCluster: Int = 20, seed: UInt64 = 42, popularity: PopularityModel? = nil) throws {
        var g = SplitMix64(seed: seed)
        var all: [(Item, ItemVectors)] = []
        for cluster in Self.clusters {
            let image = CoreTestSupport.randomVector(8, using: &g), text = CoreTestSupport.randomVector(4, using: &g)
            imageCenters[cluster] = image
            textCenters[cluster] = text
            for i in 0..<perCluster {
                let item = Item(id: "\(cluster)\(i)", title: "\(cluster.capitalized) \(i)", tags: [cluster, i % 2 == 0 ? "sale" : "new"],
                                category: cluster)
                all.append((item, ItemVectors(image: CoreTestSupport.jitter(image, noise: 0.3, using: &g),
                                              text: CoreTestSupport.jitter(text, noise: 0.3, using: &g))))
            }
        }
        let fusion = try VectorFusion(fittingCatalog: all.map(\.1), imageDimension: 8, textDimension: 4)
        recommender = try Recommender(fusion: fusion, popularity: popularity)
        for (item, vectors) in all { try recommender.add(item, vectors: vectors) }
    }

    static func cluster(of id: String) -> String { String(id.prefix { $0.isLetter }) }
}

@Suite struct RecommenderTests {
    private func likes(_ ids: [String], user: String = "u") -> [Interaction] {
        ids.enumerated().map { CoreTestSupport.event(user, $1, .like, day: Double($0)) }
    }

    @Test func bothInterestsAppearInTheTopK() throws {
        var catalog = try ClusteredCatalog()
        let history = likes((0..<8).map { "shoe\($0)" } + ["book0", "book1"])
        let mixed = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 5))
        let clusters = mixed.map { ClusteredCatalog.cluster(of: $0.item) }
        #expect(clusters.contains("shoe") && clusters.contains("book"), "got \(clusters)")
        #expect(clusters.filter { $0 == "shoe" }.count > clusters.filter { $0 == "book" }.count)
        #expect(!mixed.contains { history.map(\.item).contains($0.item) })  // seen items excluded
        // One averaged vector lets the dominant taste hide the other.
        catalog.recommender.profileOptions.maxInterests = 1
        let single = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 5))
        #expect(single.allSatisfy { ClusteredCatalog.cluster(of: $0.item) == "shoe" })
    }

    @Test func filtersAndSeenExclusionApply() throws {
        let catalog = try ClusteredCatalog()
        let history = likes(["shoe0", "shoe1"])
        let options = RecommendationOptions(limit: 6, filter: IndexFilter(allOfTags: ["sale"], categories: ["shoe", "lamp"]))
        let recs = try catalog.recommender.recommend(user: "u", history: history, options: options)
        #expect(recs.count == 6)
        #expect(recs.allSatisfy { Int($0.item.dropFirst(4))! % 2 == 0 && $0.item.hasPrefix("shoe") && $0.item != "shoe0" })
        var keepSeen = options
        keepSeen.excludeSeen = false
        #expect(try catalog.recommender.recommend(user: "u", history: history, options: keepSeen).contains { $0.item == "shoe0" })
    }

    @Test func diversityKnobSpreadsTheList() throws {
        let catalog = try ClusteredCatalog()
        let history = likes(["shoe0", "shoe1", "shoe2"])
        func meanPairwiseCosine(_ recs: [Recommendation]) -> Float {
            var sum: Float = 0, pairs: Float = 0
            for i in recs.indices { for j in recs.indices where j > i {
                sum += catalog.recommender.index.cosine(recs[i].item, recs[j].item) ?? 0
                pairs += 1
            } }
            return sum / pairs
        }
        let relevant = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 8))
        let diverse = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 8, diversity: 0.8))
        #expect(relevant.allSatisfy { $0.item.hasPrefix("shoe") })
        #expect(Set(diverse.map { ClusteredCatalog.cluster(of: $0.item) }).count >= 2)
        #expect(meanPairwiseCosine(diverse) < meanPairwiseCosine(relevant) - 0.1)
        #expect(diverse.contains { $0.explanation.reason == .exploration })
        #expect(relevant.allSatisfy { $0.explanation.reason == .history })
    }

    @Test func nearDuplicateItemsAreFolded() throws {
        var catalog = try ClusteredCatalog()
        let original = try #require(catalog.recommender.index.vector(for: "shoe5"))
        let copy = original.enumerated().map { $0.offset == 0 ? $0.element * 1.01 : $0.element }
        try catalog.recommender.add(Item(id: "shoe5-copy", category: "shoe"), embedding: ItemEmbedding(vector: copy))
        let history = likes(["shoe0", "shoe1", "shoe2"])
        let recs = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 12))
        let kept = recs.filter { $0.item == "shoe5" || $0.item == "shoe5-copy" }
        #expect(kept.count == 1)
        #expect(kept.first?.duplicates.contains { $0 == "shoe5" || $0 == "shoe5-copy" } == true)
        let all = try catalog.recommender.recommend(user: "u", history: history,
                                                    options: RecommendationOptions(limit: 12, includeNearDuplicates: true))
        #expect(all.filter { $0.item == "shoe5" || $0.item == "shoe5-copy" }.count == 2)
        #expect(recs.allSatisfy { $0.item.hasPrefix("shoe") })  // ordinary cluster members are not folded
    }

    @Test func explanationsNameContributorsAndSplitModalities() throws {
        let catalog = try ClusteredCatalog()
        let history = likes(["book0", "book1", "book2"])
        let recs = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 4))
        for rec in recs {
            let e = rec.explanation
            #expect(e.reason == .history)
            #expect((1...3).contains(e.contributors.count))
            let shareSum = e.contributors.reduce(0) { $0 + $1.share }
            #expect(shareSum > 0.99 && shareSum < 1.0001)  // three contributors hold all positive evidence
            #expect(e.contributors.allSatisfy { $0.item.hasPrefix("book") })
            #expect(abs(e.imageContribution + e.textContribution - rec.score) < 1e-4)
            #expect(abs(e.imageShare + e.textShare - 1) < 1e-9)
            let summary = e.summary { catalog.recommender.items[$0]?.title }
            #expect(summary.contains("because you liked Book"), "\(summary)")
        }
        // An item that matches only by picture is explained as mostly picture.
        var pictureOnly = catalog
        let bookImage = try #require(catalog.imageCenters["book"]), lampText = try #require(catalog.textCenters["lamp"])
        try pictureOnly.recommender.add(Item(id: "odd"), vectors: ItemVectors(image: bookImage, text: lampText))
        let odd = try #require(try pictureOnly.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 60))
            .first { $0.item == "odd" })
        #expect(odd.explanation.imageShare > 0.7)
    }

    @Test func newItemIsRecommendableWithoutRetraining() throws {
        var catalog = try ClusteredCatalog()
        let history = likes(["lamp0", "lamp1", "lamp2"])
        let before = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 3))
        #expect(!before.contains { $0.item == "lamp-new" })
        let image = try #require(catalog.imageCenters["lamp"]), text = try #require(catalog.textCenters["lamp"])
        try catalog.recommender.add(Item(id: "lamp-new", category: "lamp"), vectors: ItemVectors(image: image, text: text))
        let after = try catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 3))
        #expect(after.first?.item == "lamp-new")
        let removed = catalog.recommender.remove(id: "lamp-new")
        #expect(removed)
        #expect(try !catalog.recommender.recommend(user: "u", history: history, options: RecommendationOptions(limit: 3)).contains { $0.item == "lamp-new" })
    }

    @Test func searchSpacesRankByOneModality() throws {
        var catalog = try ClusteredCatalog()
        // Picture of a shoe, description of a book: image space sees a shoe, text space a book.
        let shoeImage = try #require(catalog.imageCenters["shoe"]), bookText = try #require(catalog.textCenters["book"])
        try catalog.recommender.add(Item(id: "hybrid"), vectors: ItemVectors(image: shoeImage, text: bookText))
        let byImage = try catalog.recommender.similarItems(to: "hybrid", options: RecommendationOptions(limit: 3, space: .image))
        let byText = try catalog.recommender.similarItems(to: "hybrid", options: RecommendationOptions(limit: 3, space: .text))
        #expect(byImage.allSatisfy { $0.item.hasPrefix("shoe") && $0.explanation.textContribution == 0 })
        #expect(byText.allSatisfy { $0.item.hasPrefix("book") && $0.explanation.imageContribution == 0 })
        #expect(byImage.allSatisfy { $0.score <= 1.0001 && $0.score > 0.5 })  // rescaled to image cosine
        #expect(throws: VitrineCoreError.unknownItem(id: "nope")) { try catalog.recommender.similarItems(to: "nope") }
        #expect(throws: (any Error).self) { try catalog.recommender.popular(options: RecommendationOptions(diversity: 2)) }
        // A huge limit returns the whole eligible catalog instead of overflowing.
        let everything = try catalog.recommender.recommend(user: "u", history: likes(["shoe0"]),
                                                           options: RecommendationOptions(limit: .max, candidatePoolFactor: .max))
        #expect(everything.count > 40 && !everything.contains { $0.item == "shoe0" })
    }
}

/// Every path shares one fold → diversify → explain pipeline: popularity and scorer lists too.
@Suite struct RankingPipelineTests {
    /// Two copies of one shirt (cosine ≈ 0.9995 in both halves) and two other items.
    private func shop(popularity: PopularityModel? = nil) throws -> Recommender {
        var recommender = try Recommender(fusion: VectorFusion(imageDimension: 2, textDimension: 2), popularity: popularity)
        try recommender.add(Item(id: "shirt"), vectors: ItemVectors(image: [1, 0], text: [1, 0]))
        try recommender.add(Item(id: "shirt-copy"), vectors: ItemVectors(image: [1, 0.03], text: [1, 0.03]))
        try recommender.add(Item(id: "hat"), vectors: ItemVectors(image: [0, 1], text: [0.6, 0.8]))
        try recommender.add(Item(id: "sock"), vectors: ItemVectors(image: [0.6, 0.8], text: [0, 1]))
        return recommender
    }

    @Test func popularListsFoldNearDuplicates() throws {
        var events: [Interaction] = []
        for (item, count) in [("shirt", 9), ("shirt-copy", 8), ("hat", 5), ("sock", 3)] {
            for user in 0..<count { events.append(CoreTestSupport.event("u\(user)", item, .purchase)) }
        }
        let recommender = try shop(popularity: PopularityModel(interactions: events))
        let popular = try recommender.popular(options: RecommendationOptions(limit: 2, coldStartDiversity: 0))
        #expect(popular.map(\.item) == ["shirt", "hat"])
        #expect(popular.first?.duplicates == ["shirt-copy"])
        let unfolded = try recommender.popular(options: RecommendationOptions(limit: 2, coldStartDiversity: 0, includeNearDuplicates: true))
        #expect(unfolded.map(\.item) == ["shirt", "shirt-copy"])
    }

    /// Ranks by a fixed table, the way a trained model would rank by its own scores.
    private struct TableScorer: RecommendationScorer {
        let table: [String: Float]
        func scores(for profile: UserProfile, candidates: [String]) throws -> [Float] { candidates.map { table[$0] ?? .nan } }
    }

    @Test func scorerListsGoThroughFoldDiversifyAndExplain() throws {
        let recommender = try shop()
        let profile = recommender.profile(user: "u", history: [CoreTestSupport.event("u", "sock", .like)])
        let scorer = TableScorer(table: ["shirt": 0.9, "shirt-copy": 0.8, "hat": 0.5, "sock": 1.0])
        let recs = try recommender.recommend(for: profile, scoredBy: scorer, options: RecommendationOptions(limit: 2))
        #expect(recs.map(\.item) == ["shirt", "hat"])  // sock was seen; the copy folds into the shirt
        #expect(recs.first?.duplicates == ["shirt-copy"])
        #expect(recs.map(\.score) == [0.9, 0.5])
        #expect(recs.allSatisfy { $0.explanation.reason == .history })
        #expect(recs.last?.explanation.contributors.map(\.item) == ["sock"])  // hat is close to sock's picture
        // Folding follows the same option as every other path.
        let unfolded = try recommender.recommend(for: profile, scoredBy: scorer, options: RecommendationOptions(limit: 2, includeNearDuplicates: true))
        #expect(unfolded.map(\.item) == ["shirt", "shirt-copy"])
        // A scorer that drops candidates (NaN) and the wrong count are handled.
        let partial = try recommender.recommend(for: profile, scoredBy: TableScorer(table: ["hat": 0.2]), options: RecommendationOptions(limit: 5))
        #expect(partial.map(\.item) == ["hat"])
        struct Broken: RecommendationScorer { func scores(for profile: UserProfile, candidates: [String]) throws -> [Float] { [] } }
        #expect(throws: VitrineCoreError.self) { try recommender.recommend(for: profile, scoredBy: Broken()) }
    }
}
