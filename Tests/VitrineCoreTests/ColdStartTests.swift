import Foundation
import Testing
import VitrineCore

@Suite struct ColdStartTests {
    @Test func popularityBlendsAllTimeAndRecentCounts() {
        var events: [Interaction] = []
        for i in 0..<10 { events.append(CoreTestSupport.event("u\(i)", "classic", .like, day: 0)) }
        for i in 0..<3 { events.append(CoreTestSupport.event("v\(i)", "trending", .click, day: 30)) }
        for i in 0..<20 { events.append(CoreTestSupport.event("w\(i)", "hated", .dislike, day: 30)) }
        let allTime = PopularityModel(interactions: events, recentBlend: 0)
        let recent = PopularityModel(interactions: events, recentBlend: 1)
        let half = PopularityModel(interactions: events, recentBlend: 0.5)
        #expect(allTime.ranked().map(\.item) == ["classic", "trending"])
        #expect(recent.ranked().map(\.item) == ["trending", "classic"])
        #expect(abs(half.score(of: "classic") - 0.5) < 1e-9)
        #expect(abs(half.score(of: "trending") - (0.5 * 0.3 + 0.5)) < 1e-9)
        #expect(half.score(of: "hated") == 0)  // dislikes are not popularity
    }

    private func shoeHeavyPopularity() -> PopularityModel {
        var events: [Interaction] = []
        for (item, count) in [("shoe0", 10), ("shoe1", 10), ("shoe2", 10), ("shoe3", 9), ("shoe4", 9), ("book0", 8), ("lamp0", 8)] {
            for i in 0..<count { events.append(CoreTestSupport.event("p\(i)", item, .purchase)) }
        }
        return PopularityModel(interactions: events)
    }

    @Test func zeroHistoryGetsDiversifiedPopularItems() throws {
        let catalog = try ClusteredCatalog(popularity: shoeHeavyPopularity())
        let plain = try catalog.recommender.recommend(user: "new", history: [],
                                                      options: RecommendationOptions(limit: 4, coldStartDiversity: 0))
        #expect(plain.map(\.item) == ["shoe0", "shoe1", "shoe2", "shoe3"])
        #expect(plain.allSatisfy { $0.explanation.reason == .popularity })
        // Default cold-start λ = 0.3 already breaks the all-shoes list; a stronger λ spans every cluster.
        let diverse = try catalog.recommender.recommend(user: "new", history: [], options: RecommendationOptions(limit: 4))
        #expect(diverse.first?.item == "shoe0")
        #expect(Set(diverse.map { ClusteredCatalog.cluster(of: $0.item) }).count >= 2)
        let wide = try catalog.recommender.recommend(user: "new", history: [], options: RecommendationOptions(limit: 4, diversity: 0.6))
        #expect(Set(wide.map { ClusteredCatalog.cluster(of: $0.item) }) == ["shoe", "book", "lamp"])
        // A user with only dislikes has no taste either: popularity, minus what they disliked.
        let disliked = try catalog.recommender.recommend(user: "d", history: [CoreTestSupport.event("d", "shoe0", .dislike)],
                                                         options: RecommendationOptions(limit: 3, coldStartDiversity: 0))
        #expect(disliked.map(\.item) == ["shoe1", "shoe2", "shoe3"])
    }

    @Test func onboardingTextSearchesTheTextHalf() throws {
        var catalog = try ClusteredCatalog()
        let bookText = try #require(catalog.textCenters["book"])
        // A description-only book: its picture half is imputed, and the text query still finds it.
        try catalog.recommender.add(Item(id: "book-no-picture", category: "book"), vectors: ItemVectors(text: bookText))
        let recs = try catalog.recommender.recommend(onboarding: OnboardingInput(textQuery: bookText),
                                                     options: RecommendationOptions(limit: 5))
        #expect(recs.first?.item == "book-no-picture")
        #expect(recs.allSatisfy { $0.item.hasPrefix("book") && $0.explanation.reason == .onboardingText })
        #expect(recs.allSatisfy { $0.explanation.textShare == 1 })
        #expect(recs.first?.explanation.imputedModalities == [.image])
        #expect(recs.first?.explanation.summary().contains("image inferred") == true)
        #expect(throws: VitrineCoreError.dimensionMismatch(field: "query.text", expected: 4, actual: 2)) {
            try catalog.recommender.recommend(onboarding: OnboardingInput(textQuery: [1, 2]))
        }
    }

    @Test func onboardingLikedItemsGiveAPersonalList() throws {
        let catalog = try ClusteredCatalog()
        let recs = try catalog.recommender.recommend(onboarding: OnboardingInput(likedItems: ["lamp3"]),
                                                     options: RecommendationOptions(limit: 5))
        #expect(recs.count == 5)
        #expect(recs.allSatisfy { $0.item.hasPrefix("lamp") && $0.item != "lamp3" })
        #expect(recs.allSatisfy { $0.explanation.reason == .history && $0.explanation.contributors.first?.item == "lamp3" })
        // Liked items and text together: the list covers both.
        let bookText = try #require(catalog.textCenters["book"])
        let both = try catalog.recommender.recommend(onboarding: OnboardingInput(textQuery: bookText, likedItems: ["lamp3"]),
                                                     options: RecommendationOptions(limit: 10))
        #expect(Set(both.map { ClusteredCatalog.cluster(of: $0.item) }).isSuperset(of: ["lamp", "book"]))
        #expect(throws: VitrineCoreError.unknownItem(id: "ghost")) {
            try catalog.recommender.recommend(onboarding: OnboardingInput(likedItems: ["ghost"]))
        }
    }
}
