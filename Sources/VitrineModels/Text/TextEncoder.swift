import Foundation
import VitrineTensor

/// What the text encoder does with a text longer than the model's 256-token window.
public enum LongTextPolicy: Sendable, Equatable {
    /// Keep the first window only (sentence-transformers' behaviour; used by the parity tests).
    case truncate
    /// Embed overlapping windows and pool them (see ``TextEncoder`` for the rule).
    case chunked
}

/// Options of the text encoder, with defaults for item descriptions.
public struct TextEncoderOptions: Sendable, Equatable {
    /// Truncate, or chunk and pool (the default).
    public var longTextPolicy: LongTextPolicy = .chunked
    /// At most this many windows per text; the text after the last kept window is ignored.
    /// 16 windows of 254 pieces with stride 192 cover the first 3,134 word pieces (≈ 2,400 words),
    /// which bounds the cost of a pathological 100 KB description to 16 model windows.
    public var maxChunks: Int = 16
    /// Pieces between the starts of consecutive windows (62 pieces of overlap with 254-piece windows).
    public var chunkStrideTokens: Int = 192

    /// The defaults, with any field overridden.
    public init(longTextPolicy: LongTextPolicy = .chunked, maxChunks: Int = 16, chunkStrideTokens: Int = 192) {
        self.longTextPolicy = longTextPolicy
        self.maxChunks = maxChunks
        self.chunkStrideTokens = chunkStrideTokens
    }
}

/// all-MiniLM-L6-v2 sentence embeddings in Swift: text → 384-d L2-normalized vector, equal to
/// sentence-transformers' `encode(..., normalize_embeddings=True)` for texts within the window.
///
/// Long texts (policy ``LongTextPolicy/chunked``): the tokenizer's `encodeChunks` cuts the text
/// into windows of ≤ 256 tokens overlapping by 62 pieces (at most ``TextEncoderOptions/maxChunks``);
/// each window is embedded with the model's masked mean pooling (before normalization), the window
/// means are averaged weighted by their piece counts, and the average is L2-normalized. A text
/// that fits in one window gets exactly the truncation-mode vector.
///
/// Any string works: empty and whitespace-only text embed `[CLS] [SEP]`; unknown symbols become
/// `[UNK]`. Bytes that are not valid UTF-8 are repaired by ``embed(utf8:)``. The encoder is
/// immutable, so one instance can serve many threads; a batch call itself uses every core.
public struct TextEncoder: Sendable {
    /// The transformer.
    public let model: MiniLM
    /// The WordPiece tokenizer loaded from the same folder.
    public let tokenizer: BertTokenizer
    /// Long-text handling.
    public let options: TextEncoderOptions

    /// Length of every embedding (384).
    public var dimension: Int { model.configuration.hiddenSize }

    /// Loads the model and vocabulary from a model folder (`config.json`, `model.safetensors`, `vocab.txt`, …),
    /// with the dense layers in `precision` (int8: quantized at load; see ``WeightPrecision``).
    /// - Throws: `MiniLMLoadingError` naming the file, field or tensor that is wrong.
    public init(directory: URL, options: TextEncoderOptions = TextEncoderOptions(),
                precision: WeightPrecision = .fp32) throws(MiniLMLoadingError) {
        let tokenizer: BertTokenizer
        do { tokenizer = try BertTokenizer(vocabularyURL: directory.appendingPathComponent("vocab.txt")) } catch {
            throw .tokenizer(error)
        }
        // int8 finds each dense layer's outlier channels on a fixed calibration set (MiniLMCalibration).
        let calibration = precision == .fp32 ? [] : MiniLMCalibration.sentences.map { tokenizer.encode($0) }
        let model = try MiniLM(directory: directory, precision: precision, calibration: calibration)
        try self.init(model: model, tokenizer: tokenizer, options: options)
    }

    /// Pairs a loaded model with a tokenizer, checking that they agree and the options are usable.
    /// - Throws: `MiniLMLoadingError.unsupportedConfiguration` for a vocabulary-size mismatch or bad options.
    public init(model: MiniLM, tokenizer: BertTokenizer, options: TextEncoderOptions = TextEncoderOptions()) throws(MiniLMLoadingError) {
        let vocabularySize = tokenizer.vocabulary.tokens.count
        guard vocabularySize == model.configuration.vocabularySize else {
            throw .unsupportedConfiguration(file: "vocab.txt", field: "vocab_size",
                                            problem: "vocabulary has \(vocabularySize) tokens, config.json says \(model.configuration.vocabularySize)")
        }
        guard options.maxChunks >= 1 else {
            throw .unsupportedConfiguration(file: "TextEncoderOptions", field: "maxChunks", problem: "needs at least 1, found \(options.maxChunks)")
        }
        guard model.configuration.maxSequenceLength <= model.configuration.maxPositionEmbeddings else {
            throw .unsupportedConfiguration(file: "sentence_bert_config.json", field: "max_seq_length",
                                            problem: "\(model.configuration.maxSequenceLength) exceeds max_position_embeddings \(model.configuration.maxPositionEmbeddings)")
        }
        let capacity = model.configuration.maxSequenceLength - 2
        guard (1...capacity).contains(options.chunkStrideTokens) else {
            throw .unsupportedConfiguration(file: "TextEncoderOptions", field: "chunkStrideTokens",
                                            problem: "must be between 1 and \(capacity) (window minus [CLS]/[SEP]), found \(options.chunkStrideTokens)")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.options = options
    }

    /// The encoder for `assets/models/all-MiniLM-L6-v2` (found by ``ModelAssets``).
    /// - Throws: `MiniLMLoadingError`.
    public static func allMiniLML6v2(options: TextEncoderOptions = TextEncoderOptions(),
                                     precision: WeightPrecision = .fp32) throws(MiniLMLoadingError) -> TextEncoder {
        let directory: URL
        do { directory = try ModelAssets.modelDirectory(named: "all-MiniLM-L6-v2") } catch { throw .assets(error) }
        return try TextEncoder(directory: directory, options: options, precision: precision)
    }

    /// The 384-d unit-length embedding of `text`.
    public func embed(_ text: String) -> [Float] {
        embed(batch: [text])[0]
    }

    /// The embedding of bytes read from disk; invalid UTF-8 sequences are repaired, never fatal.
    public func embed(utf8 bytes: some Collection<UInt8>) -> [Float] {
        embed(DecodedText(utf8: bytes).text)
    }

    /// Embeddings of many texts, in the caller's order. All windows of all texts run together,
    /// packed longest-first into multi-core passes.
    public func embed(batch texts: [String]) -> [[Float]] {
        let windowTokens = model.configuration.maxSequenceLength
        var sequences: [[Int32]] = []
        var owners: [(text: Int, weight: Float)] = []
        for (index, text) in texts.enumerated() {
            switch options.longTextPolicy {
            case .truncate:
                sequences.append(tokenizer.encode(text, maxLength: windowTokens))
                owners.append((index, 1))
            case .chunked:
                let chunks = (try? tokenizer.encodeChunks(text, windowTokens: windowTokens, strideTokens: options.chunkStrideTokens))
                    ?? [TextChunk(inputIDs: tokenizer.encode(text, maxLength: windowTokens), pieceRange: 0..<0)]
                for chunk in chunks.prefix(options.maxChunks) {
                    sequences.append(chunk.inputIDs)
                    owners.append((index, Float(max(chunk.pieceRange.count, 1))))
                }
            }
        }
        let pooled = model.meanPooledUnchecked(sequences)
        var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: texts.count)
        for (window, owner) in owners.enumerated() {
            for j in 0..<dimension { sums[owner.text][j] += owner.weight * pooled[window][j] }
        }
        // VitrineTensor's one L2 rule (the window weights cancel out here). sentence-transformers'
        // Normalize divides by max(‖v‖₂, 1e-12): the same up to rounding for any norm above 1e-12, and
        // a zero vector stays zero in both.
        return sums.map { l2Normalized($0) ?? $0 }
    }
}
