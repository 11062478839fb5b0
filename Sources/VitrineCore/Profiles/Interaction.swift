// User–item events and how strongly each kind of event says "I like this".

import Foundation

/// The kind of a user–item event.
public enum InteractionKind: String, Sendable, Codable, CaseIterable {
    /// Saw the item (weak positive).
    case view
    /// Opened the item (mild positive).
    case click
    /// Explicitly liked it.
    case like
    /// Bought it (strongest positive).
    case purchase
    /// Explicitly disliked it (negative).
    case dislike
    /// Rated it; the stars are in `Interaction.value`.
    case rating
}

/// One user–item event.
public struct Interaction: Sendable, Hashable, Codable {
    /// User id.
    public var user: String
    /// Item id.
    public var item: String
    /// What happened.
    public var kind: InteractionKind
    /// The rating (1–5 stars) for `.rating`; ignored by other kinds.
    public var value: Double?
    /// When it happened.
    public var timestamp: Date

    /// Creates an event.
    public init(user: String, item: String, kind: InteractionKind, value: Double? = nil, timestamp: Date = Date()) {
        self.user = user
        self.item = item
        self.kind = kind
        self.value = value
        self.timestamp = timestamp
    }
}

extension Interaction {
    /// Why this event cannot be recorded, or nil. The one check every door uses (file import, the
    /// HTTP API, the store): user and item ids present, a value finite, a rating with a value on the
    /// scale's range (1–5 stars by default).
    public func problem(scale: EventStrengths = EventStrengths()) -> String? {
        if user.trimmingCharacters(in: .whitespaces).isEmpty { return "missing user" }
        if item.trimmingCharacters(in: .whitespaces).isEmpty { return "missing item" }
        if let value, !value.isFinite { return "value \(value) is not a finite number" }
        guard kind == .rating else { return nil }
        guard let value else { return "a rating needs a numeric value" }
        let range = scale.ratingRange
        guard range.contains(value) else {
            return "rating \(value.formatted()) is outside \(range.lowerBound.formatted())–\(range.upperBound.formatted())"
        }
        return nil
    }
}

/// How much each event kind counts towards (or against) an item in a profile.
///
/// Defaults grade implicit signals by effort: view 0.2, click 0.5, like 1, purchase 1.5,
/// dislike −1. A rating r on a 1–5 scale maps to `(r − ratingMidpoint) / ratingHalfRange`
/// = (r − 3)/2 by default: 5★ → +1 (a like), 3★ → 0 (neutral, ignored), 1★ → −1 (a dislike).
public struct EventStrengths: Sendable, Hashable, Codable {
    /// Weight of a view.
    public var view: Double
    /// Weight of a click.
    public var click: Double
    /// Weight of a like.
    public var like: Double
    /// Weight of a purchase.
    public var purchase: Double
    /// Weight of a dislike (negative pushes the profile away).
    public var dislike: Double
    /// Rating that counts as neutral.
    public var ratingMidpoint: Double
    /// Rating distance from the midpoint that counts as ±1.
    public var ratingHalfRange: Double

    /// Creates strengths; defaults as documented on the type.
    public init(view: Double = 0.2, click: Double = 0.5, like: Double = 1, purchase: Double = 1.5,
                dislike: Double = -1, ratingMidpoint: Double = 3, ratingHalfRange: Double = 2) {
        self.view = view
        self.click = click
        self.like = like
        self.purchase = purchase
        self.dislike = dislike
        self.ratingMidpoint = ratingMidpoint
        self.ratingHalfRange = ratingHalfRange
    }

    /// The ratings this scale accepts: midpoint ± half range (1...5 by default).
    public var ratingRange: ClosedRange<Double> {
        (ratingMidpoint - ratingHalfRange)...(ratingMidpoint + ratingHalfRange)
    }

    /// The signed strength of one event (before recency decay). A rating without a value counts 0.
    public func strength(of interaction: Interaction) -> Double {
        switch interaction.kind {
        case .view: return view
        case .click: return click
        case .like: return like
        case .purchase: return purchase
        case .dislike: return dislike
        case .rating:
            guard let value = interaction.value, value.isFinite, ratingHalfRange > 0 else { return 0 }
            return (value - ratingMidpoint) / ratingHalfRange
        }
    }

    /// True when the event is positive evidence (strength > 0); used for relevance in evaluation.
    public func isPositive(_ interaction: Interaction) -> Bool { strength(of: interaction) > 0 }
}

/// Exponential forgetting: an event `age` seconds old counts `0.5^(age / halfLife)`.
public struct RecencyDecay: Sendable, Hashable, Codable {
    /// Half-life in seconds; nil disables decay.
    public var halfLifeSeconds: Double?

    /// Creates a decay; nil = every event counts fully.
    public init(halfLifeSeconds: Double? = nil) { self.halfLifeSeconds = halfLifeSeconds }

    /// Multiplier for an event at `timestamp` seen from `now`. Future events count fully.
    public func factor(for timestamp: Date, now: Date) -> Double {
        guard let halfLife = halfLifeSeconds, halfLife > 0 else { return 1 }
        let age = max(0, now.timeIntervalSince(timestamp))
        return pow(0.5, age / halfLife)
    }
}
