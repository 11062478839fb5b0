import Foundation
import Testing
import VitrineModels
import VitrineTensor

/// The one checked load step: a weights file that does not match the configuration never loads.
@Suite struct MiniLMLoadingTests {
    /// A tiny BERT (vocab 12, hidden 8, 2 heads, 1 layer) so corrupted files are cheap to write.
    static let tiny = MiniLMConfiguration(
        vocabularySize: 12, hiddenSize: 8, layerCount: 1, headCount: 2, intermediateSize: 16,
        maxPositionEmbeddings: 10, maxSequenceLength: 10)

    static func tinyTensors() -> [String: Tensor] {
        var generator = SystemRandomNumberGenerator()
        return MiniLMCheckpoint.expectedTensors(tiny).mapValues { shape in
            Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -0.5...0.5, using: &generator) })
        }
    }

    static func load(_ tensors: [String: Tensor]) throws(MiniLMLoadingError) -> MiniLM {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(data: Data(safetensorsData(tensors)), fileName: "tiny.safetensors") } catch {
            throw .weights(error)
        }
        return try MiniLM(configuration: tiny, weights: file)
    }

    @Test func completeTinyCheckpointLoadsAndRuns() throws {
        let model = try Self.load(Self.tinyTensors())
        let pooled = try model.meanPooled([[1, 5, 2], [], [3]])
        #expect(pooled.count == 3 && pooled.allSatisfy { $0.count == 8 })
        #expect(pooled[0].allSatisfy(\.isFinite) && pooled[0].contains { $0 != 0 })
        #expect(pooled[1] == [Float](repeating: 0, count: 8), "an empty sequence pools to zero")
    }

    @Test func missingTensorIsNamed() {
        var tensors = Self.tinyTensors()
        tensors["encoder.layer.0.attention.self.key.bias"] = nil
        #expect(throws: MiniLMLoadingError.weights(.missingTensor(file: "tiny.safetensors", tensor: "encoder.layer.0.attention.self.key.bias"))) {
            try Self.load(tensors)
        }
    }

    @Test func extraTensorIsNamed() {
        var tensors = Self.tinyTensors()
        tensors["encoder.layer.1.output.dense.weight"] = Tensor(zeros: [8, 16])
        #expect(throws: MiniLMLoadingError.weights(.unexpectedTensor(file: "tiny.safetensors", tensor: "encoder.layer.1.output.dense.weight"))) {
            try Self.load(tensors)
        }
    }

    @Test func wrongShapeIsNamed() {
        var tensors = Self.tinyTensors()
        tensors["encoder.layer.0.intermediate.dense.weight"] = Tensor(zeros: [16, 9])
        let error = #expect(throws: MiniLMLoadingError.self) { try Self.load(tensors) }
        #expect(error == .weights(.shapeMismatch(file: "tiny.safetensors", tensor: "encoder.layer.0.intermediate.dense.weight", expected: [16, 8], found: [16, 9])))
        #expect(error?.description.contains("encoder.layer.0.intermediate.dense.weight") == true)
    }

    @Test func ignoredCheckpointBuffersAreAccepted() throws {
        var tensors = Self.tinyTensors()
        tensors["embeddings.position_ids"] = Tensor(zeros: [1, 10])
        _ = try Self.load(tensors)
    }

    @Test func truncatedShippedWeightsFileIsRefused() throws {
        let source = try MiniLMFixtures.directory()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-truncated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["config.json", "sentence_bert_config.json", "pooling_config.json", "vocab.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let handle = try FileHandle(forReadingFrom: source.appendingPathComponent("model.safetensors"))
        let prefix = try #require(try handle.read(upToCount: 1 << 20))
        try handle.close()
        try prefix.write(to: folder.appendingPathComponent("model.safetensors"))
        let error = #expect(throws: MiniLMLoadingError.self) { try TextEncoder(directory: folder) }
        guard case .weights(.truncated(_, let tensor?, _, _)) = error else {
            Issue.record("expected a truncation error naming a tensor, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains(tensor) == true)
    }

    @Test func unsupportedConfigurationIsNamed() throws {
        let source = try MiniLMFixtures.directory()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["sentence_bert_config.json", "pooling_config.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        config["hidden_act"] = "relu"
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        let error = #expect(throws: MiniLMLoadingError.self) { try MiniLMConfiguration(directory: folder) }
        guard case .unsupportedConfiguration(file: "config.json", field: "hidden_act", _) = error else {
            Issue.record("expected hidden_act to be refused, got \(String(describing: error))")
            return
        }
    }

    @Test func shippedConfigurationIsAllMiniLML6v2() throws {
        let configuration = try MiniLMConfiguration(directory: MiniLMFixtures.directory())
        #expect(configuration == MiniLMConfiguration(
            vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
            maxPositionEmbeddings: 512, layerNormEpsilon: 1e-12, maxSequenceLength: 256))
        #expect(MiniLMCheckpoint.expectedTensors(configuration).count == 101)
    }

    @Test func outOfRangeTokenIdsAreRejectedNotCrashed() throws {
        let model = try Self.load(Self.tinyTensors())
        #expect(throws: MiniLMInputError.tokenOutOfRange(sequence: 1, position: 2, id: 12, vocabularySize: 12)) {
            try model.meanPooled([[1, 2], [1, 2, 12]])
        }
        #expect(throws: MiniLMInputError.sequenceTooLong(sequence: 0, length: 11, limit: 10)) {
            try model.meanPooled([[Int32](repeating: 1, count: 11)])
        }
    }
}
