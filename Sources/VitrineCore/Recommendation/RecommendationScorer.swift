/// Scores a user's candidate items by something other than the content vectors — the trained
/// two-tower model is one. `Recommender.recommend(for:scoredBy:options:)` ranks every eligible item
/// by it and sends the best through the same fold → diversify → explain steps as every other path,
/// so a scorer only scores: it never re-implements folding, MMR or explanations.
public protocol RecommendationScorer {
    /// One score per id in `candidates`, in the same order; higher is better, NaN drops a candidate.
    func scores(for profile: UserProfile, candidates: [String]) throws -> [Float]
}
