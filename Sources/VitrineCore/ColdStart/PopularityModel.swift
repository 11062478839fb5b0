// Popularity for users without history: a blend of all-time and recent positive-event
// counts, each scaled to [0, 1] by its maximum, so the knob `recentBlend` moves smoothly
// from "classics" (0) to "trending" (1).

import Foundation

/// Item popularity from interaction counts.
public struct PopularityModel: Sendable, Equatable {
    /// Blended popularity per item, in [0, 1]; items never interacted with are absent (0).
    public let scores: [String: Double]

    /// Counts positive events (strength > 0) per item.
    /// - Parameters:
    ///   - recentWindowSeconds: events newer than `now − window` also count as recent (default 7 days).
    ///   - recentBlend: 0 = all-time counts only, 1 = recent counts only (clamped to [0, 1]).
    ///   - now: end of the recent window; nil = the latest event.
    public init(interactions: [Interaction], strengths: EventStrengths = EventStrengths(),
                recentWindowSeconds: Double = 7 * 24 * 3600, recentBlend: Double = 0.5, now: Date? = nil) {
        let positive = interactions.filter { strengths.isPositive($0) }
        let end = now ?? positive.map(\.timestamp).max() ?? Date(timeIntervalSince1970: 0)
        let start = end.addingTimeInterval(-recentWindowSeconds)
        var global: [String: Double] = [:], recent: [String: Double] = [:]
        for event in positive {
            global[event.item, default: 0] += 1
            if event.timestamp > start && event.timestamp <= end { recent[event.item, default: 0] += 1 }
        }
        let blend = min(max(recentBlend, 0), 1)
        let globalMax = global.values.max() ?? 0, recentMax = recent.values.max() ?? 0
        var scores: [String: Double] = [:]
        for item in global.keys {
            let g = globalMax > 0 ? (global[item] ?? 0) / globalMax : 0
            let r = recentMax > 0 ? (recent[item] ?? 0) / recentMax : 0
            scores[item] = (1 - blend) * g + blend * r
        }
        self.scores = scores
    }

    /// Popularity of one item (0 when unseen).
    public func score(of item: String) -> Double { scores[item] ?? 0 }

    /// Items by descending popularity (ties by id).
    public func ranked() -> [(item: String, score: Double)] {
        scores.map { (item: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.item < $1.item }
    }
}
