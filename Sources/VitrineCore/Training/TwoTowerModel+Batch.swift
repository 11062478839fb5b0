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
        try TwoTowerTrainer.validate(histories: examples.map { $0.context + [TwoTowerInteraction(item: $0.target)] },
                                     itemCount: items.count)
        var generator = TrainingRandomGenerator(seed: seed)
        let logQ = itemSamplingProbabilities.map { $0.map { training.logQWeight * log(max($0, 1e-12)) } }
        let (loss, gradients) = try batchLossAndGradients(examples: examples, items: items, training: training,
                                                          logQ: logQ, generator: &generator)
        return (loss, Dictionary(uniqueKeysWithValues: zip(TwoTowerModel.parameterNames, gradients)))
    }

    /// The trainer's step: forward both towers, the loss, and backward into every tensor.
    /// Inputs are already validated (item indices in range, strengths positive).
    func batchLossAndGradients(examples: [TrainingExample], items: [TwoTowerItemFeatures],
                               training: TrainingConfiguration, logQ: [Float]?,
                               generator: inout TrainingRandomGenerator) throws -> (Float, [TrainingMatrix]) {
        let c = configuration
        let d = c.embeddingDimension
        let batch = examples.count
        let temperatureScale = 1 / training.temperature

        // Each distinct item goes through the tower once, however often the batch uses it.
        var slotOfItem: [Int: Int] = [:]
        var uniqueItems: [Int] = []
        func slot(_ item: Int) -> Int {
            if let existing = slotOfItem[item] { return existing }
            slotOfItem[item] = uniqueItems.count
            uniqueItems.append(item)
            return uniqueItems.count - 1
        }
        let targetSlots = examples.map { slot($0.target) }
        var historySlots: [Int] = [], strengths: [Float] = [], segments: [Range<Int>] = []
        for example in examples {
            let start = historySlots.count
            for event in example.context {
                historySlots.append(slot(event.item))
                strengths.append(event.strength)
            }
            segments.append(start..<historySlots.count)
        }
        var negativeSlots: [Int] = []
        var negativesPerPositive = 0
        if case let .bpr(count) = training.loss {
            negativesPerPositive = count
            for example in examples {
                for _ in 0..<count {
                    var negative = generator.nextIndex(below: items.count)
                    // One redraw is enough to make hitting the positive rare; exclusion need not be exact.
                    if negative == example.target && items.count > 1 { negative = generator.nextIndex(below: items.count) }
                    negativeSlots.append(slot(negative))
                }
            }
        }

        // Item tower, training mode.
        let input = try inputMatrix(uniqueItems.map { items[$0] })
        let hiddenPost = hidden.forward(input, activation: .relu)
        let mask = TrainingLayers.Dropout.mask(rows: hiddenPost.rows, columns: hiddenPost.columns,
                                               rate: training.dropoutRate, using: &generator)
        let dropped = TrainingLayers.Dropout.forward(hiddenPost, mask: mask)
        var raw = output.forward(dropped)
        var keptIDs: [(slot: Int, id: Int)] = []
        for (unique, item) in uniqueItems.enumerated() where item < c.itemIDCount {
            guard generator.nextUnitFloat() >= training.idDropoutProbability else { continue }
            keptIDs.append((unique, item))
            for column in 0..<d { raw[unique, column] += itemIDEmbedding[item, column] }
        }
        let itemVectors = TrainingLayers.L2Normalize.forward(raw)

        // User tower.
        var (pooled, attention) = TrainingLayers.AttentionPooling.forward(
            table: itemVectors, rows: historySlots, segments: segments, strengths: strengths, query: attentionQuery, mode: c.pooling)
        for (row, segment) in segments.enumerated() where segment.isEmpty {
            for column in 0..<d { pooled[row, column] = coldUserVector.values[column] }
        }
        let users = TrainingLayers.L2Normalize.forward(pooled)

        // Loss and its gradient with respect to the user and item embeddings.
        let targets = itemVectors.gatheringRows(targetSlots)
        var itemVectorsGradient = TrainingMatrix(rows: uniqueItems.count, columns: d)
        let usersGradient: TrainingMatrix
        let loss: Float
        switch training.loss {
        case .sampledSoftmax:
            // In-batch sampled softmax: the other examples' targets are the negatives.
            var logits = trainingGEMM(users, targets, transposeB: true)
            for row in 0..<batch {
                for column in 0..<batch {
                    if column != row && examples[column].target == examples[row].target {
                        logits[row, column] = -.infinity  // the same item is no negative for itself
                        continue
                    }
                    logits[row, column] *= temperatureScale
                    // logQ correction (Yi et al., RecSys 2019): popular items are over-sampled negatives.
                    if let logQ { logits[row, column] -= logQ[examples[column].target] }
                }
            }
            var (value, logitsGradient) = TrainingLayers.SoftmaxCrossEntropy.lossAndGradient(
                logits: logits, targets: Array(0..<batch))
            for index in logitsGradient.values.indices { logitsGradient.values[index] *= temperatureScale }
            loss = value
            usersGradient = trainingGEMM(logitsGradient, targets)
            itemVectorsGradient.scatterAddRows(trainingGEMM(logitsGradient, transposeA: true, users), into: targetSlots)
        case .bpr:
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
            loss = result.loss
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
            usersGradient = userGrad
            itemVectorsGradient.scatterAddRows(targetGrad, into: targetSlots)
            itemVectorsGradient.scatterAddRows(negativeGrad, into: negativeSlots)
        }

        // Backward through the user tower into the shared item vectors.
        let pooledGradient = TrainingLayers.L2Normalize.backward(input: pooled, outputGradient: usersGradient)
        var coldGradient = TrainingMatrix(rows: 1, columns: d)
        for (row, segment) in segments.enumerated() where segment.isEmpty {
            for column in 0..<d { coldGradient.values[column] += pooledGradient[row, column] }
        }
        let (historyGradient, queryGradient) = TrainingLayers.AttentionPooling.backward(
            table: itemVectors, rows: historySlots, segments: segments, query: attentionQuery, mode: c.pooling,
            weights: attention, outputGradient: pooledGradient)
        itemVectorsGradient.add(historyGradient)

        // Backward through the item tower.
        let rawGradient = TrainingLayers.L2Normalize.backward(input: raw, outputGradient: itemVectorsGradient)
        var idGradient = TrainingMatrix(rows: c.itemIDCount, columns: d)
        for (unique, id) in keptIDs {
            for column in 0..<d { idGradient[id, column] += rawGradient[unique, column] }
        }
        let outputGrads = output.backward(input: dropped, outputGradient: rawGradient)
        let hiddenPostGradient = TrainingLayers.Dropout.backward(mask: mask, outputGradient: outputGrads.input)
        // ReLU passes the gradient where its input was positive, which is where its output is.
        let hiddenPreGradient = TrainingLayers.ReLU.backward(input: hiddenPost, outputGradient: hiddenPostGradient)
        let hiddenGrads = hidden.parameterGradients(input: input, outputGradient: hiddenPreGradient)
        return (loss, [hiddenGrads.weight, hiddenGrads.bias, outputGrads.weight, outputGrads.bias,
                       idGradient, queryGradient, coldGradient])
    }

    private func dot(_ a: TrainingMatrix, _ rowA: Int, _ b: TrainingMatrix, _ rowB: Int) -> Float {
        var sum: Float = 0
        for column in 0..<a.columns { sum += a[rowA, column] * b[rowB, column] }
        return sum
    }
}
