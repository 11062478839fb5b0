// The files `vitrine evaluate` reads: an items JSONL (catalog order = line order, which is the
// tie-break order of benchmarks/movielens/README.md) and split folders
// `<protocol>/{train.csv,test.csv,meta.json[,onboarding.csv]}` made by make_splits.py.

import Foundation
import VitrineCore

/// What can go wrong reading evaluation files; each case names the file.
public enum EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file is missing or unreadable.
    case unreadable(file: String, reason: String)
    /// A row or object is malformed.
    case malformed(file: String, line: Int, reason: String)
    /// An unknown protocol name.
    case unknownProtocol(String)

    /// A sentence naming the file and the problem.
    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "cannot read \(file): \(reason)"
        case let .malformed(file, line, reason): return "\(file):\(line): \(reason)"
        case let .unknownProtocol(name): return "unknown protocol '\(name)' (expected random, temporal, cold-item, cold-user or all)"
        }
    }
}

/// One rating / event row of a split file.
public struct SplitRow: Sendable, Equatable {
    /// User id.
    public var user: String
    /// Item id.
    public var item: String
    /// Rating or event value.
    public var value: Double
    /// When.
    public var timestamp: Date

    /// Creates a row.
    public init(user: String, item: String, value: Double, timestamp: Date) {
        self.user = user
        self.item = item
        self.value = value
        self.timestamp = timestamp
    }
}

/// One protocol's files.
public struct EvaluationSplit: Sendable {
    /// `random`, `temporal`, `cold-item` or `cold-user`.
    public var name: String
    /// Training rows.
    public var train: [SplitRow]
    /// Held-out positives.
    public var test: [SplitRow]
    /// Histories given at test time (cold-user only).
    public var onboarding: [SplitRow]
    /// Items never seen in training (cold-item only).
    public var coldItems: [String]

    /// Creates a split.
    public init(name: String, train: [SplitRow], test: [SplitRow], onboarding: [SplitRow] = [], coldItems: [String] = []) {
        self.name = name
        self.train = train
        self.test = test
        self.onboarding = onboarding
        self.coldItems = coldItems
    }
}

/// Reads evaluation files.
public enum EvaluationData {
    /// The protocols in report order.
    public static let protocols = ["random", "temporal", "cold-item", "cold-user"]

    /// Reads the items JSONL (`id`, `title`, `description`, `tags`) in line order.
    public static func items(at url: URL) throws -> [Item] {
        let text = try read(url)
        var items: [Item] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = (object["id"] as? String) ?? (object["id"] as? NSNumber)?.stringValue else {
                throw EvaluationError.malformed(file: url.path, line: number + 1, reason: "not a JSON object with an id")
            }
            items.append(Item(id: id, title: object["title"] as? String ?? "",
                                        description: object["description"] as? String ?? "", tags: object["tags"] as? [String] ?? []))
        }
        return items
    }

    /// Reads one protocol's folder under `splits`.
    public static func split(_ name: String, in splits: URL) throws -> EvaluationSplit {
        guard protocols.contains(name) else { throw EvaluationError.unknownProtocol(name) }
        let folder = splits.appendingPathComponent(name)
        let onboardingURL = folder.appendingPathComponent("onboarding.csv")
        var cold: [String] = []
        if name == "cold-item" {
            let metaURL = folder.appendingPathComponent("meta.json")
            let data = try Data(read(metaURL).utf8)
            guard let meta = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = meta["cold_items"] as? [Any] else {
                throw EvaluationError.malformed(file: metaURL.path, line: 1, reason: "no cold_items list")
            }
            cold = list.compactMap { ($0 as? String) ?? ($0 as? NSNumber)?.stringValue }
        }
        return EvaluationSplit(name: name, train: try rows(at: folder.appendingPathComponent("train.csv")),
                               test: try rows(at: folder.appendingPathComponent("test.csv")),
                               onboarding: FileManager.default.fileExists(atPath: onboardingURL.path) ? try rows(at: onboardingURL) : [],
                               coldItems: cold)
    }

    /// Reads `user,item,event,value,timestamp` rows (header required).
    public static func rows(at url: URL) throws -> [SplitRow] {
        let text = try read(url)
        var rows: [SplitRow] = []
        for (number, line) in text.split(separator: "\n").enumerated() where number > 0 {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            guard cells.count >= 5, let value = Double(cells[3]) else {
                throw EvaluationError.malformed(file: url.path, line: number + 1, reason: "expected user,item,event,value,timestamp")
            }
            let stamp = String(cells[4]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let date = EventTimestamp.parseISO8601(stamp) ?? Double(stamp).map({ Date(timeIntervalSince1970: $0) }) else {
                throw EvaluationError.malformed(file: url.path, line: number + 1, reason: "bad timestamp '\(stamp)'")
            }
            rows.append(SplitRow(user: String(cells[0]), item: String(cells[1]), value: value, timestamp: date))
        }
        return rows
    }

    static func read(_ url: URL) throws -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw EvaluationError.unreadable(file: url.path, reason: (error as NSError).localizedDescription)
        }
    }
}

extension EvaluationSplit {
    /// A validation split carved from this split's training rows only (for tuning; the test file is
    /// never read): per user with n ≥ 3 positives, (n + 2) / 5 of them, drawn with `seed`, become the
    /// validation test rows; every other training row stays training.
    public func validationSlice(seed: UInt64 = 7, positiveThreshold: Double = 4) -> EvaluationSplit {
        var generator = SplitMix64(seed: seed)
        var heldOut = Set<Int>()
        let byUser = Dictionary(grouping: train.indices.filter { train[$0].value >= positiveThreshold }, by: { train[$0].user })
        for user in SplitEvaluator.sortedUsers(Set(byUser.keys)) {
            var rows = byUser[user] ?? []
            guard rows.count >= 3 else { continue }
            rows.shuffle(using: &generator)
            heldOut.formUnion(rows.prefix((rows.count + 2) / 5))
        }
        return EvaluationSplit(name: "random", train: train.indices.filter { !heldOut.contains($0) }.map { train[$0] },
                               test: heldOut.sorted().map { train[$0] }, onboarding: [], coldItems: [])
    }

    /// The validation split a protocol's hyperparameters are chosen on, from its training rows only
    /// (the test file is never read), shaped like the protocol: the last positive of each user for
    /// temporal, held-out items for cold-item, held-out users with three onboarding positives for
    /// cold-user, `validationSlice` else.
    public func protocolValidationSlice(seed: UInt64 = 7, positiveThreshold: Double = 4) -> EvaluationSplit {
        switch name {
        case "temporal": return lastPositiveSlice(positiveThreshold: positiveThreshold)
        case "cold-item": return coldItemSlice(seed: seed, positiveThreshold: positiveThreshold)
        case "cold-user": return coldUserSlice(seed: seed, positiveThreshold: positiveThreshold)
        default: return validationSlice(seed: seed, positiveThreshold: positiveThreshold)
        }
    }

    /// Leave-last-out on the training rows: each user's last positive by (timestamp, item), for users
    /// with two or more positives, becomes the validation test row (make_splits.py's temporal rule).
    func lastPositiveSlice(positiveThreshold: Double) -> EvaluationSplit {
        let byUser = Dictionary(grouping: train.indices.filter { train[$0].value >= positiveThreshold }, by: { train[$0].user })
        var heldOut = Set<Int>()
        for rows in byUser.values where rows.count >= 2 {
            if let last = rows.max(by: { train[$0].chronologicallyBefore(train[$1]) }) {
                heldOut.insert(last)
            }
        }
        return EvaluationSplit(name: "temporal", train: train.indices.filter { !heldOut.contains($0) }.map { train[$0] },
                               test: heldOut.sorted().map { train[$0] }, onboarding: [], coldItems: [])
    }

    /// Cold items carved from the training items (make_splits.py's cold-item rule): of the items with at
    /// least `minimumPositives` positives, one in five (drawn with `seed`) leaves training with every
    /// rating; their positives become the test rows.
    func coldItemSlice(seed: UInt64, positiveThreshold: Double, minimumPositives: Int = 5) -> EvaluationSplit {
        var positives: [String: Int] = [:]
        for row in train where row.value >= positiveThreshold { positives[row.item, default: 0] += 1 }
        var eligible = SplitEvaluator.sortedUsers(Set(positives.filter { $0.value >= minimumPositives }.keys))
        var generator = SplitMix64(seed: seed)
        eligible.shuffle(using: &generator)
        let cold = Set(eligible.prefix((eligible.count + 2) / 5))
        return EvaluationSplit(name: "cold-item", train: train.filter { !cold.contains($0.item) },
                               test: train.filter { cold.contains($0.item) && $0.value >= positiveThreshold },
                               onboarding: [], coldItems: SplitEvaluator.sortedUsers(cold))
    }

    /// Cold users carved from the training users (make_splits.py's cold-user rule): of the users with
    /// more than three positives, one in five (drawn with `seed`) leaves training; their first three
    /// positives by (timestamp, item) become onboarding rows, their other positives test rows, and
    /// their ratings below the threshold are dropped.
    func coldUserSlice(seed: UInt64, positiveThreshold: Double, onboardingSize: Int = 3) -> EvaluationSplit {
        let byUser = Dictionary(grouping: train, by: \.user)
        var eligible = SplitEvaluator.sortedUsers(Set(byUser.keys)).filter { user in
            (byUser[user] ?? []).filter { $0.value >= positiveThreshold }.count > onboardingSize
        }
        var generator = SplitMix64(seed: seed)
        eligible.shuffle(using: &generator)
        let cold = Set(eligible.prefix((eligible.count + 2) / 5))
        var onboarding: [SplitRow] = [], test: [SplitRow] = []
        for user in SplitEvaluator.sortedUsers(cold) {
            let positives = (byUser[user] ?? []).filter { $0.value >= positiveThreshold }
                .sorted { $0.chronologicallyBefore($1) }
            onboarding += positives.prefix(onboardingSize)
            test += positives.dropFirst(onboardingSize)
        }
        return EvaluationSplit(name: "cold-user", train: train.filter { !cold.contains($0.user) }, test: test,
                               onboarding: onboarding, coldItems: [])
    }
}

extension SplitRow {
    /// The splits' order of a user's rows: by timestamp, then by integer item id (string order for others).
    func chronologicallyBefore(_ other: SplitRow) -> Bool {
        (timestamp, Int(item) ?? Int.max, item) < (other.timestamp, Int(other.item) ?? Int.max, other.item)
    }
}
