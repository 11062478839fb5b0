import Foundation
import VitrineTensor

/// Why the MiniLM text encoder could not be loaded. Every case names the file and what is wrong.
public enum MiniLMLoadingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration file is missing or is not the JSON object expected.
    case configurationUnreadable(file: String, reason: String)
    /// A configuration field holds a value this implementation does not support.
    case unsupportedConfiguration(file: String, field: String, problem: String)
    /// The weights file is unreadable, truncated, or does not match the configuration
    /// (missing, unexpected or mis-shaped tensor — the wrapped error names it).
    case weights(SafetensorsError)
    /// The vocabulary could not be loaded.
    case tokenizer(TokenizerError)
    /// The assets folder or the model's folder could not be found.
    case assets(ModelAssetsError)

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .configurationUnreadable(file, reason): "\(file): cannot read MiniLM configuration: \(reason)"
        case let .unsupportedConfiguration(file, field, problem): "\(file): field '\(field)': \(problem)"
        case let .weights(error): "MiniLM weights: \(error)"
        case let .tokenizer(error): "MiniLM tokenizer: \(error)"
        case let .assets(error): "MiniLM assets: \(error)"
        }
    }
}

/// The architecture of a BERT-style sentence encoder, mirroring Hugging Face `config.json`
/// plus sentence-transformers' `sentence_bert_config.json` (`max_seq_length`).
///
/// Only what the forward pass needs is kept; `init(directory:)` rejects values the encoder
/// does not implement (another activation, relative positions, a non-mean pooling).
public struct MiniLMConfiguration: Sendable, Equatable {
    /// Vocabulary size (rows of the word embedding table).
    public var vocabularySize: Int
    /// Width of every token vector (384 for all-MiniLM-L6-v2).
    public var hiddenSize: Int
    /// Number of transformer layers.
    public var layerCount: Int
    /// Attention heads per layer; `hiddenSize` must be a multiple of it.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Rows of the position embedding table.
    public var maxPositionEmbeddings: Int
    /// Rows of the token-type table (only row 0 is used: single-segment inputs).
    public var typeVocabularySize: Int
    /// Layer-norm epsilon (1e-12 for BERT; it matters for near-constant rows).
    public var layerNormEpsilon: Float
    /// Hidden activation; only `"gelu"` (exact erf form) is supported.
    public var hiddenActivation: String
    /// The model's token window from sentence_bert_config.json (256 for all-MiniLM-L6-v2).
    public var maxSequenceLength: Int

    /// The JSON field names in config.json / sentence_bert_config.json.
    enum CodingKeys: String {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps", hiddenActivation = "hidden_act"
        case maxSequenceLength = "max_seq_length"
    }

    /// A configuration from its fields (used for tests with tiny models).
    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
        maxPositionEmbeddings: Int, typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12,
        hiddenActivation: String = "gelu", maxSequenceLength: Int
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.hiddenActivation = hiddenActivation
        self.maxSequenceLength = maxSequenceLength
    }

    /// Reads `config.json`, `sentence_bert_config.json` and `pooling_config.json` from a model
    /// folder and checks that the encoder supports them.
    /// - Throws: `MiniLMLoadingError` naming the file and field.
    public init(directory: URL) throws(MiniLMLoadingError) {
        let config = try Self.jsonObject(directory.appendingPathComponent("config.json"))
        let sentence = try Self.jsonObject(directory.appendingPathComponent("sentence_bert_config.json"))
        let pooling = try Self.jsonObject(directory.appendingPathComponent("pooling_config.json"))
        let file = "config.json"
        func integer(_ key: CodingKeys, in object: [String: Any] = config, file: String = file) throws(MiniLMLoadingError) -> Int {
            guard let number = object[key.rawValue] as? NSNumber, Double(number.intValue) == number.doubleValue, number.intValue > 0 else {
                throw .unsupportedConfiguration(file: file, field: key.rawValue, problem: "needs a positive integer, found \(String(describing: object[key.rawValue]))")
            }
            return number.intValue
        }
        vocabularySize = try integer(.vocabularySize)
        hiddenSize = try integer(.hiddenSize)
        layerCount = try integer(.layerCount)
        headCount = try integer(.headCount)
        intermediateSize = try integer(.intermediateSize)
        maxPositionEmbeddings = try integer(.maxPositionEmbeddings)
        typeVocabularySize = try integer(.typeVocabularySize)
        maxSequenceLength = try integer(.maxSequenceLength, in: sentence, file: "sentence_bert_config.json")
        guard let epsilon = config[CodingKeys.layerNormEpsilon.rawValue] as? NSNumber, epsilon.doubleValue > 0 else {
            throw .unsupportedConfiguration(file: file, field: "layer_norm_eps", problem: "needs a positive number")
        }
        layerNormEpsilon = epsilon.floatValue
        hiddenActivation = config[CodingKeys.hiddenActivation.rawValue] as? String ?? "(missing)"
        guard hiddenActivation == "gelu" else {
            throw .unsupportedConfiguration(file: file, field: "hidden_act", problem: "only exact \"gelu\" is implemented, found \"\(hiddenActivation)\"")
        }
        if let kind = config["position_embedding_type"] as? String, kind != "absolute" {
            throw .unsupportedConfiguration(file: file, field: "position_embedding_type", problem: "only \"absolute\" is implemented, found \"\(kind)\"")
        }
        guard hiddenSize % headCount == 0 else {
            throw .unsupportedConfiguration(file: file, field: "num_attention_heads", problem: "\(headCount) heads do not divide hidden_size \(hiddenSize)")
        }
        guard maxSequenceLength >= 3, maxSequenceLength <= maxPositionEmbeddings else {
            throw .unsupportedConfiguration(file: "sentence_bert_config.json", field: "max_seq_length",
                                            problem: "\(maxSequenceLength) must be between 3 and max_position_embeddings \(maxPositionEmbeddings)")
        }
        let modes = ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"]
        guard pooling["pooling_mode_mean_tokens"] as? Bool == true, modes.allSatisfy({ pooling[$0] as? Bool != true }) else {
            throw .unsupportedConfiguration(file: "pooling_config.json", field: "pooling_mode_mean_tokens", problem: "only plain mean pooling is implemented")
        }
    }

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    private static func jsonObject(_ url: URL) throws(MiniLMLoadingError) -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .configurationUnreadable(file: url.lastPathComponent, reason: error.localizedDescription)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .configurationUnreadable(file: url.lastPathComponent, reason: "not a JSON object")
        }
        return object
    }
}

/// The names of the model's parameters in a Hugging Face `BertModel` checkpoint, and the one
/// checked step that loads them.
public enum MiniLMCheckpoint {
    /// Checkpoint entries that exist in the original files but the sentence encoder never reads:
    /// the int64 `position_ids` buffer and the classification pooler (see docs/models.md).
    public static let ignoredTensors: Set<String> = [
        "embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias",
    ]

    /// The checkpoint name of every parameter with the shape `configuration` implies.
    ///
    /// This is the name-mapping function: `MiniLM` reads its weights only through these names.
    public static func expectedTensors(_ configuration: MiniLMConfiguration) -> [String: [Int]] {
        let h = configuration.hiddenSize, f = configuration.intermediateSize
        var shapes: [String: [Int]] = [
            "embeddings.word_embeddings.weight": [configuration.vocabularySize, h],
            "embeddings.position_embeddings.weight": [configuration.maxPositionEmbeddings, h],
            "embeddings.token_type_embeddings.weight": [configuration.typeVocabularySize, h],
            "embeddings.LayerNorm.weight": [h], "embeddings.LayerNorm.bias": [h],
        ]
        for layer in 0..<configuration.layerCount {
            let p = layerPrefix(layer)
            for projection in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                shapes["\(p).\(projection).weight"] = [h, h]
                shapes["\(p).\(projection).bias"] = [h]
            }
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                shapes["\(p).\(norm).weight"] = [h]
                shapes["\(p).\(norm).bias"] = [h]
            }
            shapes["\(p).intermediate.dense.weight"] = [f, h]
            shapes["\(p).intermediate.dense.bias"] = [f]
            shapes["\(p).output.dense.weight"] = [h, f]
            shapes["\(p).output.dense.bias"] = [h]
        }
        return shapes
    }

    /// `encoder.layer.L` — the prefix of layer `L`'s tensors.
    public static func layerPrefix(_ layer: Int) -> String { "encoder.layer.\(layer)" }

    /// Loads and verifies every tensor: all expected present, none unused (besides
    /// ``ignoredTensors``), shapes exact, dtype F32/F16/BF16 (converted to Float).
    /// - Throws: `MiniLMLoadingError.weights` naming the offending tensor.
    public static func load(_ file: SafetensorsFile, configuration: MiniLMConfiguration) throws(MiniLMLoadingError) -> [String: Tensor] {
        do {
            return try file.loadChecked(expected: expectedTensors(configuration), ignoring: ignoredTensors)
        } catch {
            throw .weights(error)
        }
    }
}
