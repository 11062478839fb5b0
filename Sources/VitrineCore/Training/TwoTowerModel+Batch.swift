import Foundation

/// One training example: predict `target` from the user's other events (`context`, may be empty).
public struct TrainingExample: Sendable, Equatable {
    /// Events the user tower pools over.
    public var context: [TwoTowerInteraction]
    /// Catalog index of the item to rank first.
    public var target: Int

    /// An example.
    public init(context: [TwoTowerInteraction], target: Int) {
        self.context = context
        self.target = target
    }
}

/// One training window of the `.sequence` user tower: a stretch of one user's events, oldest
/// first, and what it is trained to predict (`Targets`).
public struct TrainingSequence: Sendable, Equatable {
    /// What a window predicts.
    public enum Targets: Sendable, Equatable {
        /// Next-event prediction: each event after the first from the window's events before it, and
        /// the first from an empty history (the cold-user vector) when `includingFirst` — the
        /// trainer sets it on the window that starts at the user's first event.
        case nextEvents(includingFirst: Bool)
        /// Items taken out of the window, each predicted from the whole window (the user after its
        /// newest event; the cold-user vector for an empty window). This teaches the tower what
        /// belongs anywhere in a user's history, not only what comes next.
        case heldOut([Int])
    }

    /// The window's events, oldest first; at most `sequenceLength + 1` (`sequenceLength` when held out).
    public var events: [TwoTowerInteraction]
    /// What the window trains.
    public var targets: Targets

    /// A window.
    public init(events: [TwoTowerInteraction], targets: Targets) {
        self.events = events
        self.targets = targets
    }

    /// How many predictions the window trains.
    public var targetCount: Int {
        switch targets {
        case let .nextEvents(includingFirst): return events.isEmpty ? 0 : events.count - 1 + (includingFirst ? 1 : 0)
        case let .heldOut(items): return items.count
        }
    }

    /// Rows the window feeds to the block.
    var inputCount: Int {
        if case .heldOut = targets { return events.count }
        return max(0, events.count - 1)
    }
}

extension TwoTowerModel {
    /// Mini-batch loss and the gradient of every tensor (keyed by `parameterNames`), with the
    /// training-time dropout, ID dropout and negative sampling of `training`, drawn from `seed`.
    ///
    /// Public so the gradient can be checked against finite differences; the trainer uses the same path.
    /// - Parameter itemSamplingProbabilities: per catalog item, the probability of appearing as a
    ///   target; used for the logQ correction when `training.logQCorrection` is on (nil: no correction).
    public func lossAndGradients(for examples: [TrainingExample], items: [TwoTowerItemFeatures],
                                 training: TrainingConfiguration, itemSamplingProbabilities: [Float]? = nil,
                                 seed: UInt64) throws -> (loss: Float, gradients: [String: TrainingMatrix]) {
        try training.validate()
        guard configuration.pooling != .sequence else {
            throw TrainingError.invalidConfiguration(field: "pooling", reason: "sequence towers train on TrainingSequence windows")
        }
        try TwoTowerTrainer.validate(histories: examples.map { $0.context + [TwoTowerInteraction(item: $0.target)] },
                                     itemCount: items.count)
        var generator = TrainingRandomGenerator(seed: seed)
        let logQ = itemSamplingProbabilities.map { $0.map { training.logQWeight * log(max($0, 1e-12)) } }
        let (loss, gradients) = try batchLossAndGradients(examples: examples, items: items, training: training,
                                                          logQ: logQ, generator: &generator)
        return (loss, Dictionary(uniqueKeysWithValues: zip(parameterNames, gradients)))
    }

    /// The same for a `.sequence` model on windows of events (`TrainingSequence`); throws for a
    /// pooling model or a window longer than `sequenceLength + 1` events.
    public func lossAndGradients(for sequences: [TrainingSequence], items: [TwoTowerItemFeatures],
                                 training: TrainingConfiguration, itemSamplingProbabilities: [Float]? = nil,
                                 seed: UInt64) throws -> (loss: Float, gradients: [String: TrainingMatrix]) {
        try training.validate()
        try TwoTowerTrainer.validate(histories: sequences.map { sequence in
            guard case let .heldOut(items) = sequence.targets else { return sequence.events }
            return sequence.events + items.map { TwoTowerInteraction(item: $0) }
        }, itemCount: items.count)
        for (index, sequence) in sequences.enumerated() where sequence.inputCount > configuration.sequenceLength {
            throw TrainingError.invalidConfiguration(
                field: "sequences[\(index)]", reason: "feeds \(sequence.inputCount) events to the tower, at most sequenceLength = \(configuration.sequenceLength)")
        }
        var generator = TrainingRandomGenerator(seed: seed)
        let logQ = itemSamplingProbabilities.map { $0.map { training.logQWeight * log(max($0, 1e-12)) } }
        let pool = sequences.flatMap { sequence -> [Int] in
            guard case let .heldOut(held) = sequence.targets else { return sequence.events.map(\.item) }
            return sequence.events.map(\.item) + held
        }
        let (loss, gradients) = try sequenceBatchLossAndGradients(sequences: sequences, items: items, training: training,
                                                                  logQ: logQ, negativePool: pool, generator: &generator)
        return (loss, Dictionary(uniqueKeysWithValues: zip(parameterNames, gradients)))
    }

    /// The trainer's step for the pooling towers: forward both towers, the loss, and backward into
    /// every tensor. Inputs are already validated (item indices in range, strengths positive).
    func batchLossAndGradients(examples: [TrainingExample], items: [TwoTowerItemFeatures],
                               training: TrainingConfiguration, logQ: [Float]?,
                               generator: inout TrainingRandomGenerator) throws -> (Float, [TrainingMatrix]) {
        let d = configuration.embeddingDimension
        // Each distinct item goes through the tower once, however often the batch uses it.
        var slots = BatchItemSlots()
        let targetItems = examples.map(\.target)
        let targetSlots = targetItems.map { slots.slot($0) }
        var historySlots: [Int] = [], strengths: [Float] = [], segments: [Range<Int>] = []
        for example in examples {
            let start = historySlots.count
            for event in example.context {
                historySlots.append(slots.slot(event.item))
                strengths.append(event.strength)
            }
            segments.append(start..<historySlots.count)
        }
        let negativeSlots = drawNegatives(for: targetItems, slots: &slots, itemCount: items.count, training: training, generator: &generator)

        let tower = try itemTowerForward(slots.items, features: items, training: training, generator: &generator)
        var (pooled, attention) = TrainingLayers.AttentionPooling.forward(
            table: tower.vectors, rows: historySlots, segments: segments, strengths: strengths, query: attentionQuery,
            mode: configuration.pooling)
        for (row, segment) in segments.enumerated() where segment.isEmpty {
            for column in 0..<d { pooled[row, column] = coldUserVector.values[column] }
        }
        var itemVectorsGradient = TrainingMatrix(rows: slots.items.count, columns: d)
        let (loss, usersGradient) = rankingLoss(users: TrainingLayers.L2Normalize.forward(pooled), targetItems: targetItems,
                                                targetSlots: targetSlots, negativeSlots: negativeSlots, itemVectors: tower.vectors,
                                                itemVectorsGradient: &itemVectorsGradient, training: training, logQ: logQ)

        // Backward through the user tower into the shared item vectors.
        let pooledGradient = TrainingLayers.L2Normalize.backward(input: pooled, outputGradient: usersGradient)
        var coldGradient = TrainingMatrix(rows: 1, columns: d)
        for (row, segment) in segments.enumerated() where segment.isEmpty {
            for column in 0..<d { coldGradient.values[column] += pooledGradient[row, column] }
        }
        let (historyGradient, queryGradient) = TrainingLayers.AttentionPooling.backward(
            table: tower.vectors, rows: historySlots, segments: segments, query: attentionQuery, mode: configuration.pooling,
            weights: attention, outputGradient: pooledGradient)
        itemVectorsGradient.add(historyGradient)
        return (loss, itemTowerBackward(tower, vectorsGradient: itemVectorsGradient) + [queryGradient, coldGradient])
    }

    /// The trainer's step for the `.sequence` tower: every window's prefixes go through the causal
    /// block at once, and each prefix's output ranks the window's next event (the cold-user vector
    /// ranks a first event). The in-batch negatives are the other predictions' targets.
    /// - Parameter negativePool: the training events' items (repeats and all), from which
    ///   `training.sequenceSampledNegatives` extra softmax negatives are drawn; nil: in-batch only.
    func sequenceBatchLossAndGradients(sequences: [TrainingSequence], items: [TwoTowerItemFeatures],
                                       training: TrainingConfiguration, logQ: [Float]?, negativePool: [Int]?,
                                       generator: inout TrainingRandomGenerator) throws -> (Float, [TrainingMatrix]) {
        guard let sequenceBlock else {
            throw TrainingError.invalidConfiguration(field: "pooling", reason: "must be sequence to train on sequences, is \(configuration.pooling)")
        }
        let d = configuration.embeddingDimension
        var slots = BatchItemSlots()
        var historySlots: [Int] = [], strengths: [Float] = [], segments: [Range<Int>] = []
        // Per prediction: the block-output row that predicts it (nil: the cold-user vector) and its target.
        var predictorRows: [Int?] = [], targetItems: [Int] = []
        // Rows sharing a predictor are one user: their targets are no negatives for each other.
        var userKeys: [Int] = []
        for (index, sequence) in sequences.enumerated() {
            let events = sequence.events
            let start = historySlots.count
            for event in events.prefix(sequence.inputCount) {
                historySlots.append(slots.slot(event.item))
                strengths.append(event.strength)
            }
            segments.append(start..<historySlots.count)
            switch sequence.targets {
            case let .nextEvents(includingFirst):
                guard !events.isEmpty else { continue }
                if includingFirst {
                    predictorRows.append(nil)
                    targetItems.append(events[0].item)
                    userKeys.append(-1 - index)
                }
                for offset in 0..<(events.count - 1) {
                    predictorRows.append(start + offset)
                    targetItems.append(events[offset + 1].item)
                    userKeys.append(start + offset)
                }
            case let .heldOut(items):
                for item in items {
                    predictorRows.append(events.isEmpty ? nil : historySlots.count - 1)
                    targetItems.append(item)
                    userKeys.append(events.isEmpty ? -1 - index : historySlots.count - 1)
                }
            }
        }
        let targetSlots = targetItems.map { slots.slot($0) }
        let negativeSlots = drawNegatives(for: targetItems, slots: &slots, itemCount: items.count, training: training, generator: &generator)
        // A batch holds a few users' windows, so its own targets are a narrow sample of the catalog;
        // extra negatives drawn like the targets (a random training event) widen it.
        var sampledItems: [Int] = []
        if case .sampledSoftmax = training.loss, let negativePool, !negativePool.isEmpty {
            sampledItems = (0..<training.sequenceSampledNegatives).map { _ in negativePool[generator.nextIndex(below: negativePool.count)] }
        }
        let sampledSlots = sampledItems.map { slots.slot($0) }

        let tower = try itemTowerForward(slots.items, features: items, training: training, generator: &generator)
        let (blockOutput, cache) = sequenceBlock.forward(items: tower.vectors.gatheringRows(historySlots), segments: segments,
                                                         strengths: strengths)
        var pooled = TrainingMatrix(rows: predictorRows.count, columns: d)
        for (row, source) in predictorRows.enumerated() {
            for column in 0..<d { pooled[row, column] = source.map { blockOutput[$0, column] } ?? coldUserVector.values[column] }
        }
        var itemVectorsGradient = TrainingMatrix(rows: slots.items.count, columns: d)
        let (loss, usersGradient) = rankingLoss(users: TrainingLayers.L2Normalize.forward(pooled), targetItems: targetItems,
                                                targetSlots: targetSlots, negativeSlots: negativeSlots, itemVectors: tower.vectors,
                                                itemVectorsGradient: &itemVectorsGradient, training: training, logQ: logQ,
                                                userKeys: userKeys, sampled: (sampledItems, sampledSlots))

        let pooledGradient = TrainingLayers.L2Normalize.backward(input: pooled, outputGradient: usersGradient)
        var coldGradient = TrainingMatrix(rows: 1, columns: d)
        var blockOutputGradient = TrainingMatrix(rows: historySlots.count, columns: d)
        for (row, source) in predictorRows.enumerated() {
            for column in 0..<d {
                if let source { blockOutputGradient[source, column] += pooledGradient[row, column] }
                else { coldGradient.values[column] += pooledGradient[row, column] }
            }
        }
        let (historyGradient, blockGradients) = sequenceBlock.backward(cache: cache, outputGradient: blockOutputGradient)
        itemVectorsGradient.scatterAddRows(historyGradient, into: historySlots)
        return (loss, itemTowerBackward(tower, vectorsGradient: itemVectorsGradient)
                    + [TrainingMatrix(rows: 1, columns: d), coldGradient] + blockGradients)
    }

    /// BPR's uniformly drawn negatives, `count` per target in target order (none for the softmax loss).
    private func drawNegatives(for targets: [Int], slots: inout BatchItemSlots, itemCount: Int,
                               training: TrainingConfiguration, generator: inout TrainingRandomGenerator) -> [Int] {
        guard case let .bpr(count) = training.loss else { return [] }
        var negativeSlots: [Int] = []
        for target in targets {
            for _ in 0..<count {
                var negative = generator.nextIndex(below: itemCount)
                // One redraw is enough to make hitting the positive rare; exclusion need not be exact.
                if negative == target && itemCount > 1 { negative = generator.nextIndex(below: itemCount) }
                negativeSlots.append(slots.slot(negative))
            }
        }
        return negativeSlots
    }

    /// The item tower's training-mode forward pass over the batch's distinct items, and what its backward needs.
    private struct ItemTowerPass {
        var input: TrainingMatrix
        var hiddenPost: TrainingMatrix
        var mask: TrainingMatrix
        var dropped: TrainingMatrix
        var raw: TrainingMatrix
        var keptIDs: [(slot: Int, id: Int)]
        /// Unit-length item vectors, one row per slot.
        var vectors: TrainingMatrix
    }

    /// Item tower in training mode: hidden dropout and ID dropout drawn from `generator`.
    private func itemTowerForward(_ batchItems: [Int], features: [TwoTowerItemFeatures], training: TrainingConfiguration,
                                  generator: inout TrainingRandomGenerator) throws -> ItemTowerPass {
        let input = try inputMatrix(batchItems.map { features[$0] })
        let hiddenPost = hidden.forward(input, activation: .relu)
        let mask = TrainingLayers.Dropout.mask(rows: hiddenPost.rows, columns: hiddenPost.columns,
                                               rate: training.dropoutRate, using: &generator)
        let dropped = TrainingLayers.Dropout.forward(hiddenPost, mask: mask)
        var raw = output.forward(dropped)
        var keptIDs: [(slot: Int, id: Int)] = []
        for (slot, item) in batchItems.enumerated() where item < configuration.itemIDCount {
            guard generator.nextUnitFloat() >= training.idDropoutProbability else { continue }
            keptIDs.append((slot, item))
            for column in 0..<configuration.embeddingDimension { raw[slot, column] += itemIDEmbedding[item, column] }
        }
        return ItemTowerPass(input: input, hiddenPost: hiddenPost, mask: mask, dropped: dropped, raw: raw, keptIDs: keptIDs,
                             vectors: TrainingLayers.L2Normalize.forward(raw))
    }

    /// Backward through the item tower: gradients of the two layers and the ID embeddings, in `parameterNames` order.
    private func itemTowerBackward(_ pass: ItemTowerPass, vectorsGradient: TrainingMatrix) -> [TrainingMatrix] {
        let rawGradient = TrainingLayers.L2Normalize.backward(input: pass.raw, outputGradient: vectorsGradient)
        var idGradient = TrainingMatrix(rows: configuration.itemIDCount, columns: configuration.embeddingDimension)
        for (slot, id) in pass.keptIDs {
            for column in 0..<configuration.embeddingDimension { idGradient[id, column] += rawGradient[slot, column] }
        }
        let outputGrads = output.backward(input: pass.dropped, outputGradient: rawGradient)
        let hiddenPostGradient = TrainingLayers.Dropout.backward(mask: pass.mask, outputGradient: outputGrads.input)
        // ReLU passes the gradient where its input was positive, which is where its output is.
        let hiddenPreGradient = TrainingLayers.ReLU.backward(input: pass.hiddenPost, outputGradient: hiddenPostGradient)
        let hiddenGrads = hidden.parameterGradients(input: pass.input, outputGradient: hiddenPreGradient)
        return [hiddenGrads.weight, hiddenGrads.bias, outputGrads.weight, outputGrads.bias, idGradient]
    }

    /// The ranking loss of putting each user row's target first, with its gradient with respect to the
    /// users; the item vectors' share is added into `itemVectorsGradient`. Rows with the same
    /// `userKeys` entry are one user's: the softmax does not use their targets as each other's negatives.
    private func rankingLoss(users: TrainingMatrix, targetItems: [Int], targetSlots: [Int], negativeSlots: [Int],
                             itemVectors: TrainingMatrix, itemVectorsGradient: inout TrainingMatrix,
                             training: TrainingConfiguration, logQ: [Float]?, userKeys: [Int]? = nil,
                             sampled: (items: [Int], slots: [Int]) = ([], [])) -> (loss: Float, usersGradient: TrainingMatrix) {
        let batch = users.rows, d = users.columns
        let temperatureScale = 1 / training.temperature
        let targets = itemVectors.gatheringRows(targetSlots)
        switch training.loss {
        case .sampledSoftmax:
            // Sampled softmax: the other rows' targets are the negatives, then the `sampled` items.
            let columnItems = targetItems + sampled.items, columnSlots = targetSlots + sampled.slots
            let candidates = sampled.items.isEmpty ? targets : itemVectors.gatheringRows(columnSlots)
            var logits = trainingGEMM(users, candidates, transposeB: true)
            for row in 0..<batch {
                for column in 0..<columnItems.count {
                    let sameUser = column < batch && userKeys.map { $0[column] == $0[row] } == true
                    if column != row && (columnItems[column] == targetItems[row] || sameUser) {
                        logits[row, column] = -.infinity  // the same item (or another positive of this user) is no negative
                        continue
                    }
                    logits[row, column] *= temperatureScale
                    // logQ correction (Yi et al., RecSys 2019): popular items are over-sampled negatives.
                    if let logQ { logits[row, column] -= logQ[columnItems[column]] }
                }
            }
            var (value, logitsGradient) = TrainingLayers.SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, targets: Array(0..<batch))
            for index in logitsGradient.values.indices { logitsGradient.values[index] *= temperatureScale }
            itemVectorsGradient.scatterAddRows(trainingGEMM(logitsGradient, transposeA: true, users), into: columnSlots)
            return (value, trainingGEMM(logitsGradient, candidates))
        case let .bpr(negativesPerPositive):
            let negatives = itemVectors.gatheringRows(negativeSlots)
            var positive = [Float](repeating: 0, count: batch)
            var negativeScores = TrainingMatrix(rows: batch, columns: negativesPerPositive)
            for row in 0..<batch {
                positive[row] = dot(users, row, targets, row) * temperatureScale
                for j in 0..<negativesPerPositive {
                    negativeScores[row, j] = dot(users, row, negatives, row * negativesPerPositive + j) * temperatureScale
                }
            }
            let result = TrainingLayers.BPRLoss.lossAndGradient(positive: positive, negatives: negativeScores)
            var userGrad = TrainingMatrix(rows: batch, columns: d)
            var targetGrad = TrainingMatrix(rows: batch, columns: d)
            var negativeGrad = TrainingMatrix(rows: negatives.rows, columns: d)
            for row in 0..<batch {
                let gp = result.positiveGradient[row] * temperatureScale
                for column in 0..<d {
                    userGrad[row, column] += gp * targets[row, column]
                    targetGrad[row, column] = gp * users[row, column]
                }
                for j in 0..<negativesPerPositive {
                    let gn = result.negativesGradient[row, j] * temperatureScale
                    let negativeRow = row * negativesPerPositive + j
                    for column in 0..<d {
                        userGrad[row, column] += gn * negatives[negativeRow, column]
                        negativeGrad[negativeRow, column] = gn * users[row, column]
                    }
                }
            }
            itemVectorsGradient.scatterAddRows(targetGrad, into: targetSlots)
            itemVectorsGradient.scatterAddRows(negativeGrad, into: negativeSlots)
            return (result.loss, userGrad)
        }
    }

    private func dot(_ a: TrainingMatrix, _ rowA: Int, _ b: TrainingMatrix, _ rowB: Int) -> Float {
        var sum: Float = 0
        for column in 0..<a.columns { sum += a[rowA, column] * b[rowB, column] }
        return sum
    }
}

/// The batch's distinct items, each given one row ("slot") of the item tower's output.
private struct BatchItemSlots {
    private var slotOfItem: [Int: Int] = [:]
    /// Catalog index of each slot's item.
    private(set) var items: [Int] = []

    /// The slot of `item`, added if new.
    mutating func slot(_ item: Int) -> Int {
        if let existing = slotOfItem[item] { return existing }
        slotOfItem[item] = items.count
        items.append(item)
        return items.count - 1
    }
}
