// Validation metric for early stopping. The project's general ranking metrics live elsewhere in
// VitrineCore; this one is kept local to training so the trainer has no dependency on them.

extension TwoTowerModel {
    /// Mean Recall@K over `cases`: the share of each case's held-out items found in the top `k`
    /// of the whole catalog, ranked from its context (context items excluded from the ranking).
    /// Catalog items with an ID-embedding row use it. Returns 0 when `cases` is empty.
    public func recall(at k: Int, cases: [TrainingValidationCase], items: [TwoTowerItemFeatures]) throws -> Double {
        guard !cases.isEmpty else { return 0 }
        try TwoTowerTrainer.validate(histories: cases.map { $0.context + $0.heldOut.map { TwoTowerInteraction(item: $0) } },
                                     itemCount: items.count)
        let ids: [Int?] = items.indices.map { $0 < configuration.itemIDCount ? $0 : nil }
        let catalog = try itemEmbeddings(features: items, ids: ids)
        var total = 0.0
        for validationCase in cases {
            let user = try userEmbedding(historyEmbeddings: catalog.gatheringRows(validationCase.context.map(\.item)),
                                         strengths: validationCase.context.map(\.strength))
            var scores = try self.scores(user: user, itemEmbeddings: catalog)
            for event in validationCase.context { scores[event.item] = -.infinity }
            let top = Set(Self.topIndices(scores, k: k))
            let hits = validationCase.heldOut.filter { top.contains($0) }.count
            total += Double(hits) / Double(validationCase.heldOut.count)
        }
        return total / Double(cases.count)
    }

    /// Indices of the `k` largest finite scores, best first (ties: lower index first).
    static func topIndices(_ scores: [Float], k: Int) -> [Int] {
        var top: [Int] = []
        for (index, score) in scores.enumerated() where score.isFinite {
            if top.count == k, let last = top.last, scores[last] >= score { continue }
            var position = top.count
            while position > 0 && scores[top[position - 1]] < score { position -= 1 }
            top.insert(index, at: position)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}
