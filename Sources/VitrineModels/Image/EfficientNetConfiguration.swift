import Foundation
import VitrineTensor

/// The architecture of an EfficientNet-Lite checkpoint, mirroring its `config.json`
/// (see `docs/models.md` §1): stem, the MBConv blocks with their explicit TF-"SAME" pads, head
/// and classifier sizes, BatchNorm epsilon and the input recipe.
public struct EfficientNetConfiguration: Sendable, Equatable, Decodable {
    /// Per-side zero padding as written in `config.json`.
    public struct Pads: Sendable, Equatable, Decodable {
        /// Rows added above.
        public var top: Int
        /// Columns added on the left.
        public var left: Int
        /// Rows added below.
        public var bottom: Int
        /// Columns added on the right.
        public var right: Int

        /// The same pads as a VitrineTensor `Padding`.
        public var padding: Padding { Padding(top: top, left: left, bottom: bottom, right: right) }
    }

    /// Per-channel input normalization: `(byte / 255 − mean) / std`.
    public struct Normalization: Sendable, Equatable, Decodable {
        /// Mean per RGB channel.
        public var mean: [Float]
        /// Standard deviation per RGB channel.
        public var std: [Float]
    }

    /// The stem convolution (3 input channels, then BN and ReLU6).
    public struct Stem: Sendable, Equatable, Decodable {
        /// Output channels.
        public var outChannels: Int
        /// Square kernel side.
        public var kernel: Int
        /// Stride on both axes.
        public var stride: Int
        /// Zero padding of the input.
        public var padding: Pads
    }

    /// One MBConv block: optional 1×1 expansion, k×k depthwise, 1×1 linear projection.
    public struct Block: Sendable, Equatable, Decodable {
        /// Position in the network (0-based); also the checkpoint's `_blocks.N` index.
        public var index: Int
        /// Hidden width / input width; 1 means there is no expansion conv.
        public var expandRatio: Int
        /// Depthwise kernel side.
        public var kernel: Int
        /// Depthwise stride.
        public var stride: Int
        /// Channels in.
        public var inChannels: Int
        /// Channels out.
        public var outChannels: Int
        /// Channels of the depthwise stage.
        public var hiddenChannels: Int
        /// Whether the block input is added to its output.
        public var skip: Bool
        /// Input side (the pads below were computed for it).
        public var inputSize: Int
        /// Output side.
        public var outputSize: Int
        /// Zero padding of the depthwise conv's input.
        public var depthwisePadding: Pads
    }

    /// The 1×1 head convolution before pooling.
    public struct Head: Sendable, Equatable, Decodable {
        /// Channels in (the last block's output).
        public var inChannels: Int
        /// Channels out (the feature dimension).
        public var outChannels: Int
        /// Kernel side (1).
        public var kernel: Int
    }

    /// Architecture name, e.g. `efficientnet-lite0`.
    public var architecture: String
    /// Side of the square input the pads were computed for.
    public var imageSize: Int
    /// Short side the preprocessing resizes to before the centre crop.
    public var resizeShortSide: Int
    /// Input normalization the checkpoint expects.
    public var normalization: Normalization
    /// Activation name (`relu6`).
    public var activation: String
    /// BatchNorm epsilon used when folding.
    public var batchNormEpsilon: Float
    /// Stem convolution.
    public var stem: Stem
    /// MBConv blocks in order.
    public var blocks: [Block]
    /// Head convolution.
    public var head: Head
    /// Length of the pooled feature vector.
    public var featureDimension: Int
    /// Classifier outputs.
    public var numClasses: Int
    /// Whether blocks have squeeze-excite (must be false for Lite models).
    public var squeezeExcite: Bool

    /// Reads and checks `config.json`.
    /// - Throws: ``EfficientNetError/configuration(file:reason:)`` when unreadable, malformed or
    ///   inconsistent (block widths that do not chain, an activation other than ReLU6, SE blocks).
    public static func load(contentsOf url: URL) throws(EfficientNetError) -> EfficientNetConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .configuration(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let configuration: EfficientNetConfiguration
        do {
            configuration = try decoder.decode(EfficientNetConfiguration.self, from: data)
        } catch {
            throw .configuration(file: url.path, reason: "malformed: \(error)")
        }
        try configuration.validate(file: url.path)
        return configuration
    }

    /// Checks the facts the Swift forward pass relies on.
    func validate(file: String) throws(EfficientNetError) {
        func fail(_ reason: String) -> EfficientNetError { .configuration(file: file, reason: reason) }
        guard activation == "relu6" else { throw fail("activation '\(activation)' is not supported (relu6 only)") }
        guard !squeezeExcite else { throw fail("squeeze_excite blocks are not supported (Lite models have none)") }
        guard normalization.mean.count == 3, normalization.std.count == 3 else {
            throw fail("normalization needs 3 means and 3 stds")
        }
        guard imageSize > 0, resizeShortSide >= imageSize else {
            throw fail("image_size \(imageSize) / resize_short_side \(resizeShortSide) are inconsistent")
        }
        guard !blocks.isEmpty else { throw fail("no blocks") }
        var channels = stem.outChannels
        for (position, block) in blocks.enumerated() {
            guard block.index == position else { throw fail("block at position \(position) has index \(block.index)") }
            guard block.inChannels == channels else {
                throw fail("block \(position) takes \(block.inChannels) channels, previous layer gives \(channels)")
            }
            guard block.hiddenChannels == block.inChannels * block.expandRatio else {
                throw fail("block \(position): hidden \(block.hiddenChannels) ≠ \(block.inChannels) × \(block.expandRatio)")
            }
            guard (1...7).contains(block.kernel), block.stride >= 1 else {
                throw fail("block \(position): kernel \(block.kernel) / stride \(block.stride) unsupported")
            }
            guard block.skip == (block.stride == 1 && block.inChannels == block.outChannels) else {
                throw fail("block \(position): skip \(block.skip) contradicts stride/width")
            }
            channels = block.outChannels
        }
        guard head.inChannels == channels, head.kernel == 1 else {
            throw fail("head takes \(head.inChannels) channels with kernel \(head.kernel), last block gives \(channels)")
        }
        guard head.outChannels == featureDimension, numClasses > 0 else {
            throw fail("head width \(head.outChannels) ≠ feature_dimension \(featureDimension)")
        }
    }
}
