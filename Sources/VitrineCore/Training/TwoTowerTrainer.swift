import Foundation

/// A held-out validation user: rank the catalog from `context` and look for `heldOut`.
public struct TrainingValidationCase: Sendable, Equatable {
    /// The events the user tower sees (the user's older events).
    public var context: [TwoTowerInteraction]
    /// Distinct catalog items of the user's newest events that are not already in `context`.
    public var heldOut: [Int]

    /// A validation case.
    public init(context: [TwoTowerInteraction], heldOut: [Int]) {
        self.context = context
        self.heldOut = heldOut
    }
}

/// The deterministic split of a dataset into training histories and validation cases.
public struct TrainingSplit: Sendable, Equatable {
    /// Every user's training events: all of them, or the older part for a validation user.
    public var trainingHistories: [[TwoTowerInteraction]]
    /// One case per validation user.
    public var validationCases: [TrainingValidationCase]

    /// Picks `validationUserFraction` of the users with two or more events (seeded by
    /// `configuration.seed`) and holds out the newest `validationHoldoutFraction` of their events.
    public init(dataset: TrainingDataset, configuration: TrainingConfiguration) {
        trainingHistories = dataset.histories
        validationCases = []
        let eligible = dataset.histories.indices.filter { dataset.histories[$0].count >= 2 }
        guard configuration.validationUserFraction > 0, !eligible.isEmpty else { return }
        var generator = TrainingRandomGenerator(seed: configuration.seed ^ 0x5A17_5EED)
        var chosen = eligible
        generator.shuffle(&chosen)
        let count = max(1, Int((Double(eligible.count) * configuration.validationUserFraction).rounded()))
        for user in chosen.prefix(count).sorted() {
            let events = dataset.histories[user]
            let holdout = min(events.count - 1,
                              max(1, Int((Double(events.count) * configuration.validationHoldoutFraction).rounded())))
            let context = Array(events.prefix(events.count - holdout))
            let seen = Set(context.map(\.item))
            var heldOut: [Int] = []
            for event in events.suffix(holdout) where !seen.contains(event.item) && !heldOut.contains(event.item) {
                heldOut.append(event.item)
            }
            trainingHistories[user] = context
            if !heldOut.isEmpty {
                validationCases.append(TrainingValidationCase(context: Array(context.suffix(configuration.maxHistoryLength)),
                                                              heldOut: heldOut))
            }
        }
    }
}

/// One epoch's outcome, as passed to the progress callback.
public struct TrainingEpochSummary: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean mini-batch loss over the epoch.
    public var trainLoss: Float
    /// Validation Recall@K after the epoch, nil when there is no validation split.
    public var validationRecall: Double?
    /// Whether this epoch's weights are the best so far (the ones kept).
    public var isBest: Bool
}

/// What a training run did.
public struct TrainingReport: Sendable, Equatable {
    /// Every epoch that ran, in order.
    public var epochs: [TrainingEpochSummary]
    /// Epoch whose weights were returned (the last one without a validation split).
    public var bestEpoch: Int
    /// Validation Recall@K of the returned weights, nil without a validation split.
    public var bestValidationRecall: Double?
    /// True when patience ran out before `maxEpochs`.
    public var stoppedEarly: Bool
}

/// Trains a `TwoTowerModel` with mini-batch AdamW and early stopping on validation Recall@K.
public struct TwoTowerTrainer: Sendable {
    /// The run's hyper-parameters.
    public var training: TrainingConfiguration

    /// A trainer with the given options.
    public init(training: TrainingConfiguration = TrainingConfiguration()) {
        self.training = training
    }

    /// Trains `model` on `dataset` and returns the weights of the best validation epoch.
    ///
    /// Deterministic: the same model, dataset and configuration give bit-identical weights.
    /// - Parameter progress: called after every epoch (the CLI draws its progress bar from it).
    public func train(_ model: TwoTowerModel, on dataset: TrainingDataset,
                      progress: (TrainingEpochSummary) -> Void = { _ in }) throws
        -> (model: TwoTowerModel, report: TrainingReport) {
        let t = training
        try t.validate()
        try Self.validate(histories: dataset.histories, itemCount: dataset.items.count)
        _ = try model.inputMatrix(dataset.items)  // every feature vector has the right length
        let split = TrainingSplit(dataset: dataset, configuration: t)
        guard split.trainingHistories.contains(where: { !$0.isEmpty }) else { throw TrainingError.noTrainingExamples }

        // Every training event is a target once per epoch: that is the sampling distribution.
        var logQ: [Float]? = nil
        if t.logQCorrection {
            var counts = [Float](repeating: 0, count: dataset.items.count)
            for history in split.trainingHistories { for event in history { counts[event.item] += 1 } }
            let total = counts.reduce(0, +)
            logQ = counts.map { t.logQWeight * log(max($0 / total, 1e-12)) }
        }

        // The sequence tower's extra softmax negatives are drawn from these (one entry per training event).
        let negativePool = model.configuration.pooling == .sequence ? split.trainingHistories.flatMap { $0.map(\.item) } : []
        var generator = TrainingRandomGenerator(seed: t.seed)
        var current = model
        var optimizer = AdamWOptimizer(model: current, configuration: t)
        var best = current
        var report = TrainingReport(epochs: [], bestEpoch: 0, bestValidationRecall: nil, stoppedEarly: false)
        var epochsSinceBest = 0
        for epoch in 1...t.maxEpochs {
            var lossSum: Float = 0
            var batches = 0
            func step(_ result: (loss: Float, gradients: [TrainingMatrix])) throws {
                guard result.loss.isFinite else { throw TrainingError.diverged(epoch: epoch) }
                optimizer.update(&current, gradients: result.gradients)
                lossSum += result.loss
                batches += 1
            }
            if current.configuration.pooling == .sequence {
                var windows = makeSequences(split.trainingHistories, length: current.configuration.sequenceLength, using: &generator)
                generator.shuffle(&windows)
                for batch in Self.packed(windows, targetsPerBatch: t.batchSize) {
                    try step(current.sequenceBatchLossAndGradients(sequences: batch, items: dataset.items, training: t, logQ: logQ,
                                                                   negativePool: negativePool, generator: &generator))
                }
            } else {
                var examples = makeExamples(split.trainingHistories, using: &generator)
                generator.shuffle(&examples)
                for start in stride(from: 0, to: examples.count, by: t.batchSize) {
                    let batch = Array(examples[start..<min(start + t.batchSize, examples.count)])
                    try step(current.batchLossAndGradients(examples: batch, items: dataset.items, training: t,
                                                           logQ: logQ, generator: &generator))
                }
            }
            var summary = TrainingEpochSummary(epoch: epoch, trainLoss: lossSum / Float(max(batches, 1)),
                                               validationRecall: nil, isBest: false)
            if split.validationCases.isEmpty {
                summary.isBest = true
                best = current
                report.bestEpoch = epoch
            } else {
                let recall = try current.recall(at: t.recallK, cases: split.validationCases, items: dataset.items)
                summary.validationRecall = recall
                if recall > (report.bestValidationRecall ?? -1) + t.minimumImprovement {
                    summary.isBest = true
                    best = current
                    report.bestEpoch = epoch
                    report.bestValidationRecall = recall
                    epochsSinceBest = 0
                } else {
                    epochsSinceBest += 1
                }
            }
            report.epochs.append(summary)
            progress(summary)
            if epochsSinceBest >= t.patience && epoch < t.maxEpochs {
                report.stoppedEarly = true
                break
            }
        }
        return (best, report)
    }

    /// One example per training event: that event is the target, the user's most recent other
    /// events (at most `maxHistoryLength`) are the context — or nothing, with probability
    /// `emptyContextProbability`, so the cold-user vector is trained too.
    func makeExamples(_ histories: [[TwoTowerInteraction]],
                      using generator: inout TrainingRandomGenerator) -> [TrainingExample] {
        var examples: [TrainingExample] = []
        for history in histories {
            for (position, event) in history.enumerated() {
                var context: [TwoTowerInteraction] = []
                if generator.nextUnitFloat() >= training.emptyContextProbability {
                    var index = history.count - 1
                    while index >= 0 && context.count < training.maxHistoryLength {
                        if index != position { context.append(history[index]) }
                        index -= 1
                    }
                    context.reverse()
                }
                examples.append(TrainingExample(context: context, target: event.item))
            }
        }
        return examples
    }

    /// The `.sequence` tower's windows: each history cut from its newest event backwards into windows
    /// of `length + 1` events that overlap by one, so every event but the first is predicted once
    /// from up to `length` events before it, and the first (`includingFirst`) from none. With
    /// probability `sequenceHoldoutProbability` a window instead holds out a fifth of its events
    /// (at least one, drawn at random) and predicts them from the rest.
    public func makeSequences(_ histories: [[TwoTowerInteraction]], length: Int,
                              using generator: inout TrainingRandomGenerator) -> [TrainingSequence] {
        var windows: [TrainingSequence] = []
        for history in histories where !history.isEmpty {
            var end = history.count
            while true {
                let start = max(0, end - (length + 1))
                var events = Array(history[start..<end])
                if events.count >= 2 && generator.nextUnitFloat() < training.sequenceHoldoutProbability {
                    var order = Array(events.indices)
                    generator.shuffle(&order)
                    let heldOut = Set(order.prefix(max(1, events.count / 5)))
                    let items = events.indices.filter { heldOut.contains($0) }.map { events[$0].item }
                    events = events.indices.filter { !heldOut.contains($0) }.map { events[$0] }
                    windows.append(TrainingSequence(events: events, targets: .heldOut(items)))
                } else {
                    windows.append(TrainingSequence(events: events, targets: .nextEvents(includingFirst: start == 0)))
                }
                if start == 0 { break }
                end = start + 1
            }
        }
        return windows
    }

    /// Consecutive runs of `windows` with about `targetsPerBatch` predictions each (a run closes
    /// once it reaches that many), so the in-batch softmax sees as many negatives as in pooling mode.
    static func packed(_ windows: [TrainingSequence], targetsPerBatch: Int) -> [[TrainingSequence]] {
        var batches: [[TrainingSequence]] = []
        var current: [TrainingSequence] = []
        var targets = 0
        for window in windows {
            current.append(window)
            targets += window.targetCount
            if targets >= targetsPerBatch {
                batches.append(current)
                current = []
                targets = 0
            }
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Throws if any event names an item outside the catalog or has a bad strength.
    static func validate(histories: [[TwoTowerInteraction]], itemCount: Int) throws {
        for (user, history) in histories.enumerated() {
            for (entry, event) in history.enumerated() {
                guard (0..<itemCount).contains(event.item) else {
                    throw TrainingError.itemOutOfRange(user: user, entry: entry, item: event.item, itemCount: itemCount)
                }
                guard event.strength > 0 && event.strength.isFinite else {
                    throw TrainingError.invalidStrength(user: user, entry: entry, value: event.strength)
                }
            }
        }
    }
}
