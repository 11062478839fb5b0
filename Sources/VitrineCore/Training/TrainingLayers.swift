import Foundation
import VitrineTensor

// Layers with explicit forward and backward passes. Each backward takes what its forward saw
// (the input, or a mask) rather than hidden caches, so the gradient-check tests can drive
// every layer on its own and the model composes them without shared mutable state.

/// Namespace for the two-tower trainer's layers (forward and backward passes).
public enum TrainingLayers {}

extension TrainingLayers {
    /// Fully connected layer `y = x · W + b` with `W` stored `inputs × outputs`.
    public struct Linear: Sendable, Equatable {
        /// Weight matrix, `inputs × outputs`.
        public var weight: TrainingMatrix
        /// Bias, `1 × outputs`.
        public var bias: TrainingMatrix

        /// A layer with the given parameters.
        public init(weight: TrainingMatrix, bias: TrainingMatrix) {
            precondition(bias.rows == 1 && bias.columns == weight.columns, "Linear: bias must be 1×\(weight.columns)")
            self.weight = weight
            self.bias = bias
        }

        /// A randomly initialised layer: normal weights with standard deviation `sqrt(gain / inputs)`
        /// (gain 2 is He initialisation, for a layer followed by ReLU), zero bias.
        public init(inputs: Int, outputs: Int, gain: Float = 2, using generator: inout TrainingRandomGenerator) {
            let scale = (gain / Float(max(inputs, 1))).squareRoot()
            var weight = TrainingMatrix(rows: inputs, columns: outputs)
            for index in weight.values.indices { weight.values[index] = generator.nextGaussian() * scale }
            self.init(weight: weight, bias: TrainingMatrix(rows: 1, columns: outputs))
        }

        /// `input` is `batch × inputs`; returns `activation(input · W + b)`, `batch × outputs`, with the
        /// bias and the activation fused into the GEMM.
        public func forward(_ input: TrainingMatrix, activation: Activation = .none) -> TrainingMatrix {
            trainingGEMM(input, weight, columnBias: bias, activation: activation)
        }

        /// Gradients of the loss with respect to the input, the weight and the bias.
        public func backward(input: TrainingMatrix, outputGradient: TrainingMatrix)
            -> (input: TrainingMatrix, weight: TrainingMatrix, bias: TrainingMatrix) {
            let inputGradient = trainingGEMM(outputGradient, weight, transposeB: true)
            let weightGradient = trainingGEMM(input, transposeA: true, outputGradient)
            return (inputGradient, weightGradient, Self.columnSums(outputGradient))
        }

        /// Weight and bias gradients only (for a first layer whose input needs no gradient).
        public func parameterGradients(input: TrainingMatrix, outputGradient: TrainingMatrix)
            -> (weight: TrainingMatrix, bias: TrainingMatrix) {
            (trainingGEMM(input, transposeA: true, outputGradient), Self.columnSums(outputGradient))
        }

        static func columnSums(_ matrix: TrainingMatrix) -> TrainingMatrix {
            var sums = TrainingMatrix(rows: 1, columns: matrix.columns)
            for row in 0..<matrix.rows {
                for column in 0..<matrix.columns { sums.values[column] += matrix[row, column] }
            }
            return sums
        }
    }

    /// Rectified linear unit, `max(x, 0)` element-wise.
    public enum ReLU {
        /// Element-wise `max(x, 0)`.
        public static func forward(_ input: TrainingMatrix) -> TrainingMatrix {
            var output = input
            for index in output.values.indices where output.values[index] < 0 { output.values[index] = 0 }
            return output
        }

        /// Passes the gradient where the input was positive.
        public static func backward(input: TrainingMatrix, outputGradient: TrainingMatrix) -> TrainingMatrix {
            precondition(input.shape == outputGradient.shape, "ReLU: gradient shape \(outputGradient.shape) differs from \(input.shape)")
            var gradient = outputGradient
            input.values.withUnsafeBufferPointer { x in
                gradient.values.withUnsafeMutableBufferPointer { g in
                    for index in 0..<g.count where x[index] <= 0 { g[index] = 0 }
                }
            }
            return gradient
        }
    }

    /// Inverted dropout: a kept unit is scaled by `1 / (1 - rate)` so inference needs no rescaling.
    public enum Dropout {
        /// A mask of zeros and `1 / (1 - rate)`; all ones when `rate` is 0.
        public static func mask(rows: Int, columns: Int, rate: Float,
                                using generator: inout TrainingRandomGenerator) -> TrainingMatrix {
            guard rate > 0 else { return TrainingMatrix(rows: rows, columns: columns, repeating: 1) }
            let keep = 1 / (1 - rate)
            var mask = TrainingMatrix(rows: rows, columns: columns)
            for index in mask.values.indices { mask.values[index] = generator.nextUnitFloat() < rate ? 0 : keep }
            return mask
        }

        /// `input ⊙ mask`.
        public static func forward(_ input: TrainingMatrix, mask: TrainingMatrix) -> TrainingMatrix {
            multiply(input, mask)
        }

        /// `outputGradient ⊙ mask`.
        public static func backward(mask: TrainingMatrix, outputGradient: TrainingMatrix) -> TrainingMatrix {
            multiply(outputGradient, mask)
        }

        private static func multiply(_ a: TrainingMatrix, _ b: TrainingMatrix) -> TrainingMatrix {
            precondition(a.shape == b.shape, "Dropout: mask shape \(b.shape) differs from \(a.shape)")
            var result = a
            b.values.withUnsafeBufferPointer { factors in
                result.values.withUnsafeMutableBufferPointer { values in
                    for index in 0..<values.count { values[index] *= factors[index] }
                }
            }
            return result
        }
    }

    /// Row-wise L2 normalisation `y = x / max(‖x‖, epsilon)`.
    public enum L2Normalize {
        /// Rows shorter than this are divided by it instead (a zero row stays zero).
        public static let epsilon: Float = 1e-6

        /// Each row divided by its Euclidean norm.
        public static func forward(_ input: TrainingMatrix) -> TrainingMatrix {
            var output = input
            let width = input.columns
            output.values.withUnsafeMutableBufferPointer { values in
                guard let base = values.baseAddress else { return }
                for row in 0..<input.rows {
                    let x = base + row * width
                    let scale = 1 / max(Kernels.dot(count: width, x, x).squareRoot(), epsilon)
                    for column in 0..<width { x[column] *= scale }
                }
            }
            return output
        }

        /// `dx = (dy − y (y·dy)) / ‖x‖`, or `dy / epsilon` where the norm was clamped.
        public static func backward(input: TrainingMatrix, outputGradient: TrainingMatrix) -> TrainingMatrix {
            var gradient = outputGradient
            let width = input.columns
            input.values.withUnsafeBufferPointer { inputValues in
                gradient.values.withUnsafeMutableBufferPointer { gradientValues in
                    guard let inputBase = inputValues.baseAddress, let gradientBase = gradientValues.baseAddress else { return }
                    for row in 0..<input.rows {
                        let x = inputBase + row * width, g = gradientBase + row * width
                        let rawNorm = Kernels.dot(count: width, x, x).squareRoot()
                        if rawNorm <= epsilon {
                            for column in 0..<width { g[column] /= epsilon }
                            continue
                        }
                        // y·dy = (x·dy)/‖x‖; dx = (dy − x (x·dy)/‖x‖²) / ‖x‖.
                        let inverse = 1 / rawNorm
                        let projection = Kernels.dot(count: width, x, g) * inverse * inverse
                        for column in 0..<width { g[column] = (g[column] - x[column] * projection) * inverse }
                    }
                }
            }
            return gradient
        }
    }

    /// Embedding lookup: row `ids[i]` of a table becomes output row `i`.
    public enum EmbeddingLookup {
        /// Gathers `table` rows by id; returns `ids.count × table.columns`.
        public static func forward(table: TrainingMatrix, ids: [Int]) -> TrainingMatrix {
            table.gatheringRows(ids)
        }

        /// Scatter-adds the output gradient into a zero table gradient of `tableRows` rows.
        public static func backward(ids: [Int], outputGradient: TrainingMatrix, tableRows: Int) -> TrainingMatrix {
            var gradient = TrainingMatrix(rows: tableRows, columns: outputGradient.columns)
            gradient.scatterAddRows(outputGradient, into: ids)
            return gradient
        }
    }
}
