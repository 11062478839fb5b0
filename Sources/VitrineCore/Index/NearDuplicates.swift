// Near-duplicate folding: the one rule every ranked list goes through (each index search, the
// merged interest lists, popularity and trained-model lists). Shops list the same product in
// five colours and photo libraries hold bursts of one shot; showing them as separate results
// wastes the list, so they ride along as `duplicates` of the best one.

enum NearDuplicates {
    /// Folds `candidates` (best first): a candidate that `isDuplicate` of an already kept one is
    /// `absorb`ed into it instead of kept. Stops at the first new keeper after `limit` are kept
    /// (duplicates of kept ones met before that still join them).
    static func fold<Candidate>(_ candidates: [Candidate], limit: Int = .max,
                                isDuplicate: (_ host: Candidate, _ candidate: Candidate) -> Bool,
                                absorb: (_ host: inout Candidate, _ candidate: Candidate) -> Void) -> [Candidate] {
        var kept: [Candidate] = []
        for candidate in candidates {
            if let host = kept.indices.first(where: { isDuplicate(kept[$0], candidate) }) {
                absorb(&kept[host], candidate)
                continue
            }
            if kept.count == limit { break }
            kept.append(candidate)
        }
        return kept
    }
}
