import Testing
import VitrineCore

// Every layer's backward pass against central finite differences, on tiny shapes.
// Float32 throughout: eps 1e-3 keeps truncation and rounding error near 1e-4 relative, so a
// 2e-2 tolerance on the relative norm of the difference still catches any wrong term or transpose.

/// Shared helpers for the Training*Tests files.
enum TrainingGradientCheck {
    static let epsilon: Float = 1e-3
    static let tolerance: Float = 2e-2

    static func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout TrainingRandomGenerator,
                             scale: Float = 1) -> TrainingMatrix {
        TrainingMatrix(rows: rows, columns: columns,
                       values: (0..<(rows * columns)).map { _ in scale * generator.nextGaussian() })
    }

    /// Central-difference gradient of `f` at `point`.
    static func numericGradient(at point: TrainingMatrix, _ f: (TrainingMatrix) -> Float) -> TrainingMatrix {
        var gradient = TrainingMatrix(rows: point.rows, columns: point.columns)
        for index in point.values.indices {
            var plus = point, minus = point
            plus.values[index] += epsilon
            minus.values[index] -= epsilon
            gradient.values[index] = (f(plus) - f(minus)) / (2 * epsilon)
        }
        return gradient
    }

    /// ‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are zero.
    static func relativeError(_ a: TrainingMatrix, _ b: TrainingMatrix) -> Float {
        var difference: Float = 0, normA: Float = 0, normB: Float = 0
        for (x, y) in zip(a.values, b.values) {
            difference += (x - y) * (x - y); normA += x * x; normB += y * y
        }
        let denominator = normA.squareRoot() + normB.squareRoot()
        return denominator == 0 ? 0 : difference.squareRoot() / denominator
    }

    static func norm(_ a: TrainingMatrix) -> Float { a.values.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// `Σ projection ⊙ output`: a scalar whose gradient with respect to `output` is `projection`.
    static func project(_ output: TrainingMatrix, _ projection: TrainingMatrix) -> Float {
        zip(output.values, projection.values).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Expects the analytic gradient to match the numeric one and not to be trivially zero.
    static func expectMatch(_ analytic: TrainingMatrix, _ numeric: TrainingMatrix, _ label: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(analytic.shape == numeric.shape, "\(label): shape", sourceLocation: sourceLocation)
        #expect(norm(numeric) > 1e-4, "\(label): numeric gradient is zero, the check proves nothing",
                sourceLocation: sourceLocation)
        let error = relativeError(analytic, numeric)
        #expect(error < tolerance, "\(label): relative error \(error)", sourceLocation: sourceLocation)
    }
}

extension TrainingGradientCheck {
    /// Checks the analytic gradient of every tensor of `model` against central differences of `loss`
    /// (evaluated on a copy with that one tensor changed); tensors in `unused` must have a zero
    /// gradient both ways.
    static func expectModelGradientsMatch(_ model: TwoTowerModel, _ gradients: [String: TrainingMatrix], unused: Set<String> = [],
                                          label: String, sourceLocation: SourceLocation = #_sourceLocation,
                                          loss: (TwoTowerModel) -> Float) {
        #expect(Set(gradients.keys) == Set(model.parameterNames), sourceLocation: sourceLocation)
        for name in model.parameterNames {
            guard let point = model.parameter(named: name), let analytic = gradients[name] else { continue }
            let numeric = numericGradient(at: point) { value in
                var perturbed = model
                try? perturbed.setParameter(named: name, to: value)
                return loss(perturbed)
            }
            if unused.contains(name) {
                #expect(norm(analytic) == 0 && norm(numeric) == 0, "\(label) \(name): an unused tensor has a gradient",
                        sourceLocation: sourceLocation)
            } else {
                expectMatch(analytic, numeric, "\(label) \(name)", sourceLocation: sourceLocation)
            }
        }
    }
}

@Suite struct TrainingLayerGradientTests {
    typealias Check = TrainingGradientCheck

    @Test func linearGradientsMatchFiniteDifferences() {
        var generator = TrainingRandomGenerator(seed: 1)
        let layer = TrainingLayers.Linear(weight: Check.randomMatrix(5, 3, &generator),
                                          bias: Check.randomMatrix(1, 3, &generator))
        let input = Check.randomMatrix(4, 5, &generator)
        let projection = Check.randomMatrix(4, 3, &generator)
        let analytic = layer.backward(input: input, outputGradient: projection)
        Check.expectMatch(analytic.input, Check.numericGradient(at: input) {
            Check.project(layer.forward($0), projection)
        }, "Linear input")
        Check.expectMatch(analytic.weight, Check.numericGradient(at: layer.weight) {
            Check.project(TrainingLayers.Linear(weight: $0, bias: layer.bias).forward(input), projection)
        }, "Linear weight")
        Check.expectMatch(analytic.bias, Check.numericGradient(at: layer.bias) {
            Check.project(TrainingLayers.Linear(weight: layer.weight, bias: $0).forward(input), projection)
        }, "Linear bias")
        let parameterOnly = layer.parameterGradients(input: input, outputGradient: projection)
        #expect(parameterOnly.weight == analytic.weight && parameterOnly.bias == analytic.bias)
    }

    @Test func reluGradientMatchesFiniteDifferencesAwayFromTheKink() {
        var generator = TrainingRandomGenerator(seed: 2)
        var input = Check.randomMatrix(3, 4, &generator)
        // Keep every entry at least 0.1 from zero so the ±eps probes never straddle the kink.
        for index in input.values.indices { input.values[index] += input.values[index] < 0 ? -0.1 : 0.1 }
        let projection = Check.randomMatrix(3, 4, &generator)
        let analytic = TrainingLayers.ReLU.backward(input: input, outputGradient: projection)
        Check.expectMatch(analytic, Check.numericGradient(at: input) {
            Check.project(TrainingLayers.ReLU.forward($0), projection)
        }, "ReLU")
        #expect(analytic.values.contains(0), "some inputs are negative, so some gradients must be cut")
    }

    @Test func dropoutGradientMatchesFiniteDifferencesAndKeepsTheExpectation() {
        var generator = TrainingRandomGenerator(seed: 3)
        let input = Check.randomMatrix(6, 5, &generator)
        let mask = TrainingLayers.Dropout.mask(rows: 6, columns: 5, rate: 0.4, using: &generator)
        #expect(Set(mask.values).isSubset(of: [0, 1 / 0.6]))
        #expect(mask.values.contains(0) && mask.values.contains(1 / 0.6))
        let projection = Check.randomMatrix(6, 5, &generator)
        Check.expectMatch(TrainingLayers.Dropout.backward(mask: mask, outputGradient: projection),
                          Check.numericGradient(at: input) {
                              Check.project(TrainingLayers.Dropout.forward($0, mask: mask), projection)
                          }, "Dropout")
        let noDropout = TrainingLayers.Dropout.mask(rows: 2, columns: 2, rate: 0, using: &generator)
        #expect(noDropout.values == [1, 1, 1, 1])
        // Inverted dropout: the mean of a large mask is close to 1.
        let large = TrainingLayers.Dropout.mask(rows: 100, columns: 100, rate: 0.3, using: &generator)
        let mean = large.values.reduce(0, +) / Float(large.values.count)
        #expect(abs(mean - 1) < 0.05)
    }

    @Test func l2NormalizeGradientMatchesFiniteDifferences() {
        var generator = TrainingRandomGenerator(seed: 4)
        let input = Check.randomMatrix(3, 4, &generator)
        let projection = Check.randomMatrix(3, 4, &generator)
        let output = TrainingLayers.L2Normalize.forward(input)
        for row in 0..<3 {
            let norm = output.row(row).reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
        Check.expectMatch(TrainingLayers.L2Normalize.backward(input: input, outputGradient: projection),
                          Check.numericGradient(at: input) {
                              Check.project(TrainingLayers.L2Normalize.forward($0), projection)
                          }, "L2Normalize")
        #expect(TrainingLayers.L2Normalize.forward(TrainingMatrix(rows: 1, columns: 3)).values == [0, 0, 0])
    }

    @Test func embeddingLookupGradientScatterAddsRepeatedIDs() {
        var generator = TrainingRandomGenerator(seed: 5)
        let table = Check.randomMatrix(5, 3, &generator)
        let ids = [4, 0, 4, 2]
        let projection = Check.randomMatrix(4, 3, &generator)
        let output = TrainingLayers.EmbeddingLookup.forward(table: table, ids: ids)
        #expect(output.row(0) == table.row(4) && output.row(2) == table.row(4))
        let analytic = TrainingLayers.EmbeddingLookup.backward(ids: ids, outputGradient: projection, tableRows: 5)
        Check.expectMatch(analytic, Check.numericGradient(at: table) {
            Check.project(TrainingLayers.EmbeddingLookup.forward(table: $0, ids: ids), projection)
        }, "EmbeddingLookup")
        #expect(analytic.row(1) == [0, 0, 0] && analytic.row(3) == [0, 0, 0])
    }

    @Test(arguments: [TwoTowerPooling.attention, .weightedMean])  // the sequence tower has its own tests
    func poolingGradientsMatchFiniteDifferences(mode: TwoTowerPooling) {
        var generator = TrainingRandomGenerator(seed: 6)
        let items = Check.randomMatrix(6, 4, &generator)
        let segments = [0..<3, 3..<3, 3..<4, 4..<6]  // includes an empty history
        let strengths: [Float] = [1, 2, 0.5, 1, 3, 1]
        let query = Check.randomMatrix(1, 4, &generator)
        let projection = Check.randomMatrix(4, 4, &generator)
        func pooled(_ items: TrainingMatrix, _ query: TrainingMatrix) -> TrainingMatrix {
            TrainingLayers.AttentionPooling.forward(items: items, segments: segments, strengths: strengths,
                                                    query: query, mode: mode).output
        }
        let (output, weights) = TrainingLayers.AttentionPooling.forward(
            items: items, segments: segments, strengths: strengths, query: query, mode: mode)
        #expect(output.row(1) == [0, 0, 0, 0], "an empty history pools to zeros")
        #expect(abs(weights[0..<3].reduce(0, +) - 1) < 1e-5)
        if mode == .weightedMean { #expect(abs(weights[1] - 2 / 3.5) < 1e-6) }
        let analytic = TrainingLayers.AttentionPooling.backward(
            items: items, segments: segments, query: query, mode: mode, weights: weights, outputGradient: projection)
        Check.expectMatch(analytic.items, Check.numericGradient(at: items) {
            Check.project(pooled($0, query), projection)
        }, "pooling items (\(mode))")
        let numericQuery = Check.numericGradient(at: query) { Check.project(pooled(items, $0), projection) }
        if mode == .attention {
            Check.expectMatch(analytic.query, numericQuery, "pooling query")
        } else {
            #expect(analytic.query.values.allSatisfy { $0 == 0 } && Check.norm(numericQuery) == 0)
        }
    }

    @Test func softmaxCrossEntropyGradientMatchesAndIgnoresMaskedLogits() {
        var generator = TrainingRandomGenerator(seed: 7)
        var logits = Check.randomMatrix(3, 4, &generator, scale: 2)
        logits[1, 2] = -.infinity
        let targets = [0, 3, 1]
        let (loss, analytic) = TrainingLayers.SoftmaxCrossEntropy.lossAndGradient(logits: logits, targets: targets)
        #expect(loss.isFinite && loss > 0)
        #expect(analytic[1, 2] == 0)
        let numeric = Check.numericGradient(at: logits) {
            TrainingLayers.SoftmaxCrossEntropy.lossAndGradient(logits: $0, targets: targets).loss
        }
        var finiteNumeric = numeric
        finiteNumeric[1, 2] = 0  // -inf ± eps is still -inf: no finite difference there
        Check.expectMatch(analytic, finiteNumeric, "SoftmaxCrossEntropy")
        // Uniform logits over 4 classes cost exactly log 4.
        let uniform = TrainingLayers.SoftmaxCrossEntropy.lossAndGradient(
            logits: TrainingMatrix(rows: 2, columns: 4), targets: [1, 2]).loss
        #expect(abs(uniform - 1.3862944) < 1e-5)
    }

    @Test func bprGradientMatchesFiniteDifferences() {
        var generator = TrainingRandomGenerator(seed: 8)
        let positive = Check.randomMatrix(1, 3, &generator)
        let negatives = Check.randomMatrix(3, 2, &generator)
        let analytic = TrainingLayers.BPRLoss.lossAndGradient(positive: positive.values, negatives: negatives)
        Check.expectMatch(TrainingMatrix(rows: 1, columns: 3, values: analytic.positiveGradient),
                          Check.numericGradient(at: positive) {
                              TrainingLayers.BPRLoss.lossAndGradient(positive: $0.values, negatives: negatives).loss
                          }, "BPR positive")
        Check.expectMatch(analytic.negativesGradient, Check.numericGradient(at: negatives) {
            TrainingLayers.BPRLoss.lossAndGradient(positive: positive.values, negatives: $0).loss
        }, "BPR negatives")
        // A tie costs log 2 per pair.
        let tie = TrainingLayers.BPRLoss.lossAndGradient(positive: [0.5], negatives: TrainingMatrix(rows: 1, columns: 1, values: [0.5]))
        #expect(abs(tie.loss - 0.6931472) < 1e-6)
    }
}
