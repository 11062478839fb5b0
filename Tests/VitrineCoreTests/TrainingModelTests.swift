import Testing
import VitrineCore
import VitrineTensor

@Suite struct TrainingModelTests {
    typealias Check = TrainingGradientCheck

    /// A tiny model with every feature switched on: presence flags, ID embeddings for all but
    /// the last item, a non-zero attention query.
    static func tinyModel(pooling: TwoTowerPooling = .attention) throws -> TwoTowerModel {
        var model = try TwoTowerModel(configuration: TwoTowerConfiguration(
            imageDimension: 4, textDimension: 3, hiddenDimension: 5, embeddingDimension: 3,
            itemIDCount: 5, pooling: pooling), seed: 11)
        var generator = TrainingRandomGenerator(seed: 12)
        try model.setParameter(named: "user.attention_query", to: Check.randomMatrix(1, 3, &generator))
        try model.setParameter(named: "item.hidden.bias", to: Check.randomMatrix(1, 5, &generator, scale: 0.1))
        // A non-zero output bias keeps every item vector away from the origin even when dropout
        // silences all five hidden units of an item; at the origin L2 normalisation has no gradient.
        try model.setParameter(named: "item.output.bias", to: Check.randomMatrix(1, 3, &generator, scale: 0.3))
        return model
    }

    static func tinyItems() -> [TwoTowerItemFeatures] {
        var generator = TrainingRandomGenerator(seed: 13)
        return (0..<6).map { index in
            let image = (0..<4).map { _ in generator.nextGaussian() }
            let text = (0..<3).map { _ in generator.nextGaussian() }
            return TwoTowerItemFeatures(image: index == 2 ? nil : image, text: index == 4 ? nil : text)
        }
    }

    /// Repeated history items, an empty context (cold-user vector) and a repeated target (masked).
    static let tinyExamples = [
        TrainingExample(context: [.init(item: 1), .init(item: 2, strength: 2), .init(item: 1)], target: 0),
        TrainingExample(context: [], target: 3),
        TrainingExample(context: [.init(item: 5), .init(item: 0, strength: 0.5)], target: 4),
        TrainingExample(context: [.init(item: 2)], target: 0),
        TrainingExample(context: [.init(item: 3), .init(item: 4)], target: 5),
    ]

    @Test(arguments: [
        (TrainingLoss.sampledSoftmax, TwoTowerPooling.attention),
        (TrainingLoss.sampledSoftmax, TwoTowerPooling.weightedMean),
        (TrainingLoss.bpr(negativesPerPositive: 3), TwoTowerPooling.attention),
    ])
    func fullLossGradientMatchesFiniteDifferences(loss: TrainingLoss, pooling: TwoTowerPooling) throws {
        let model = try Self.tinyModel(pooling: pooling)
        let items = Self.tinyItems()
        var training = TrainingConfiguration()
        training.loss = loss
        training.temperature = 0.5
        training.dropoutRate = 0.2          // same seed → same masks in every evaluation
        training.idDropoutProbability = 0.3
        let probabilities: [Float] = [0.3, 0.1, 0.05, 0.2, 0.15, 0.2]
        let seed: UInt64 = 99
        let (_, gradients) = try model.lossAndGradients(for: Self.tinyExamples, items: items, training: training,
                                                        itemSamplingProbabilities: probabilities, seed: seed)
        Check.expectModelGradientsMatch(model, gradients, unused: pooling == .weightedMean ? ["user.attention_query"] : [],
                                        label: "\(loss) \(pooling)") { perturbed in
            (try? perturbed.lossAndGradients(for: Self.tinyExamples, items: items, training: training,
                                             itemSamplingProbabilities: probabilities, seed: seed).loss) ?? .nan
        }
    }

    @Test func logQWeightScalesTheCorrection() throws {
        // w·log q = log(q^w): weight 2 on q must equal weight 1 on q², and weight 0 must equal no correction.
        let model = try Self.tinyModel()
        let items = Self.tinyItems()
        let probabilities: [Float] = [0.3, 0.1, 0.05, 0.2, 0.15, 0.2]
        func loss(_ weight: Float, _ q: [Float]?, correction: Bool = true) throws -> Float {
            var training = TrainingConfiguration()
            training.logQCorrection = correction
            training.logQWeight = weight
            return try model.lossAndGradients(for: Self.tinyExamples, items: items, training: training,
                                              itemSamplingProbabilities: correction ? q : nil, seed: 5).loss
        }
        let doubled = try loss(2, probabilities)
        #expect(abs(doubled - (try loss(1, probabilities.map { $0 * $0 }))) < 1e-5)
        #expect(abs(doubled - (try loss(1, probabilities))) > 1e-3)
        #expect(try loss(0, probabilities) == (try loss(1, nil, correction: false)))
        var negative = TrainingConfiguration()
        negative.logQWeight = -1
        #expect(throws: TrainingError.invalidConfiguration(field: "logQWeight", reason: "must be non-negative, is -1.0")) {
            try negative.validate()
        }
    }

    @Test func sameSeedGivesIdenticalWeightsAndOtherSeedsDiffer() throws {
        let catalog = TrainingSyntheticCatalog(usersPerCluster: 4)
        var training = TrainingSyntheticCatalog.trainingConfiguration
        training.maxEpochs = 3
        func run(modelSeed: UInt64, trainingSeed: UInt64) throws -> [UInt8] {
            training.seed = trainingSeed
            let initial = try TwoTowerModel(configuration: catalog.modelConfiguration, seed: modelSeed)
            return try TwoTowerTrainer(training: training).train(initial, on: catalog.dataset).model.serialized()
        }
        // Bitwise equality needs one kernel variant for all runs: the serialized variant sweep must not
        // switch in between (a CI rerun saw the two same-seed runs differ).
        let (first, again, otherTraining, otherModel) = try Kernels.withStableVariant {
            (try run(modelSeed: 1, trainingSeed: 5), try run(modelSeed: 1, trainingSeed: 5),
             try run(modelSeed: 1, trainingSeed: 6), try run(modelSeed: 2, trainingSeed: 5))
        }
        #expect(first == again)
        #expect(first != otherTraining)
        #expect(first != otherModel)
    }

    @Test func inferenceAPIEmbedsScoresAndHandlesEmptyHistories() throws {
        let model = try Self.tinyModel()
        let items = Self.tinyItems()
        let warm = try model.itemEmbeddings(features: items, ids: [0, 1, 2, 3, 4, nil])
        let cold = try model.itemEmbeddings(features: items, ids: Array(repeating: nil, count: 6))
        #expect(warm.shape == [6, 3])
        for row in 0..<6 { #expect(abs(warm.row(row).reduce(0) { $0 + $1 * $1 } - 1) < 1e-5) }
        #expect(warm.row(5) == cold.row(5), "an item without an ID embedding is the same warm or cold")
        #expect(warm.row(0) != cold.row(0), "a warm item's ID embedding changes its vector")

        let history = [TwoTowerHistoryEntry(features: items[1], id: 1, strength: 2),
                       TwoTowerHistoryEntry(features: items[5], id: nil)]
        let user = try model.userEmbedding(history: history)
        let scores = try model.score(history: history, candidates: items, ids: [0, 1, 2, 3, 4, nil])
        let expected = (0..<6).map { row in zip(user, warm.row(row)).reduce(0) { $0 + $1.0 * $1.1 } }
        for (a, b) in zip(scores, expected) { #expect(abs(a - b) < 1e-5) }

        let coldUser = try model.userEmbedding(history: [])
        let coldVector = try #require(model.parameter(named: "user.cold_vector")).values
        let coldNorm = coldVector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (a, b) in zip(coldUser, coldVector) { #expect(abs(a - b / coldNorm) < 1e-5) }

        #expect(throws: TwoTowerModelError.featureDimensionMismatch(item: 0, modality: "text", expected: 3, found: 2)) {
            try model.itemEmbeddings(features: [TwoTowerItemFeatures(image: nil, text: [1, 2])], ids: [nil])
        }
        #expect(throws: TwoTowerModelError.itemIDOutOfRange(item: 0, id: 5, count: 5)) {
            try model.itemEmbeddings(features: [items[0]], ids: [5])
        }
        #expect(throws: TwoTowerModelError.invalidStrength(entry: 0, value: 0)) {
            try model.userEmbedding(history: [TwoTowerHistoryEntry(features: items[0], strength: 0)])
        }
    }

    @Test func trainerRejectsBadInputsWithNamedErrors() throws {
        let model = try Self.tinyModel()
        let items = Self.tinyItems()
        #expect(throws: TrainingError.itemOutOfRange(user: 1, entry: 0, item: 9, itemCount: 6)) {
            try TwoTowerTrainer().train(model, on: TrainingDataset(items: items, histories: [[.init(item: 0)], [.init(item: 9)]]))
        }
        #expect(throws: TrainingError.noTrainingExamples) {
            try TwoTowerTrainer().train(model, on: TrainingDataset(items: items, histories: [[], []]))
        }
        var training = TrainingConfiguration()
        training.dropoutRate = 1
        #expect(throws: TrainingError.invalidConfiguration(field: "dropoutRate", reason: "must be in [0, 1), is 1.0")) {
            try TwoTowerTrainer(training: training).train(model, on: TrainingDataset(items: items, histories: [[.init(item: 0)]]))
        }
        #expect(throws: TwoTowerModelError.invalidConfiguration(field: "embeddingDimension", value: 0)) {
            try TwoTowerModel(configuration: TwoTowerConfiguration(embeddingDimension: 0), seed: 1)
        }
    }
}
