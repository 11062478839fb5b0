import Testing
import VitrineCore

/// A catalog whose items come in latent clusters, and users who each like one cluster.
/// Item content = cluster centre + a louder "style" direction shared across clusters + noise:
/// raw content similarity is dominated by style, which users ignore, so an untrained tower ranks
/// poorly and the model has to learn which directions of the content matter.
struct TrainingSyntheticCatalog {
    var dataset: TrainingDataset
    var clusterOfItem: [Int]
    var clusterOfUser: [Int]
    /// Items that appear in no history (and are scored without an ID embedding).
    var coldItems: [Int]

    static let imageDimension = 8
    static let textDimension = 6

    init(clusters: Int = 4, warmItemsPerCluster: Int = 12, coldItemsPerCluster: Int = 3,
         usersPerCluster: Int = 10, eventsPerUser: Int = 8, seed: UInt64 = 2024) {
        var generator = TrainingRandomGenerator(seed: seed)
        let dimension = Self.imageDimension + Self.textDimension
        let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in generator.nextGaussian() } }
        let styles = (0..<3).map { _ in (0..<dimension).map { _ in generator.nextGaussian() } }
        var items: [TwoTowerItemFeatures] = []
        var warmByCluster = [[Int]](repeating: [], count: clusters)
        clusterOfItem = []
        coldItems = []
        for cluster in 0..<clusters {
            for index in 0..<(warmItemsPerCluster + coldItemsPerCluster) {
                let style = styles[generator.nextIndex(below: styles.count)]
                let vector = (0..<dimension).map {
                    0.6 * centres[cluster][$0] + 1.5 * style[$0] + 0.3 * generator.nextGaussian()
                }
                let image = Array(vector[0..<Self.imageDimension])
                let text = Array(vector[Self.imageDimension...])
                // Every fifth item lacks its description: the presence flag and image must carry it.
                items.append(TwoTowerItemFeatures(image: image, text: items.count % 5 == 4 ? nil : text))
                clusterOfItem.append(cluster)
                if index < warmItemsPerCluster { warmByCluster[cluster].append(items.count - 1) }
                else { coldItems.append(items.count - 1) }
            }
        }
        var histories: [[TwoTowerInteraction]] = []
        clusterOfUser = []
        for cluster in 0..<clusters {
            for _ in 0..<usersPerCluster {
                var pool = warmByCluster[cluster]
                generator.shuffle(&pool)
                var history: [TwoTowerInteraction] = []
                for event in 0..<eventsPerUser {
                    // One event in eight is noise from any cluster.
                    let item = generator.nextUnitFloat() < 0.125
                        ? warmByCluster[generator.nextIndex(below: clusters)][generator.nextIndex(below: warmItemsPerCluster)]
                        : pool[event % pool.count]
                    history.append(TwoTowerInteraction(item: item, strength: event % 3 == 0 ? 2 : 1))
                }
                histories.append(history)
                clusterOfUser.append(cluster)
            }
        }
        dataset = TrainingDataset(items: items, histories: histories)
    }

    var modelConfiguration: TwoTowerConfiguration {
        TwoTowerConfiguration(imageDimension: Self.imageDimension, textDimension: Self.textDimension,
                              hiddenDimension: 16, embeddingDimension: 8, itemIDCount: dataset.items.count)
    }

    static var trainingConfiguration: TrainingConfiguration {
        var training = TrainingConfiguration()
        training.maxEpochs = 40
        training.batchSize = 16
        training.learningRate = 0.01
        training.temperature = 0.2
        training.validationUserFraction = 0.25
        training.validationHoldoutFraction = 0.25
        training.recallK = 10
        training.patience = 3
        training.seed = 7
        return training
    }
}

@Suite struct TrainingConvergenceTests {
    /// Expected Recall@K of a uniformly random ranking: each held-out item lands in the top K of
    /// the (catalog − context) candidates with probability K / candidates.
    static func randomBaselineRecall(_ cases: [TrainingValidationCase], itemCount: Int, k: Int) -> Double {
        cases.map { Double(k) / Double(itemCount - Set($0.context.map(\.item)).count) }.reduce(0, +)
            / Double(cases.count)
    }

    @Test(arguments: [TrainingLoss.sampledSoftmax, .bpr(negativesPerPositive: 4)])
    func learnedModelBeatsRandomRankingAndStopsEarlyAtItsBestEpoch(loss: TrainingLoss) throws {
        let catalog = TrainingSyntheticCatalog()
        var training = TrainingSyntheticCatalog.trainingConfiguration
        training.loss = loss
        let initial = try TwoTowerModel(configuration: catalog.modelConfiguration, seed: 1)
        var seen: [TrainingEpochSummary] = []
        let (model, report) = try TwoTowerTrainer(training: training).train(initial, on: catalog.dataset) {
            seen.append($0)
        }

        #expect(seen == report.epochs, "the progress callback sees every epoch, in order")
        #expect(report.epochs.allSatisfy { $0.trainLoss.isFinite && $0.validationRecall != nil })
        let split = TrainingSplit(dataset: catalog.dataset, configuration: training)
        #expect(split.validationCases.count >= 8, "10 validation users, nearly all with a new held-out item")
        let baseline = Self.randomBaselineRecall(split.validationCases, itemCount: catalog.dataset.items.count, k: 10)
        let before = try initial.recall(at: 10, cases: split.validationCases, items: catalog.dataset.items)
        let after = try model.recall(at: 10, cases: split.validationCases, items: catalog.dataset.items)
        #expect(after > 0.6, "Recall@10 \(after)")
        #expect(after > 2.5 * baseline, "Recall@10 \(after) vs random \(baseline)")
        #expect(before < 1.5 * baseline, "style dominates raw content: untrained is near random (\(before))")
        #expect(after > before + 0.4, "training must improve on the untrained model (\(before))")
        #expect((report.epochs.first?.trainLoss ?? 0) > (report.epochs.last?.trainLoss ?? 0))

        // Early stopping: patience ran out, and the returned weights are the best epoch's.
        #expect(report.stoppedEarly)
        #expect(report.epochs.count == report.bestEpoch + training.patience)
        #expect(report.epochs[report.bestEpoch - 1].isBest)
        #expect(report.bestValidationRecall == after)
        let bestSoFar = report.epochs.compactMap(\.validationRecall).max() ?? -1
        #expect(abs(bestSoFar - after) <= training.minimumImprovement)
    }

    @Test func coldItemsRankTheirClusterFirstFromContentAlone() throws {
        let catalog = TrainingSyntheticCatalog()
        var training = TrainingSyntheticCatalog.trainingConfiguration
        training.validationUserFraction = 0  // fixed epochs: this test is about cold items, not stopping
        training.maxEpochs = 15
        let (model, report) = try TwoTowerTrainer(training: training).train(
            try TwoTowerModel(configuration: catalog.modelConfiguration, seed: 1), on: catalog.dataset)
        #expect(report.epochs.count == 15 && !report.stoppedEarly && report.bestEpoch == 15)

        let trainedAUC = try Self.coldItemAUC(model, catalog)
        let untrainedAUC = try Self.coldItemAUC(try TwoTowerModel(configuration: catalog.modelConfiguration, seed: 1), catalog)
        #expect(trainedAUC > 0.9, "cold items of the user's cluster outrank other clusters' in \(trainedAUC) of pairs")
        #expect(trainedAUC > untrainedAUC + 0.15, "untrained: \(untrainedAUC)")
    }

    /// Share of (same-cluster cold item, other-cluster cold item) pairs a user's scores order
    /// correctly, over all users; cold items are scored from content only (no ID embedding).
    static func coldItemAUC(_ model: TwoTowerModel, _ catalog: TrainingSyntheticCatalog) throws -> Double {
        let cold = catalog.coldItems
        let coldFeatures = cold.map { catalog.dataset.items[$0] }
        var ordered = 0, pairs = 0
        for (user, history) in catalog.dataset.histories.enumerated() {
            let entries = history.map {
                TwoTowerHistoryEntry(features: catalog.dataset.items[$0.item], id: $0.item, strength: $0.strength)
            }
            let scores = try model.score(history: entries, candidates: coldFeatures, ids: cold.map { _ in nil })
            for (i, a) in cold.enumerated() where catalog.clusterOfItem[a] == catalog.clusterOfUser[user] {
                for (j, b) in cold.enumerated() where catalog.clusterOfItem[b] != catalog.clusterOfUser[user] {
                    pairs += 1
                    if scores[i] > scores[j] { ordered += 1 }
                }
            }
        }
        return Double(ordered) / Double(pairs)
    }
}
