import Foundation
import Testing
import VitrineCore
import VitrineTensor

@Suite struct ProfileTests {
    private let vectors: [String: [Float]] = [
        "a": [1, 0, 0], "b": [0, 1, 0], "c": [0, 0, 1], "d": [0.7071, 0.7071, 0],
    ]

    private func profile(_ history: [Interaction], options: ProfileOptions = ProfileOptions()) -> UserProfile {
        UserProfile(user: "u", history: history, options: options) { vectors[$0] }
    }

    @Test func eventStrengthsGradeKindsAndMapRatings() {
        let s = EventStrengths()
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .view)) == 0.2)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .purchase)) == 1.5)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .dislike)) == -1)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .rating, value: 5)) == 1)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .rating, value: 3)) == 0)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .rating, value: 1)) == -1)
        #expect(s.strength(of: CoreTestSupport.event("u", "a", .rating)) == 0)
    }

    @Test func profileIsWeightedMeanOfHistory() throws {
        let p = profile([
            CoreTestSupport.event("u", "a", .purchase),  // 1.5
            CoreTestSupport.event("u", "b", .view),  // 0.2 + 0.5
            CoreTestSupport.event("u", "b", .click),
            CoreTestSupport.event("other", "c", .like),  // someone else's event is ignored
        ])
        #expect(p.itemWeights.map(\.item) == ["a", "b"])
        #expect(abs(p.itemWeights[1].weight - 0.7) < 1e-9)
        let v = try #require(p.vector)
        let expected = CoreTestSupport.normalized([1.5, 0.7, 0])
        for (x, y) in zip(v, expected) { #expect(abs(x - y) < 1e-5) }
        #expect(p.seenItems == ["a", "b"])
    }

    @Test func recencyDecayHalvesOldEvents() throws {
        let history = [CoreTestSupport.event("u", "a", .like, day: 0), CoreTestSupport.event("u", "b", .like, day: 10)]
        let decayed = profile(history, options: ProfileOptions(decay: RecencyDecay(halfLifeSeconds: 10 * 86_400)))
        let weights = Dictionary(uniqueKeysWithValues: decayed.itemWeights.map { ($0.item, $0.weight) })
        #expect(abs((weights["a"] ?? 0) - 0.5) < 1e-9)
        #expect(abs((weights["b"] ?? 0) - 1) < 1e-9)
        let flat = profile(history)
        #expect(flat.itemWeights.allSatisfy { $0.weight == 1 })
    }

    @Test func dislikesPushTheProfileAway() throws {
        let liked = try #require(profile([CoreTestSupport.event("u", "d", .like)]).vector)
        let withDislike = try #require(profile([CoreTestSupport.event("u", "d", .like), CoreTestSupport.event("u", "b", .dislike, day: 1)]).vector)
        // The profile moves away from the disliked item "b" and towards "a".
        #expect(CoreTestSupport.dot(withDislike, [0, 1, 0]) < CoreTestSupport.dot(liked, [0, 1, 0]))
        #expect(CoreTestSupport.dot(withDislike, [1, 0, 0]) > CoreTestSupport.dot(liked, [1, 0, 0]))
        // Only negatives: no taste to recommend from, but the items still count as seen.
        let onlyNegative = profile([CoreTestSupport.event("u", "b", .dislike)])
        #expect(!onlyNegative.hasTaste && onlyNegative.seenItems == ["b"])
        // Compared bitwise with a profile built the same way, both on one kernel variant (the norm is a kernel dot).
        let (ignored, likedAgain) = Kernels.withStableVariant {
            (profile([CoreTestSupport.event("u", "d", .like), CoreTestSupport.event("u", "b", .dislike)],
                     options: ProfileOptions(negativeWeight: 0)),
             profile([CoreTestSupport.event("u", "d", .like)]).vector)
        }
        #expect(ignored.vector == likedAgain)
        #expect(likedAgain.map { CoreTestSupport.cosine($0, liked) > 0.999999 } ?? false)
    }

    @Test func twoSeparateTastesBecomeTwoInterests() throws {
        var g = SplitMix64(seed: 21)
        let shoes = CoreTestSupport.randomVector(16, using: &g), books = CoreTestSupport.randomVector(16, using: &g)
        var catalog: [String: [Float]] = [:]
        var history: [Interaction] = []
        for i in 0..<6 {
            catalog["shoe\(i)"] = CoreTestSupport.jitter(shoes, noise: 0.1, using: &g)
            history.append(CoreTestSupport.event("u", "shoe\(i)", .like))
        }
        for i in 0..<3 {
            catalog["book\(i)"] = CoreTestSupport.jitter(books, noise: 0.1, using: &g)
            history.append(CoreTestSupport.event("u", "book\(i)", .like))
        }
        let p = UserProfile(user: "u", history: history) { catalog[$0] }
        #expect(p.interests.count == 2)
        #expect(Set(p.interests[0].members.map(\.item)) == Set((0..<6).map { "shoe\($0)" }))
        #expect(abs(p.interests[0].share - 2.0 / 3.0) < 1e-9)
        #expect(CoreTestSupport.cosine(p.interests[1].vector, books) > 0.9)
        // maxInterests = 1 turns the split off.
        let single = UserProfile(user: "u", history: history, options: ProfileOptions(maxInterests: 1)) { catalog[$0] }
        #expect(single.interests.count == 1)
        // The split is deterministic (both profiles on one kernel variant: the vectors are compared bitwise).
        let (first, again) = Kernels.withStableVariant {
            (UserProfile(user: "u", history: history) { catalog[$0] }, UserProfile(user: "u", history: history.reversed()) { catalog[$0] })
        }
        #expect(again.interests == first.interests)
    }
}
