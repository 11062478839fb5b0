// Train/test split protocols. All are deterministic for a given seed: events are first put
// in a canonical order (user, time, item, kind) so the input order does not matter.

/// How interactions are divided into train and test.
public enum SplitProtocol: Sendable, Hashable {
    /// Per user, a random `testFraction` of their events (at least one, leaving at least one for training).
    case randomHoldout(testFraction: Double)
    /// Per user with ≥ 2 events, their latest event is the test.
    case leaveLastOut
    /// A random `itemFraction` of items is "new": every event on them goes to test.
    case coldItem(itemFraction: Double)
    /// A random `userFraction` of users is held out: their first `onboardingCount` events become
    /// onboarding history, the rest test; other users train.
    case coldUser(userFraction: Double, onboardingCount: Int)
}

/// A train/test division of interactions.
public struct DataSplit: Sendable {
    /// Events a model may learn from.
    public let train: [Interaction]
    /// Held-out events to predict.
    public let test: [Interaction]
    /// Cold-user protocol: the held-out users' first events, given to scorers as their history.
    public let onboarding: [Interaction]
    /// Cold-item protocol: the items treated as new.
    public let coldItems: Set<String>
    /// Cold-user protocol: the users held out.
    public let coldUsers: Set<String>

    /// Creates a split directly.
    public init(train: [Interaction], test: [Interaction], onboarding: [Interaction] = [],
                coldItems: Set<String> = [], coldUsers: Set<String> = []) {
        self.train = train
        self.test = test
        self.onboarding = onboarding
        self.coldItems = coldItems
        self.coldUsers = coldUsers
    }

    /// Splits `interactions` by `splitProtocol`, reproducibly for a given `seed`.
    /// - Throws: `.invalidOption` when a fraction is outside [0, 1] or onboardingCount < 0.
    public init(interactions: [Interaction], protocol splitProtocol: SplitProtocol, seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let ordered = interactions.sorted(by: Self.canonical)
        var byUser: [String: [Interaction]] = [:]
        for event in ordered { byUser[event.user, default: []].append(event) }
        let users = byUser.keys.sorted()
        var train: [Interaction] = [], test: [Interaction] = [], onboarding: [Interaction] = []
        var coldItems = Set<String>(), coldUsers = Set<String>()

        switch splitProtocol {
        case .randomHoldout(let fraction):
            try Self.checkFraction(fraction, name: "testFraction")
            for user in users {
                let events = byUser[user] ?? []
                guard events.count >= 2 else { train += events; continue }
                let testCount = min(events.count - 1, max(1, Int((fraction * Double(events.count)).rounded())))
                let shuffled = events.shuffled(using: &generator)
                test += shuffled.prefix(testCount)
                train += shuffled.dropFirst(testCount)
            }
        case .leaveLastOut:
            for user in users {
                let events = byUser[user] ?? []
                guard events.count >= 2, let last = events.last else { train += events; continue }
                test.append(last)
                train += events.dropLast()
            }
        case .coldItem(let fraction):
            try Self.checkFraction(fraction, name: "itemFraction")
            let items = Set(ordered.map(\.item)).sorted().shuffled(using: &generator)
            coldItems = Set(items.prefix(Int((fraction * Double(items.count)).rounded())))
            for event in ordered { if coldItems.contains(event.item) { test.append(event) } else { train.append(event) } }
        case .coldUser(let fraction, let onboardingCount):
            try Self.checkFraction(fraction, name: "userFraction")
            guard onboardingCount >= 0 else {
                throw VitrineCoreError.invalidOption(name: "onboardingCount", reason: "must be ≥ 0, got \(onboardingCount)")
            }
            coldUsers = Set(users.shuffled(using: &generator).prefix(Int((fraction * Double(users.count)).rounded())))
            for user in users {
                let events = byUser[user] ?? []
                if coldUsers.contains(user) {
                    onboarding += events.prefix(onboardingCount)
                    test += events.dropFirst(onboardingCount)
                } else {
                    train += events
                }
            }
        }
        self.init(train: train, test: test, onboarding: onboarding, coldItems: coldItems, coldUsers: coldUsers)
    }

    private static func checkFraction(_ value: Double, name: String) throws {
        guard value >= 0, value <= 1 else {
            throw VitrineCoreError.invalidOption(name: name, reason: "must be in [0, 1], got \(value)")
        }
    }

    private static func canonical(_ a: Interaction, _ b: Interaction) -> Bool {
        if a.user != b.user { return a.user < b.user }
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        if a.item != b.item { return a.item < b.item }
        return a.kind.rawValue < b.kind.rawValue
    }
}
