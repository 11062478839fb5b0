import Foundation
import VitrineImage
import VitrineTensor

/// One class of a classification, best first in ``ImageEncoder/classify(_:topK:)``'s result.
public struct ImageClassification: Sendable, Equatable {
    /// ImageNet class index (0..<1000).
    public var index: Int
    /// The class's WordNet lemmas, e.g. `tabby, tabby cat`.
    public var label: String
    /// Softmax probability over all classes.
    public var probability: Float
}

/// How ``ImageEncoder/encode(batch:)`` spreads a batch over the cores.
public enum BatchParallelism: Sendable, Equatable {
    /// Each worker runs whole images single-threaded (no synchronisation inside a forward pass).
    case imagesAcrossThreads
    /// Images run one after another, each layer's kernels split across the cores.
    case kernelsAcrossThreads
}

/// Pictures → 1280-d image vectors with the pretrained EfficientNet-Lite0 (and ImageNet labels).
///
/// The full path is file → decode → resize short side 256 (bilinear, antialiased) → centre crop
/// 224 → normalize (mean 0.5 / std 0.5) → network → global-average-pooled features → L2 norm.
/// The encoder is an immutable value, safe to share across threads and tasks.
public struct ImageEncoder: Sendable {
    /// Folder name of the model under `assets/models`.
    public static let modelName = "efficientnet-lite0"

    /// The network.
    public let model: EfficientNetLite0
    /// Class names for ``classify(_:topK:)``.
    public let labels: ImageNetLabels
    /// Resize / crop / normalization recipe (from `config.json`; libjpeg DCT scaling is on for speed
    /// on large JPEGs, set `usesDCTScaling = false` for pixel parity with Pillow).
    public var preprocessing: Preprocessing
    /// Batch strategy; measured by `bench-image-encoder`.
    public var batchParallelism: BatchParallelism = .imagesAcrossThreads

    /// Length of ``embed(_:)-(ImageTensor)``'s vectors.
    public var embeddingDimension: Int { model.configuration.featureDimension }

    /// Loads the model from the default assets location (``ModelAssets``: `VITRINE_ASSETS`, else an
    /// `assets/models` folder above the current directory or above the package sources).
    public init(precision: WeightPrecision = .fp32) throws(EfficientNetError) {
        try self.init(directory: try Self.defaultModelDirectory(), precision: precision)
    }

    /// Loads `config.json`, `model.safetensors` and `imagenet_labels.txt` from a model folder, the 1×1
    /// convs in `precision` (see ``EfficientNetLite0/init(configuration:weights:precision:)``).
    public init(directory: URL, precision: WeightPrecision = .fp32) throws(EfficientNetError) {
        model = try EfficientNetLite0(directory: directory, precision: precision)
        let configuration = model.configuration
        labels = try ImageNetLabels(contentsOf: directory.appendingPathComponent("imagenet_labels.txt"),
                                    classCount: configuration.numClasses)
        preprocessing = Preprocessing(
            resizeShortSide: configuration.resizeShortSide, cropSize: configuration.imageSize,
            mean: configuration.normalization.mean, std: configuration.normalization.std, filter: .bilinear)
    }

    // MARK: Tensors in

    /// Raw pooled features and logits for one normalized `[3, 224, 224]` image tensor.
    public func encode(_ image: ImageTensor) throws(EfficientNetError) -> EfficientNetOutput {
        try model(Tensor(shape: try checkedShape(image), scalars: image.values))
    }

    /// ``encode(_:)`` for many images, spread over the cores as ``batchParallelism`` says.
    /// Accepts `[3, H, W]` tensors; results are in input order.
    public func encode(batch images: [ImageTensor]) throws(EfficientNetError) -> [EfficientNetOutput] {
        try outputs(images, logits: true)
    }

    private func outputs(_ images: [ImageTensor], logits: Bool) throws(EfficientNetError) -> [EfficientNetOutput] {
        for image in images { _ = try checkedShape(image) }
        let workers = batchParallelism == .imagesAcrossThreads ? min(Kernels.threadCount, images.count) : 1
        if workers <= 1 {
            return images.map { model.output(for: $0.values, threads: Kernels.threadCount, logits: logits) }
        }
        let network = model
        return Kernels.orderedMap(images, workers: workers) { network.output(for: $0.values, threads: 1, logits: logits) }
    }

    /// The L2-normalized 1280-d embedding of one normalized image tensor.
    public func embed(_ image: ImageTensor) throws(EfficientNetError) -> [Float] {
        unitLength(try outputs([image], logits: false)[0].features)
    }

    /// Embeddings of many image tensors, in input order.
    public func embed(batch images: [ImageTensor]) throws(EfficientNetError) -> [[Float]] {
        try outputs(images, logits: false).map { unitLength($0.features) }
    }

    /// The `topK` most probable ImageNet classes for one normalized image tensor.
    public func classify(_ image: ImageTensor, topK: Int = 5) throws(EfficientNetError) -> [ImageClassification] {
        classifications(logits: try encode(image).logits, topK: topK)
    }

    // MARK: Pictures in

    /// The model input for a decoded picture (resize, centre crop, normalize).
    public func tensor(for image: RGBImage) throws -> ImageTensor {
        try preprocessing.tensor(from: image)
    }

    /// The embedding of a decoded picture.
    public func embed(_ image: RGBImage) throws -> [Float] {
        try embed(tensor(for: image))
    }

    /// The embedding of an image file (JPEG or PNG).
    /// - Throws: the decoder's errors (`ImageDecodingError`) or ``EfficientNetError``.
    public func embed(fileURL: URL) throws -> [Float] {
        try embed(preprocessing.tensor(contentsOf: fileURL))
    }

    /// The embedding of image file bytes held in memory; `name` labels them in errors.
    public func embed(data: Data, name: String = "image data") throws -> [Float] {
        try embed(preprocessing.tensor(fromFileBytes: [UInt8](data), name: name))
    }

    /// The `topK` most probable classes of an image file.
    public func classify(fileURL: URL, topK: Int = 5) throws -> [ImageClassification] {
        try classify(preprocessing.tensor(contentsOf: fileURL), topK: topK)
    }

    // MARK: Helpers

    /// Softmax over `logits`, then the `topK` classes, highest probability first.
    public func classifications(logits: [Float], topK: Int) -> [ImageClassification] {
        guard let largest = logits.max(), topK > 0 else { return [] }
        let exponentials = logits.map { Foundation.exp($0 - largest) }
        let total = exponentials.reduce(0, +)
        let ranked = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        return ranked.prefix(topK).map { index in
            ImageClassification(index: index, label: labels[index] ?? "class \(index)",
                                probability: exponentials[index] / total)
        }
    }

    private func checkedShape(_ image: ImageTensor) throws(EfficientNetError) -> [Int] {
        guard image.shape == model.inputShape else {
            throw .inputShape(expected: model.inputShape, found: image.shape)
        }
        return image.shape
    }

    /// The features scaled by VitrineTensor's one L2 rule; a zero vector (every pooled ReLU6 output 0)
    /// comes back unchanged, as it always did here, rather than as an error.
    private func unitLength(_ features: [Float]) -> [Float] {
        l2Normalized(features) ?? features
    }

    /// `assets/models/efficientnet-lite0` as ``ModelAssets`` finds it.
    static func defaultModelDirectory() throws(EfficientNetError) -> URL {
        do {
            return try ModelAssets.modelDirectory(named: modelName)
        } catch {
            throw .assets(reason: error.description)
        }
    }
}
