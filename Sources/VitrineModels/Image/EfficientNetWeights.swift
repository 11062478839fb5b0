import Foundation
import VitrineTensor

/// The one checked door EfficientNet weights come through: checkpoint names are mapped to the
/// model's own names by ``EfficientNetLite0/sanitize(_:)``, every expected tensor must be present
/// with its exact shape, nothing may be left over, and BatchNorm is folded into the conv before it.
extension EfficientNetLite0 {
    /// Maps a checkpoint tensor name (lukemelas EfficientNet-PyTorch, e.g.
    /// `_blocks.3._bn1.running_var`) to the model's own name (`blocks.3.depthwise.bn.running_var`).
    /// Returns nil for names that belong to no layer of this model.
    public static func sanitize(_ checkpointName: String) -> String? {
        let parts = checkpointName.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let parameter = parts.last, !parameter.isEmpty else { return nil }
        switch parts[0] {
        case "_conv_stem" where parts.count == 2: return "stem.conv.\(parameter)"
        case "_bn0" where parts.count == 2: return "stem.bn.\(parameter)"
        case "_conv_head" where parts.count == 2: return "head.conv.\(parameter)"
        case "_bn1" where parts.count == 2: return "head.bn.\(parameter)"
        case "_fc" where parts.count == 2: return "classifier.\(parameter)"
        case "_blocks" where parts.count == 4:
            guard let index = Int(parts[1]), index >= 0, String(index) == parts[1] else { return nil }
            let layers = [
                "_expand_conv": "expand.conv", "_bn0": "expand.bn",
                "_depthwise_conv": "depthwise.conv", "_bn1": "depthwise.bn",
                "_project_conv": "project.conv", "_bn2": "project.bn",
            ]
            guard let layer = layers[parts[2]] else { return nil }
            return "blocks.\(index).\(layer).\(parameter)"
        default:
            return nil
        }
    }

    /// Every tensor the model needs, by its own name, with its shape (PyTorch layouts: conv
    /// weights `[out, in/groups, k, k]`, BatchNorm vectors `[channels]`, classifier `[classes, features]`).
    public static func expectedTensors(for configuration: EfficientNetConfiguration) -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        func batchNorm(_ prefix: String, _ channels: Int) {
            for parameter in ["weight", "bias", "running_mean", "running_var"] {
                shapes["\(prefix).bn.\(parameter)"] = [channels]
            }
        }
        let stem = configuration.stem
        shapes["stem.conv.weight"] = [stem.outChannels, 3, stem.kernel, stem.kernel]
        batchNorm("stem", stem.outChannels)
        for block in configuration.blocks {
            let prefix = "blocks.\(block.index)"
            if block.expandRatio != 1 {
                shapes["\(prefix).expand.conv.weight"] = [block.hiddenChannels, block.inChannels, 1, 1]
                batchNorm("\(prefix).expand", block.hiddenChannels)
            }
            shapes["\(prefix).depthwise.conv.weight"] = [block.hiddenChannels, 1, block.kernel, block.kernel]
            batchNorm("\(prefix).depthwise", block.hiddenChannels)
            shapes["\(prefix).project.conv.weight"] = [block.outChannels, block.hiddenChannels, 1, 1]
            batchNorm("\(prefix).project", block.outChannels)
        }
        let head = configuration.head
        shapes["head.conv.weight"] = [head.outChannels, head.inChannels, head.kernel, head.kernel]
        batchNorm("head", head.outChannels)
        shapes["classifier.weight"] = [configuration.numClasses, configuration.featureDimension]
        shapes["classifier.bias"] = [configuration.numClasses]
        return shapes
    }

    /// Reads a safetensors checkpoint through the name map and verifies it completely.
    ///
    /// - Returns: Tensors by the model's own name.
    /// - Throws: ``EfficientNetError/weights(_:)`` wrapping `unexpectedTensor` (checkpoint name),
    ///   `missingTensor` (model name), `shapeMismatch` / `unsupportedDType` (checkpoint name), or
    ///   the reader's own errors for unreadable or truncated files.
    static func loadCheckedTensors(
        from file: SafetensorsFile, configuration: EfficientNetConfiguration
    ) throws(EfficientNetError) -> [String: Tensor] {
        let expected = expectedTensors(for: configuration)
        var checkpointNames: [String: String] = [:]
        for name in file.tensors.keys.sorted() {
            guard let own = sanitize(name), expected[own] != nil, checkpointNames[own] == nil else {
                throw .weights(.unexpectedTensor(file: file.fileName, tensor: name))
            }
            checkpointNames[own] = name
        }
        for own in expected.keys.sorted() where checkpointNames[own] == nil {
            throw .weights(.missingTensor(file: file.fileName, tensor: own))
        }
        var loaded: [String: Tensor] = [:]
        for (own, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let name = checkpointNames[own], let info = file.tensors[name] else { continue }
            guard info.shape == shape else {
                throw .weights(.shapeMismatch(file: file.fileName, tensor: name, expected: shape, found: info.shape))
            }
            do {
                loaded[own] = try file.tensor(named: name)
            } catch {
                throw .weights(error)
            }
            guard loaded[own]?.scalars.allSatisfy(\.isFinite) ?? false else {
                throw .weights(.badTensorEntry(file: file.fileName, tensor: name, reason: "contains NaN or infinity"))
            }
        }
        return loaded
    }

    /// Folds `<prefix>.bn.*` into `<prefix>.conv.weight` (`W·γ/√(σ²+ε)`, `β − μ·γ/√(σ²+ε)`).
    static func foldedConvolution(
        _ prefix: String, in tensors: [String: Tensor], epsilon: Float,
        stride: Int, padding: Padding, activation: Activation
    ) -> Convolution {
        // Every name was verified by loadCheckedTensors; a miss here is a programming error.
        func tensor(_ name: String) -> Tensor {
            guard let value = tensors["\(prefix).\(name)"] else {
                preconditionFailure("EfficientNet loader verified \(prefix).\(name) but it is absent")
            }
            return value
        }
        let folded = foldBatchNorm(
            weight: tensor("conv.weight"), bias: nil,
            gamma: tensor("bn.weight"), beta: tensor("bn.bias"),
            mean: tensor("bn.running_mean"), variance: tensor("bn.running_var"), epsilon: epsilon)
        return Convolution(weight: folded.weight, bias: folded.bias, stride: stride, padding: padding,
                           activation: activation)
    }
}
