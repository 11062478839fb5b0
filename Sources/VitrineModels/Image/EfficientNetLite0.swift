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


    /// The architecture the weights were loaded for.
    public let configuration: EfficientNetConfiguration
    /// How the 1×1 convs' weights are held (fp32 reference or int8).
    public let precision: WeightPrecision
    let stem: StemLayer
    /// The MBConv blocks in channels-last form.
    let blocks: [InvertedResidual]
    let head: PointwiseConvolution
    let classifierWeight: [Float]
    let classifierBias: [Float]
    /// Floats of the largest activation (and of the stem's im2col matrix) for one image.
    let activationCapacity: Int
    let columnCapacity: Int

    /// Loads `config.json` and `model.safetensors` from a model folder.
    /// - Throws: ``EfficientNetError`` naming the file and the tensor or field at fault.
    public init(directory: URL, precision: WeightPrecision = .fp32) throws(EfficientNetError) {
        let configuration = try EfficientNetConfiguration.load(contentsOf: directory.appendingPathComponent("config.json"))
        try self.init(configuration: configuration, weights: directory.appendingPathComponent("model.safetensors"), precision: precision)
    }

    /// Blocks before this one keep fp32 1×1 convs in an int8 model. Measured on the nine fixture photos
    /// (min feature cosine to PyTorch): every block int8 0.99499 with one top-1 class flipped; blocks
    /// 0–1 (the 112×112 stage, 9 % of the multiplies, depths 16–32 where int8 gains least) in fp32
    /// 0.99753, top-1 unchanged; all project convs in fp32 0.99928 but about half the int8 work lost.
    static let firstInt8Block = 2

    /// Loads weights for `configuration` from a safetensors file, verifying every tensor and
    /// folding BatchNorm (epsilon from the configuration). With `precision` `.int8` the 1×1 convs
    /// (expand, project) from block ``firstInt8Block`` on and the head are quantized per output
    /// channel; the stem (27 inputs), the depthwise convs and the classifier stay fp32.
    public init(configuration: EfficientNetConfiguration, weights url: URL, precision: WeightPrecision = .fp32) throws(EfficientNetError) {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(contentsOf: url)
        } catch {
            throw .weights(error)
        }
        let tensors = try Self.loadCheckedTensors(from: file, configuration: configuration)
        let epsilon = configuration.batchNormEpsilon
        self.configuration = configuration
        self.precision = precision
        stem = StemLayer(Self.foldedConvolution(
            "stem", in: tensors, epsilon: epsilon, stride: configuration.stem.stride,
            padding: configuration.stem.padding.padding, activation: .relu6))
        blocks = configuration.blocks.map { block in
            let prefix = "blocks.\(block.index)"
            let precision: WeightPrecision = block.index < Self.firstInt8Block ? .fp32 : precision
            return InvertedResidual(
                expand: block.expandRatio == 1 ? nil : PointwiseConvolution(Self.foldedConvolution(
                    "\(prefix).expand", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .relu6),
                    precision: precision),
                depthwise: DepthwiseConvolution(Self.foldedConvolution(
                    "\(prefix).depthwise", in: tensors, epsilon: epsilon, stride: block.stride,
                    padding: block.depthwisePadding.padding, activation: .relu6)),
                project: PointwiseConvolution(Self.foldedConvolution(
                    "\(prefix).project", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .none),
                    precision: precision),
                residual: block.skip)
        }
        head = PointwiseConvolution(Self.foldedConvolution(
            "head", in: tensors, epsilon: epsilon, stride: 1, padding: .zero, activation: .relu6), precision: precision)
        classifierWeight = tensors["classifier.weight"]?.scalars ?? []
        classifierBias = tensors["classifier.bias"]?.scalars ?? []

        // Walk the shapes once to size the per-image scratch buffers.
        let size = configuration.imageSize
        var side = (size + stem.padding.top + stem.padding.bottom - stem.kernel) / stem.stride + 1
        var largest = side * side * stem.pointwise.outputs
        for block in blocks {
            largest = max(largest, side * side * (block.expand?.outputs ?? block.depthwise.channels))
            side = block.depthwise.outputSize(side, before: block.depthwise.padding.top, after: block.depthwise.padding.bottom)
            largest = max(largest, side * side * max(block.depthwise.channels, block.project.outputs))
        }
        activationCapacity = max(largest, side * side * head.outputs)
        let stemSide = (size + stem.padding.top + stem.padding.bottom - stem.kernel) / stem.stride + 1
        columnCapacity = stemSide * stemSide * stem.pointwise.inputs
    }

    /// The input shape this model runs on: `[3, imageSize, imageSize]`.
    public var inputShape: [Int] { [3, configuration.imageSize, configuration.imageSize] }

    /// Features and logits for one normalized `[3, H, W]` image, kernels split over
    /// `Kernels.threadCount` threads.
    /// - Throws: ``EfficientNetError/inputShape(expected:found:)`` for any other shape.
    public func callAsFunction(_ image: Tensor) throws(EfficientNetError) -> EfficientNetOutput {
        guard image.shape == inputShape else { throw .inputShape(expected: inputShape, found: image.shape) }
        return output(for: image.scalars, threads: Kernels.threadCount)
    }

    /// Runs the network on a normalized `[3, H, W]` image up to and including `stage` and returns
    /// that activation as `[channels, height, width]`; for debugging against reference dumps.
    public func run(_ image: Tensor, through stage: EfficientNetStage) throws(EfficientNetError) -> Tensor {
        guard image.shape == inputShape else { throw .inputShape(expected: inputShape, found: image.shape) }
        return image.scalars.withUnsafeBufferPointer { pixels in
            forward(pixels.baseAddress!, threads: Kernels.threadCount, through: stage) { values, height, width, channels in
                let hwc = Array(UnsafeBufferPointer(start: values, count: height * width * channels))
                return Tensor(shape: [channels, height, width],
                              scalars: transposed(hwc, rows: height * width, columns: channels))
            }
        }
    }

    /// Features and logits for a CHW image whose shape the caller checked; without `logits` the
    /// classifier is skipped (`logits` comes back empty: embeddings need only the features, and the
    /// 1280×1000 classifier was 2 % of an image's time).
    func output(for image: [Float], threads: Int, logits computesLogits: Bool = true) -> EfficientNetOutput {
        image.withUnsafeBufferPointer { pixels in
            forward(pixels.baseAddress!, threads: threads, through: .head) { values, height, width, channels in
                let pixelCount = height * width
                var features = [Float](repeating: 0, count: channels)
                for p in 0..<pixelCount {
                    let row = values + p * channels
                    for c in 0..<channels { features[c] += row[c] }
                }
                let scale = 1 / Float(pixelCount)
                for c in 0..<channels { features[c] *= scale }
                guard computesLogits else { return EfficientNetOutput(features: features, logits: []) }
                var logits = classifierBias
                features.withUnsafeBufferPointer { x in
                    classifierWeight.withUnsafeBufferPointer { w in
                        logits.withUnsafeMutableBufferPointer { y in
                            Kernels.gemv(rows: y.count, columns: channels, a: w.baseAddress!, lda: channels,
                                         x: x.baseAddress!, beta: 1, y: y.baseAddress!, threads: threads)
                        }
                    }
                }
                return EfficientNetOutput(features: features, logits: logits)
            }
        }
    }

    /// Blocks on planes at least this tall run fused (``InvertedResidual/applyFused(_:height:width:into:)``)
    /// when a forward pass has one thread; smaller planes fit in cache layer by layer (measured on one
    /// core: 28 and 14 equal, fusing the 7×7 blocks too ~6 % slower — their bands get too short).
    static let fusedBlockMinimumSide = 28

    /// The forward pass in channels-last layout with four scratch buffers; `body` sees the HWC
    /// activation after `stage` (`height × width × channels` floats).
    private func forward<R>(
        _ image: UnsafePointer<Float>, threads: Int, through stage: EfficientNetStage,
        _ body: (UnsafePointer<Float>, Int, Int, Int) -> R
    ) -> R {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * activationCapacity + columnCapacity)
        defer { scratch.deallocate() }
        var x = scratch, y = scratch + activationCapacity
        let expanded = scratch + 2 * activationCapacity, filtered = scratch + 3 * activationCapacity
        let columns = scratch + 4 * activationCapacity
        let size = configuration.imageSize
        var (height, width) = stem.apply(image, height: size, width: size, columns: columns, into: x, threads: threads)
        var channels = stem.pointwise.outputs
        if stage == .stem { return body(x, height, width, channels) }
        for (index, block) in blocks.enumerated() {
            let output = block.residual ? x : y
            if threads == 1 && height >= Self.fusedBlockMinimumSide {
                (height, width) = block.applyFused(x, height: height, width: width, into: output)
            } else {
                (height, width) = block.applyLayered(x, height: height, width: width, hidden: expanded, filtered: filtered,
                                                     into: output, threads: threads)
            }
            if !block.residual { swap(&x, &y) }
            channels = block.project.outputs
            if stage == .block(index) { return body(x, height, width, channels) }
        }
        head.apply(x, pixels: height * width, into: y, threads: threads)
        return body(y, height, width, head.outputs)
    }
}
