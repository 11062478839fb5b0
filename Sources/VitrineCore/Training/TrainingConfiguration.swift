// Options of the two-tower trainer, its dataset, and its errors.

/// The ranking loss the trainer minimises.
public enum TrainingLoss: Sendable, Equatable {
    /// In-batch sampled softmax: every other example's target is a negative (optionally logQ-corrected).
    case sampledSoftmax
    /// BPR against `negativesPerPositive` items drawn uniformly from the catalog.
    case bpr(negativesPerPositive: Int)
}

/// Hyper-parameters of a training run. Defaults suit a catalog of thousands of items.
public struct TrainingConfiguration: Sendable, Equatable {
    /// Upper bound on passes over the training examples.
    public var maxEpochs: Int = 30
    /// Examples per mini-batch (also the number of in-batch negatives + 1 for the softmax loss).
    public var batchSize: Int = 128
    /// AdamW step size. 3e-4 (8 epochs) was best on the MovieLens-100K validation slice; 2e-3 and
    /// 1e-3 overfit within 2–3 epochs (benchmarks/movielens/RESULTS.md has the grid).
    public var learningRate: Float = 3e-4
    /// Decoupled weight decay (Loshchilov & Hutter, ICLR 2019) on the weight matrices and ID
    /// embeddings; biases, the attention query and the cold-user vector are not decayed.
    public var weightDecay: Float = 1e-4
    /// Adam's first-moment decay.
    public var beta1: Float = 0.9
    /// Adam's second-moment decay.
    public var beta2: Float = 0.999
    /// Adam's denominator floor.
    public var adamEpsilon: Float = 1e-8
    /// Dropout rate on the item tower's hidden layer, in `[0, 1)`.
    public var dropoutRate: Float = 0.1
    /// Probability of dropping an item's ID embedding in a training step (DropoutNet), in `[0, 1]`.
    public var idDropoutProbability: Float = 0.5
    /// Which loss to minimise.
    public var loss: TrainingLoss = .sampledSoftmax
    /// Scores are cosine similarities divided by this temperature before the loss.
    public var temperature: Float = 0.1
    /// Subtract log(sampling probability) of each in-batch negative (softmax loss only).
    public var logQCorrection: Bool = true
    /// Multiplier `w` of the logQ correction. The corrected sampled softmax learns scores
    /// s ≈ log p(item | user) + (w − 1)·log q(item) + const: 1 estimates the full softmax, above 1
    /// leaves extra popularity in the scores, 0 is no correction (scores ≈ PMI, popularity removed).
    /// 1.5 beat 1, 1.25, 1.75 and 2 on the MovieLens-100K validation slice (RESULTS.md there).
    public var logQWeight: Float = 1.5
    /// Probability of training an example with an empty context, which teaches the cold-user vector.
    public var emptyContextProbability: Float = 0.05
    /// The user tower sees at most this many of the user's most recent other events. 100 beat 20
    /// and 50 on the MovieLens-100K validation slice (a median user there has ~35 positives).
    public var maxHistoryLength: Int = 100
    /// `.sequence` tower only: probability that a training window predicts items held out of it
    /// (a fifth of its events, at least one, each from the whole window) instead of each next
    /// event. Next-event windows fit "what comes next" (leave-last-out); held-out windows fit "what
    /// else belongs in this history" (a random split). On the MovieLens-100K validation slices 0
    /// won the leave-last-out one (NDCG@10 0.115 vs 0.091 at 0.5) and 0.5 the random one (0.216 vs
    /// 0.127); 0 is the default because the trainer's own validation holds out the newest events.
    public var sequenceHoldoutProbability: Float = 0
    /// `.sequence` tower with the softmax loss: negatives drawn per batch from the training events
    /// (so as often as items are targets; the logQ correction covers them) on top of the batch's
    /// own targets, which come from only a few users' windows.
    public var sequenceSampledNegatives: Int = 256
    /// Share of eligible users (two or more events) held out for validation; 0 disables early stopping.
    public var validationUserFraction: Double = 0.1
    /// Share of a validation user's most recent events held out as targets (at least one).
    public var validationHoldoutFraction: Double = 0.2
    /// K of the validation Recall@K.
    public var recallK: Int = 10
    /// Epochs without improvement before stopping (the best weights are then restored).
    public var patience: Int = 3
    /// Smallest Recall@K gain that counts as an improvement.
    public var minimumImprovement: Double = 1e-4
    /// Seed of every random draw (shuffles, dropout, negatives, the validation split).
    public var seed: UInt64 = 42

    /// The defaults.
    public init() {}

    /// Throws `TrainingError.invalidConfiguration` naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw TrainingError.invalidConfiguration(field: field, reason: reason) }
        }
        try check(maxEpochs >= 1, "maxEpochs", "must be at least 1, is \(maxEpochs)")
        try check(batchSize >= 1, "batchSize", "must be at least 1, is \(batchSize)")
        try check(learningRate > 0 && learningRate.isFinite, "learningRate", "must be positive, is \(learningRate)")
        try check(weightDecay >= 0 && weightDecay.isFinite, "weightDecay", "must be non-negative, is \(weightDecay)")
        try check((0..<1).contains(beta1), "beta1", "must be in [0, 1), is \(beta1)")
        try check((0..<1).contains(beta2), "beta2", "must be in [0, 1), is \(beta2)")
        try check(adamEpsilon > 0, "adamEpsilon", "must be positive, is \(adamEpsilon)")
        try check((0..<1).contains(dropoutRate), "dropoutRate", "must be in [0, 1), is \(dropoutRate)")
        try check((0...1).contains(idDropoutProbability), "idDropoutProbability",
                  "must be in [0, 1], is \(idDropoutProbability)")
        if case let .bpr(count) = loss {
            try check(count >= 1, "loss.negativesPerPositive", "must be at least 1, is \(count)")
        }
        try check(temperature > 0 && temperature.isFinite, "temperature", "must be positive, is \(temperature)")
        try check(logQWeight >= 0 && logQWeight.isFinite, "logQWeight", "must be non-negative, is \(logQWeight)")
        try check((0...1).contains(emptyContextProbability), "emptyContextProbability",
                  "must be in [0, 1], is \(emptyContextProbability)")
        try check((0...1).contains(sequenceHoldoutProbability), "sequenceHoldoutProbability",
                  "must be in [0, 1], is \(sequenceHoldoutProbability)")
        try check(sequenceSampledNegatives >= 0, "sequenceSampledNegatives", "must be non-negative, is \(sequenceSampledNegatives)")
        try check(maxHistoryLength >= 1, "maxHistoryLength", "must be at least 1, is \(maxHistoryLength)")
        try check((0..<1).contains(validationUserFraction), "validationUserFraction",
                  "must be in [0, 1), is \(validationUserFraction)")
        try check(validationHoldoutFraction > 0 && validationHoldoutFraction < 1, "validationHoldoutFraction",
                  "must be in (0, 1), is \(validationHoldoutFraction)")
        try check(recallK >= 1, "recallK", "must be at least 1, is \(recallK)")
        try check(patience >= 1, "patience", "must be at least 1, is \(patience)")
        try check(minimumImprovement >= 0, "minimumImprovement", "must be non-negative, is \(minimumImprovement)")
    }
}

/// What the trainer learns from: the catalog's content and each user's events in time order.
public struct TrainingDataset: Sendable, Equatable {
    /// Content of every catalog item; an item's index is its `TwoTowerInteraction.item` and its ID-embedding row.
    public var items: [TwoTowerItemFeatures]
    /// One event list per user, oldest first.
    public var histories: [[TwoTowerInteraction]]

    /// A dataset.
    public init(items: [TwoTowerItemFeatures], histories: [[TwoTowerInteraction]]) {
        self.items = items
        self.histories = histories
    }
}

/// Why training could not start or continue.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// A training option is out of range.
    case invalidConfiguration(field: String, reason: String)
    /// A history refers to an item the catalog does not have.
    case itemOutOfRange(user: Int, entry: Int, item: Int, itemCount: Int)
    /// A history event has a zero, negative or non-finite strength.
    case invalidStrength(user: Int, entry: Int, value: Float)
    /// No history yields a training example.
    case noTrainingExamples
    /// The loss became NaN or infinite (learning rate too high?).
    case diverged(epoch: Int)

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "training option \(field) \(reason)"
        case let .itemOutOfRange(user, entry, item, itemCount):
            return "user \(user), event \(entry): item \(item) is outside the catalog of \(itemCount) items"
        case let .invalidStrength(user, entry, value):
            return "user \(user), event \(entry): strength \(value) must be positive and finite"
        case .noTrainingExamples: return "no user history gives a training example (all histories empty?)"
        case let .diverged(epoch): return "training diverged in epoch \(epoch): the loss is not finite; lower the learning rate"
        }
    }
}
