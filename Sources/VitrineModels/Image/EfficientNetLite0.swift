import Foundation
import VitrineTensor

/// A point in the network to stop at, for inspecting intermediate activations.
public enum EfficientNetStage: Sendable, Equatable {
    /// After the stem conv + BN + ReLU6.
    case stem
    /// After MBConv block `index` (residual added).
    case block(Int)
    /// After the head conv + BN + ReLU6, before pooling.
    case head
}

/// The two outputs of one forward pass.
public struct EfficientNetOutput: Sendable, Equatable {
    /// Global-average-pooled head activations (not normalized), `featureDimension` values.
    public var features: [Float]
    /// Classifier logits, `numClasses` values.
    public var logits: [Float]
}

/// EfficientNet-Lite0 in inference form: BatchNorm folded into every conv, ReLU6 fused into the
/// conv epilogues, no squeeze-excite, dropout omitted (identity in eval). Immutable once loaded,
/// so one instance can serve any number of threads.
public struct EfficientNetLite0: Sendable {
    /// A conv with its folded bias, stride, TF-"SAME" pads and fused activation.
    struct Convolution: Sendable {
        var weight: Tensor
        var bias: Tensor
        var stride: Int
        var padding: Padding
        var activation: Activation
    }

    /// One MBConv block.
    struct Block: Sendable {
        var expand: Convolution?
        var depthwise: Convolution
        var project: Convolution
        var skip: Bool
    }

    /// The architecture the weights were loaded for.
    public let configuration: EfficientNetConfiguration
    let stem: Convolution
    let blocks: [Block]
    let head: Convolution
    let classifierWeight: Tensor
    let classifierBias: Tensor

    /// Loads `config.json` and `model.safetensors` from a model folder.
    /// - Throws: ``EfficientNetError`` naming the file and the tensor or field at fault.
    public init(directory: URL) throws(EfficientNetError) {
        let configuration = try EfficientNetConfiguration.load(contentsOf: directory.appendingPathComponent("config.json"))
        try self.init(configuration: configuration, weights: directory.appendingPathComponent("model.safetensors"))
    }

    /// Loads weights for `configuration` from a safetensors file, verifying every tensor and
    /// folding BatchNorm (epsilon from the configuration).
    public init(configuration: EfficientNetConfiguration, weights url: URL) throws(EfficientNetError) {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw .weights(error)
        }
        let tensors = try Self.loadCheckedTensors(from: file, configuration: configuration)
        let epsilon = configuration.batchNormEpsilon
        self.configuration = configuration
        stem = Self.foldedConvolution(
            "stem", in: tensors, epsilon: epsilon, stride: configuration.stem.stride,
            padding: configuration.stem.padding.padding, activation: .relu6)
        blocks = configuration.blocks.map { block in
            let prefix = "blocks.\(block.index)"
            return Block(
                expand: block.expandRatio == 1 ? nil : Self.foldedConvolution(
                    "\(prefix).expand", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .relu6),
                depthwise: Self.foldedConvolution(
                    "\(prefix).depthwise", in: tensors, epsilon: epsilon, stride: block.stride,
                    padding: block.depthwisePadding.padding, activation: .relu6),
                project: Self.foldedConvolution(
                    "\(prefix).project", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .none),
                skip: block.skip)
        }
        head = Self.foldedConvolution("head", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .relu6)
        classifierWeight = tensors["classifier.weight"] ?? Tensor(zeros: [0])
        classifierBias = tensors["classifier.bias"] ?? Tensor(zeros: [0])
    }

    /// The input shape this model runs on: `[3, imageSize, imageSize]`.
    public var inputShape: [Int] { [3, configuration.imageSize, configuration.imageSize] }

    /// Features and logits for one normalized `[3, H, W]` image.
    /// - Throws: ``EfficientNetError/inputShape(expected:found:)`` for any other shape.
    public func callAsFunction(_ image: Tensor) throws(EfficientNetError) -> EfficientNetOutput {
        let activations = try run(image, through: .head)
        let features = globalAveragePool(activations)
        let logits = linear(features.reshaped([1, features.count]), weight: classifierWeight, bias: classifierBias)
        return EfficientNetOutput(features: features.scalars, logits: logits.scalars)
    }

    /// Runs the network on a normalized `[3, H, W]` image up to and including `stage`; for
    /// debugging against reference dumps.
    public func run(_ image: Tensor, through stage: EfficientNetStage) throws(EfficientNetError) -> Tensor {
        guard image.shape == inputShape else { throw .inputShape(expected: inputShape, found: image.shape) }
        var x = apply(stem, to: image)
        if stage == .stem { return x }
        for (index, block) in blocks.enumerated() {
            x = apply(block, to: x)
            if stage == .block(index) { return x }
        }
        return apply(head, to: x)
    }

    private func apply(_ block: Block, to input: Tensor) -> Tensor {
        var hidden = input
        if let expand = block.expand { hidden = apply(expand, to: hidden) }
        let depthwise = block.depthwise
        hidden = depthwiseConv2d(hidden, weight: depthwise.weight, bias: depthwise.bias, stride: depthwise.stride,
                                 padding: depthwise.padding, activation: depthwise.activation)
        let output = apply(block.project, to: hidden)
        return block.skip ? output + input : output
    }

    private func apply(_ convolution: Convolution, to input: Tensor) -> Tensor {
        conv2d(input, weight: convolution.weight, bias: convolution.bias, stride: convolution.stride,
               padding: convolution.padding, activation: convolution.activation)
    }
}
