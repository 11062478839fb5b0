import Foundation

// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization", ICLR 2019): the decay shrinks weights directly instead of being added to
// the gradient, so it is not rescaled by Adam's per-coordinate step size.

/// AdamW state for one model's tensors (dense moments, one per parameter entry).
struct AdamWOptimizer: Sendable {
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]
    private var step = 0
    private let configuration: TrainingConfiguration
    /// Parameter slots that are decayed: weight matrices and ID embeddings.
    private let decayedSlots: Set<Int>

    init(model: TwoTowerModel, configuration: TrainingConfiguration) {
        firstMoments = model.parameters.map { [Float](repeating: 0, count: $0.values.count) }
        secondMoments = firstMoments
        self.configuration = configuration
        decayedSlots = model.decayedParameterSlots
    }

    /// Applies one update with `gradients` (in `parameterNames` order) to `model`.
    mutating func update(_ model: inout TwoTowerModel, gradients: [TrainingMatrix]) {
        step += 1
        let c = configuration
        let firstCorrection = 1 - pow(c.beta1, Float(step))
        let secondCorrection = 1 - pow(c.beta2, Float(step))
        for (slot, gradient) in gradients.enumerated() {
            var parameter = model.parameters[slot]
            let decay = decayedSlots.contains(slot) ? c.learningRate * c.weightDecay : 0
            gradient.values.withUnsafeBufferPointer { g in
                firstMoments[slot].withUnsafeMutableBufferPointer { m in
                    secondMoments[slot].withUnsafeMutableBufferPointer { v in
                        parameter.values.withUnsafeMutableBufferPointer { w in
                            for index in 0..<w.count {
                                m[index] = c.beta1 * m[index] + (1 - c.beta1) * g[index]
                                v[index] = c.beta2 * v[index] + (1 - c.beta2) * g[index] * g[index]
                                let mHat = m[index] / firstCorrection
                                let vHat = v[index] / secondCorrection
                                w[index] -= c.learningRate * mHat / (vHat.squareRoot() + c.adamEpsilon) + decay * w[index]
                            }
                        }
                    }
                }
            }
            model.setParameter(at: slot, parameter)
        }
    }
}
