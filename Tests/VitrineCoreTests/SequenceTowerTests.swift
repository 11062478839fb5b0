import Testing
import VitrineCore

/// The sequence-aware user tower (`TwoTowerPooling.sequence`): gradients, causality, serving, and
/// that training on next-event prediction learns an order the pooling towers cannot see.
@Suite struct SequenceTowerTests {
    typealias Check = TrainingGradientCheck

    /// A tiny sequence model (4 position slots) with every block tensor non-zero.
    static func tinyModel() throws -> TwoTowerModel {
        var model = try TwoTowerModel(configuration: TwoTowerConfiguration(
            imageDimension: 4, textDimension: 3, hiddenDimension: 5, embeddingDimension: 3,
            itemIDCount: 5, pooling: .sequence, sequenceLength: 4), seed: 21)
        var generator = TrainingRandomGenerator(seed: 22)
        try model.setParameter(named: "item.output.bias", to: Check.randomMatrix(1, 3, &generator, scale: 0.3))
        try model.setParameter(named: "user.sequence.positions", to: Check.randomMatrix(4, 3, &generator, scale: 0.5))
        try model.setParameter(named: "user.sequence.projection.bias", to: Check.randomMatrix(1, 9, &generator, scale: 0.2))
        try model.setParameter(named: "user.sequence.feed_forward.hidden.bias", to: Check.randomMatrix(1, 3, &generator, scale: 0.2))
        try model.setParameter(named: "user.sequence.feed_forward.output.weight", to: Check.randomMatrix(3, 3, &generator, scale: 0.5))
        try model.setParameter(named: "user.sequence.feed_forward.output.bias", to: Check.randomMatrix(1, 3, &generator, scale: 0.2))
        return model
    }

    /// A full window predicted from the start, a later window, a repeated item, a one-event window,
    /// held-out items (one repeating a context item) and held-out items of an empty window.
    static let tinySequences = [
        TrainingSequence(events: [.init(item: 1), .init(item: 2, strength: 2), .init(item: 1), .init(item: 0), .init(item: 3)],
                         targets: .nextEvents(includingFirst: true)),
        TrainingSequence(events: [.init(item: 5), .init(item: 0, strength: 0.5), .init(item: 4)], targets: .nextEvents(includingFirst: false)),
        TrainingSequence(events: [.init(item: 3)], targets: .nextEvents(includingFirst: true)),
        TrainingSequence(events: [.init(item: 4), .init(item: 2), .init(item: 5, strength: 3)], targets: .heldOut([1, 2])),
        TrainingSequence(events: [], targets: .heldOut([0])),
    ]

    @Test(arguments: [TrainingLoss.sampledSoftmax, TrainingLoss.bpr(negativesPerPositive: 2)])
    func lossGradientMatchesFiniteDifferences(loss: TrainingLoss) throws {
        let model = try Self.tinyModel()
        let items = TrainingModelTests.tinyItems()
        var training = TrainingConfiguration()
        training.loss = loss
        training.temperature = 0.5
        training.dropoutRate = 0.2
        training.idDropoutProbability = 0.3
        let probabilities: [Float] = [0.3, 0.1, 0.05, 0.2, 0.15, 0.2]
        let (_, gradients) = try model.lossAndGradients(for: Self.tinySequences, items: items, training: training,
                                                        itemSamplingProbabilities: probabilities, seed: 7)
        // The sequence tower has no pooling query.
        Check.expectModelGradientsMatch(model, gradients, unused: ["user.attention_query"], label: "\(loss)") { perturbed in
            (try? perturbed.lossAndGradients(for: Self.tinySequences, items: items, training: training,
                                             itemSamplingProbabilities: probabilities, seed: 7).loss) ?? .nan
        }
    }

    @Test func anOutputDependsOnlyOnEarlierEvents() throws {
        let block = try #require(try Self.tinyModel().sequenceTower)
        var generator = TrainingRandomGenerator(seed: 5)
        let window = Check.randomMatrix(4, 3, &generator)
        var changedLast = window
        for column in 0..<3 { changedLast[3, column] = generator.nextGaussian() }
        let before = block.prefixOutputs(items: window, strengths: [1, 2, 1, 1])
        let after = block.prefixOutputs(items: changedLast, strengths: [1, 2, 1, 3])
        for row in 0..<3 { #expect(before.row(row) == after.row(row), "row \(row) saw a later event") }
        #expect(before.row(3) != after.row(3))
    }

    @Test func userEmbeddingReadsTheNewestEventsInOrder() throws {
        let model = try Self.tinyModel()
        let items = TrainingModelTests.tinyItems()
        let embeddings = try model.itemEmbeddings(features: items, ids: [0, 1, 2, 3, 4, nil])
        let user = { (history: [Int]) in
            try model.userEmbedding(historyEmbeddings: embeddings.gatheringRowsForTests(history), strengths: history.map { _ in 1 })
        }
        // Only the newest four (sequenceLength) count; order matters; the empty history is the cold vector.
        #expect(try user([5, 0, 1, 2, 3]) == user([0, 1, 2, 3]))
        #expect(try user([0, 1, 2, 3]) != user([3, 2, 1, 0]))
        let cold = try model.userEmbedding(historyEmbeddings: TrainingMatrix(rows: 0, columns: 3), strengths: [])
        let norm = cold.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func aPoolingModelRefusesSequencesAndViceVersa() throws {
        let items = TrainingModelTests.tinyItems()
        #expect(throws: TrainingError.self) {
            try TrainingModelTests.tinyModel().lossAndGradients(for: Self.tinySequences, items: items,
                                                                training: TrainingConfiguration(), seed: 1)
        }
        #expect(throws: TrainingError.self) {
            try Self.tinyModel().lossAndGradients(for: TrainingModelTests.tinyExamples, items: items,
                                                  training: TrainingConfiguration(), seed: 1)
        }
        let long = TrainingSequence(events: (0..<5).map { .init(item: $0 % 5) }, targets: .heldOut([1]))
        #expect(throws: TrainingError.self) {
            try Self.tinyModel().lossAndGradients(for: [long], items: items, training: TrainingConfiguration(), seed: 1)
        }
    }

    @Test func windowsPredictEveryEventOnceFromTheEventsBeforeIt() throws {
        let history = (0..<12).map { TwoTowerInteraction(item: $0) }
        var generator = TrainingRandomGenerator(seed: 1)
        let windows = TwoTowerTrainer().makeSequences([history, [], [TwoTowerInteraction(item: 3)]], length: 4, using: &generator)
        // Cut from the newest event back, overlapping by one: 7..<12, 3..<8, 0..<4, then the one-event history.
        #expect(windows.map { $0.events.map(\.item) } == [Array(7..<12), Array(3..<8), Array(0..<4), [3]])
        #expect(windows.map(\.targets) == [.nextEvents(includingFirst: false), .nextEvents(includingFirst: false),
                                            .nextEvents(includingFirst: true), .nextEvents(includingFirst: true)])
        #expect(windows.prefix(3).map(\.targetCount).reduce(0, +) == 12, "each of the 12 events is a target once")

        var holdout = TrainingConfiguration()
        holdout.sequenceHoldoutProbability = 1
        let heldOut = TwoTowerTrainer(training: holdout).makeSequences([history], length: 9, using: &generator)
        #expect(heldOut.count == 2)
        for window in heldOut {
            guard case let .heldOut(items) = window.targets else { Issue.record("not held out: \(window)"); continue }
            // A fifth of the window (at least one) leaves it; the rest keep their time order.
            #expect(items.count == max(1, (window.events.count + items.count) / 5))
            #expect(Set(items).isDisjoint(with: window.events.map(\.item)))
            #expect(window.events.map(\.item) == window.events.map(\.item).sorted())
        }
    }

    /// Items on a ring, content unrelated to the ring; every user walks it one step at a time from
    /// a random start. The next item is "newest + 1": a sequence tower can learn it, a pooling
    /// tower (order-blind) can only point near the whole history.
    @Test func nextEventTrainingLearnsAnOrderPoolingCannot() throws {
        let itemCount = 24
        var generator = TrainingRandomGenerator(seed: 77)
        let items = (0..<itemCount).map { _ in TwoTowerItemFeatures(image: nil, text: (0..<6).map { _ in generator.nextGaussian() }) }
        var histories: [[TwoTowerInteraction]] = []
        for _ in 0..<150 {
            let start = generator.nextIndex(below: itemCount)
            histories.append((0..<8).map { TwoTowerInteraction(item: (start + $0) % itemCount) })
        }
        let test = (0..<40).map { _ in generator.nextIndex(below: itemCount) }
        var training = TrainingConfiguration()
        training.maxEpochs = 25
        training.learningRate = 3e-3
        training.batchSize = 64
        training.validationUserFraction = 0
        training.logQCorrection = false
        func nextItemHitRate(_ pooling: TwoTowerPooling) throws -> Double {
            let configuration = TwoTowerConfiguration(imageDimension: 0, textDimension: 6, hiddenDimension: 16, embeddingDimension: 16,
                                                      itemIDCount: itemCount, pooling: pooling, sequenceLength: 8)
            let (model, _) = try TwoTowerTrainer(training: training)
                .train(try TwoTowerModel(configuration: configuration, seed: 3), on: TrainingDataset(items: items, histories: histories))
            let catalog = try model.itemEmbeddings(features: items, ids: Array(0..<itemCount))
            var hits = 0
            for start in test {
                let history = (0..<5).map { (start + $0) % itemCount }
                let user = try model.userEmbedding(historyEmbeddings: catalog.gatheringRowsForTests(history), strengths: history.map { _ in 1 })
                var scores = try model.scores(user: user, itemEmbeddings: catalog)
                for item in history { scores[item] = -.infinity }
                let best = scores.indices.max { scores[$0] < scores[$1] }
                if best == (start + 5) % itemCount { hits += 1 }
            }
            return Double(hits) / Double(test.count)
        }
        let sequence = try nextItemHitRate(.sequence)
        let attention = try nextItemHitRate(.attention)
        #expect(sequence >= 0.9, "sequence tower next-item hit rate \(sequence)")
        #expect(attention < 0.6, "attention pooling next-item hit rate \(attention): the test no longer needs order")
    }
}

extension TrainingMatrix {
    /// The rows at `indices`, in that order (tests' copy of the internal gather).
    func gatheringRowsForTests(_ indices: [Int]) -> TrainingMatrix {
        TrainingMatrix(rowVectors: indices.map { row($0) }, columns: columns)
    }
}
