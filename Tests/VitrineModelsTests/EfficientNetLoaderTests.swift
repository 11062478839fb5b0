import Foundation
import Testing
import VitrineModels
import VitrineTensor

/// The checked load step refuses any weights file that does not match the configuration exactly.
@Suite struct EfficientNetLoaderTests {
    /// A two-block network small enough to write in a test: 8×8 input, 5 classes.
    static let tinyConfiguration = """
    {"architecture": "efficientnet-lite-tiny", "image_size": 8, "resize_short_side": 9,
     "normalization": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5]},
     "activation": "relu6", "batch_norm_epsilon": 0.001,
     "stem": {"out_channels": 4, "kernel": 3, "stride": 2, "padding": {"top": 0, "left": 0, "bottom": 1, "right": 1}},
     "blocks": [
      {"index": 0, "expand_ratio": 1, "kernel": 3, "stride": 1, "in_channels": 4, "out_channels": 2,
       "hidden_channels": 4, "skip": false, "input_size": 4, "output_size": 4,
       "depthwise_padding": {"top": 1, "left": 1, "bottom": 1, "right": 1}},
      {"index": 1, "expand_ratio": 6, "kernel": 3, "stride": 2, "in_channels": 2, "out_channels": 3,
       "hidden_channels": 12, "skip": false, "input_size": 4, "output_size": 2,
       "depthwise_padding": {"top": 0, "left": 0, "bottom": 1, "right": 1}}],
     "head": {"in_channels": 3, "out_channels": 8, "kernel": 1},
     "feature_dimension": 8, "num_classes": 5, "squeeze_excite": false}
    """

    /// The tiny network's tensors under their checkpoint (lukemelas) names.
    static func tinyCheckpoint() -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        var seed: Float = 0.1
        func values(_ shape: [Int], positive: Bool = false) -> Tensor {
            let count = shape.reduce(1, *)
            let scalars = (0 ..< count).map { _ -> Float in
                seed = (seed * 7.31).truncatingRemainder(dividingBy: 1.9) + 0.05
                return positive ? seed : seed - 0.9
            }
            return Tensor(shape: shape, scalars: scalars)
        }
        func conv(_ name: String, _ shape: [Int], bn: String) {
            tensors["\(name).weight"] = values(shape)
            tensors["\(bn).weight"] = values([shape[0]], positive: true)
            tensors["\(bn).bias"] = values([shape[0]])
            tensors["\(bn).running_mean"] = values([shape[0]])
            tensors["\(bn).running_var"] = values([shape[0]], positive: true)
        }
        conv("_conv_stem", [4, 3, 3, 3], bn: "_bn0")
        conv("_blocks.0._depthwise_conv", [4, 1, 3, 3], bn: "_blocks.0._bn1")
        conv("_blocks.0._project_conv", [2, 4, 1, 1], bn: "_blocks.0._bn2")
        conv("_blocks.1._expand_conv", [12, 2, 1, 1], bn: "_blocks.1._bn0")
        conv("_blocks.1._depthwise_conv", [12, 1, 3, 3], bn: "_blocks.1._bn1")
        conv("_blocks.1._project_conv", [3, 12, 1, 1], bn: "_blocks.1._bn2")
        conv("_conv_head", [8, 3, 1, 1], bn: "_bn1")
        tensors["_fc.weight"] = values([5, 8])
        tensors["_fc.bias"] = values([5])
        return tensors
    }

    /// Writes the configuration and `tensors` into a fresh folder and loads it.
    static func load(_ tensors: [String: Tensor]) throws -> EfficientNetLite0 {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-effnet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(tinyConfiguration.utf8).write(to: directory.appendingPathComponent("config.json"))
        try Data(safetensorsData(tensors)).write(to: directory.appendingPathComponent("model.safetensors"))
        return try EfficientNetLite0(directory: directory)
    }

    @Test func completeCheckpointLoadsAndRuns() throws {
        let model = try Self.load(Self.tinyCheckpoint())
        #expect(model.inputShape == [3, 8, 8])
        let output = try model(Tensor(shape: [3, 8, 8], repeating: 0.25))
        #expect(output.features.count == 8 && output.logits.count == 5)
        #expect(output.features.allSatisfy { $0 >= 0 && $0 <= 6 }) // pooled ReLU6
    }

    @Test func missingTensorIsNamed() throws {
        var tensors = Self.tinyCheckpoint()
        tensors["_blocks.1._bn1.running_var"] = nil
        let error = #expect(throws: EfficientNetError.self) { try Self.load(tensors) }
        guard case let .weights(.missingTensor(_, tensor)) = error else {
            Issue.record("expected missingTensor, got \(String(describing: error))")
            return
        }
        #expect(tensor == "blocks.1.depthwise.bn.running_var")
        #expect(error?.description.contains("blocks.1.depthwise.bn.running_var") == true)
    }

    @Test func extraTensorIsNamed() throws {
        var tensors = Self.tinyCheckpoint()
        tensors["_blocks.0._se_reduce.weight"] = Tensor(zeros: [1, 4, 1, 1])
        let error = #expect(throws: EfficientNetError.self) { try Self.load(tensors) }
        guard case let .weights(.unexpectedTensor(_, tensor)) = error else {
            Issue.record("expected unexpectedTensor, got \(String(describing: error))")
            return
        }
        #expect(tensor == "_blocks.0._se_reduce.weight")
    }

    @Test func tensorForALayerTheConfigurationLacksIsRefused() throws {
        var tensors = Self.tinyCheckpoint()
        tensors["_blocks.0._expand_conv.weight"] = Tensor(zeros: [4, 4, 1, 1]) // block 0 has expand_ratio 1
        let error = #expect(throws: EfficientNetError.self) { try Self.load(tensors) }
        #expect(error == .weights(.unexpectedTensor(file: error.flatMap(Self.fileName) ?? "", tensor: "_blocks.0._expand_conv.weight")))
    }

    @Test func wrongShapeIsNamedWithBothShapes() throws {
        var tensors = Self.tinyCheckpoint()
        tensors["_blocks.1._project_conv.weight"] = Tensor(zeros: [3, 11, 1, 1])
        let error = #expect(throws: EfficientNetError.self) { try Self.load(tensors) }
        guard case let .weights(.shapeMismatch(_, tensor, expected, found)) = error else {
            Issue.record("expected shapeMismatch, got \(String(describing: error))")
            return
        }
        #expect(tensor == "_blocks.1._project_conv.weight")
        #expect(expected == [3, 12, 1, 1] && found == [3, 11, 1, 1])
    }

    @Test func nonFiniteWeightIsRefused() throws {
        var tensors = Self.tinyCheckpoint()
        tensors["_fc.bias"] = Tensor(shape: [5], scalars: [0, 1, .nan, 2, 3])
        #expect(throws: EfficientNetError.self) { try Self.load(tensors) }
    }

    @Test func sanitizeMapsCheckpointNamesAndRejectsOthers() {
        #expect(EfficientNetLite0.sanitize("_conv_stem.weight") == "stem.conv.weight")
        #expect(EfficientNetLite0.sanitize("_bn1.running_mean") == "head.bn.running_mean")
        #expect(EfficientNetLite0.sanitize("_blocks.15._bn0.bias") == "blocks.15.expand.bn.bias")
        #expect(EfficientNetLite0.sanitize("_blocks.3._depthwise_conv.weight") == "blocks.3.depthwise.conv.weight")
        #expect(EfficientNetLite0.sanitize("_fc.bias") == "classifier.bias")
        #expect(EfficientNetLite0.sanitize("_blocks.03._bn0.bias") == nil)
        #expect(EfficientNetLite0.sanitize("_blocks.1._se_expand.weight") == nil)
        #expect(EfficientNetLite0.sanitize("_bn0.num_batches_tracked") == "stem.bn.num_batches_tracked") // then refused as unexpected
    }

    @Test func shippedCheckpointHasExactlyTheExpectedTensors() throws {
        let encoder = try EfficientNetFixtures.encoder()
        #expect(EfficientNetLite0.expectedTensors(for: encoder.model.configuration).count == 247)
    }

    @Test func inconsistentConfigurationIsRefused() throws {
        let broken = Self.tinyConfiguration.replacingOccurrences(of: "\"in_channels\": 2", with: "\"in_channels\": 5")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-effnet-config-\(UUID().uuidString).json")
        try Data(broken.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = #expect(throws: EfficientNetError.self) { try EfficientNetConfiguration.load(contentsOf: url) }
        #expect(error?.description.contains("block 1") == true)
    }

    private static func fileName(_ error: EfficientNetError) -> String? {
        if case let .weights(.unexpectedTensor(file, _)) = error { return file }
        return nil
    }
}
