import Foundation

/// The all-MiniLM-L6-v2 text tokenizer (uncased BERT WordPiece), in pure Swift, producing the same
/// ids as Hugging Face `tokenizers` with the model's tokenizer.json and sentence-transformers'
/// truncation to 256 tokens.
///
/// Pipeline: special tokens written literally in the raw text ("[CLS]", "[SEP]", "[PAD]", "[UNK]",
/// "[MASK]", exact case) are split out first, as the reference does; every other stretch goes
/// through `BertNormalizer`, `BertPreTokenizer` and greedy WordPiece. `encode` adds [CLS]/[SEP].
/// Works on Unicode scalars (the reference's `char`s), in time linear in the text's length.
public struct BertTokenizer: Sendable {
    /// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2 (sentence_bert_config.json).
    public static let defaultMaxLength = 256
    /// The WordPiece vocabulary (30,522 tokens for all-MiniLM-L6-v2).
    public let vocabulary: WordPieceVocabulary
    /// The normalizer applied to text between special tokens.
    public let normalizer: BertNormalizer
    /// Id of [CLS], which starts every encoded sequence.
    public let classifierID: Int32
    /// Id of [SEP], which ends every encoded sequence.
    public let separatorID: Int32
    /// Id of [PAD], which fills batch rows past their length.
    public let paddingID: Int32
    /// Id of [UNK], for words WordPiece cannot spell.
    public let unknownID: Int32

    private let model: WordPieceModel
    private let preTokenizer = BertPreTokenizer()
    private let specialTokens: [SpecialToken]

    private struct SpecialToken: Sendable {
        let scalars: [Unicode.Scalar]
        let id: Int32
    }

    /// Loads the tokenizer from a BERT vocab.txt (one token per line, id = line index).
    /// - Throws: `TokenizerError` naming the file when it is missing, unreadable or malformed.
    public init(vocabularyURL: URL, normalizer: BertNormalizer = BertNormalizer()) throws(TokenizerError) {
        let file = vocabularyURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            throw .vocabularyMissing(file: file)
        }
        if isDirectory.boolValue {
            throw .vocabularyUnreadable(file: file, reason: "it is a directory")
        }
        let contents: Data
        do {
            contents = try Data(contentsOf: vocabularyURL)
        } catch {
            throw .vocabularyUnreadable(file: file, reason: "\(error)")
        }
        let vocabulary = try WordPieceVocabulary(fileContents: contents, file: file)
        try self.init(vocabulary: vocabulary, source: file, normalizer: normalizer)
    }

    /// Builds the tokenizer from a vocabulary; `source` names it in errors.
    /// - Throws: `TokenizerError.missingSpecialToken` if [CLS], [SEP], [PAD] or [UNK] is absent.
    public init(vocabulary: WordPieceVocabulary, source: String = "vocabulary", normalizer: BertNormalizer = BertNormalizer()) throws(TokenizerError) {
        func required(_ token: String) throws(TokenizerError) -> Int32 {
            guard let id = vocabulary.id(for: token) else { throw .missingSpecialToken(file: source, token: token) }
            return id
        }
        self.vocabulary = vocabulary
        self.normalizer = normalizer
        classifierID = try required("[CLS]")
        separatorID = try required("[SEP]")
        paddingID = try required("[PAD]")
        unknownID = try required("[UNK]")
        model = WordPieceModel(vocabulary: vocabulary, unknownID: unknownID, maxInputCharactersPerWord: 100)
        // tokenizer.json's added tokens; [MASK] is optional for a vocabulary without it.
        specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { token in
            vocabulary.id(for: token).map { SpecialToken(scalars: Array(token.unicodeScalars), id: $0) }
        }
    }

    /// Loads the all-MiniLM-L6-v2 vocabulary from `assets/models/all-MiniLM-L6-v2/vocab.txt`.
    /// - Throws: `ModelAssetsError` if the assets folder is not found, `TokenizerError` for the file.
    public static func allMiniLML6v2() throws -> BertTokenizer {
        let directory = try ModelAssets.modelDirectory(named: "all-MiniLM-L6-v2")
        return try BertTokenizer(vocabularyURL: directory.appendingPathComponent("vocab.txt"))
    }

    /// The WordPiece tokens of `text`, without [CLS]/[SEP] and without truncation.
    public func tokenize(_ text: String) -> [String] {
        pieceIDs(text).map { vocabulary.tokens[Int($0)] }
    }

    /// The WordPiece ids of `text`, without [CLS]/[SEP]; stops after `limit` ids when given.
    public func pieceIDs(_ text: String, limit: Int? = nil) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        let limit = limit ?? Int.max
        var ids: [Int32] = []
        var normalized: [Unicode.Scalar] = []
        var scratch = WordPieceModel.Scratch()
        var segmentStart = 0
        var index = 0
        while index < scalars.count && ids.count < limit {
            if scalars[index] == "[", let special = specialToken(in: scalars, at: index) {
                appendPieces(of: scalars[segmentStart..<index], to: &ids, limit: limit, normalized: &normalized, scratch: &scratch)
                if ids.count < limit { ids.append(special.id) }
                index += special.scalars.count
                segmentStart = index
            } else {
                index += 1
            }
        }
        if segmentStart < scalars.count {
            appendPieces(of: scalars[segmentStart...], to: &ids, limit: limit, normalized: &normalized, scratch: &scratch)
        }
        return ids
    }

    /// `[CLS] pieces [SEP]` for `text`, keeping the first `maxLength - 2` pieces (like the
    /// reference's right-side truncation). A `maxLength` below 2 is treated as 2.
    public func encode(_ text: String, maxLength: Int = BertTokenizer.defaultMaxLength) -> [Int32] {
        let budget = max(maxLength, 2) - 2
        var ids: [Int32] = [classifierID]
        ids.append(contentsOf: pieceIDs(text, limit: budget))
        ids.append(separatorID)
        return ids
    }

    /// Encodes `texts` and pads every row with [PAD] to the longest (as sentence-transformers'
    /// `padding=True`), with attention mask 1 for real tokens and 0 for padding.
    public func encodeBatch(_ texts: [String], maxLength: Int = BertTokenizer.defaultMaxLength) -> EncodedBatch {
        let rows = texts.map { encode($0, maxLength: maxLength) }
        let sequenceLength = rows.map(\.count).max() ?? 0
        var inputIDs = [Int32](repeating: paddingID, count: rows.count * sequenceLength)
        var attentionMask = [Int32](repeating: 0, count: rows.count * sequenceLength)
        for (row, ids) in rows.enumerated() {
            let base = row * sequenceLength
            for (column, id) in ids.enumerated() {
                inputIDs[base + column] = id
                attentionMask[base + column] = 1
            }
        }
        return EncodedBatch(count: rows.count, sequenceLength: sequenceLength, inputIDs: inputIDs, attentionMask: attentionMask)
    }

    private func specialToken(in scalars: [Unicode.Scalar], at index: Int) -> SpecialToken? {
        for special in specialTokens where index + special.scalars.count <= scalars.count {
            if scalars[index..<(index + special.scalars.count)].elementsEqual(special.scalars) { return special }
        }
        return nil
    }

    private func appendPieces(
        of segment: ArraySlice<Unicode.Scalar>, to ids: inout [Int32], limit: Int,
        normalized: inout [Unicode.Scalar], scratch: inout WordPieceModel.Scratch
    ) {
        guard !segment.isEmpty, ids.count < limit else { return }
        normalized.removeAll(keepingCapacity: true)
        normalizer.normalize(segment, into: &normalized)
        for range in preTokenizer.wordRanges(in: normalized[...]) {
            model.appendIDs(of: normalized[range], to: &ids, scratch: &scratch)
            if ids.count >= limit {
                ids.removeSubrange(limit...)
                return
            }
        }
    }
}

/// A batch of encoded texts padded to one length, row-major, ready for the model.
public struct EncodedBatch: Sendable, Equatable {
    /// Number of rows (texts).
    public let count: Int
    /// Length of every row: the longest encoded text in the batch.
    public let sequenceLength: Int
    /// Token ids, `count × sequenceLength`, padded with [PAD].
    public let inputIDs: [Int32]
    /// 1 where `inputIDs` holds a real token, 0 for padding; same layout.
    public let attentionMask: [Int32]

    /// The ids of one row, padding included.
    public func inputIDs(row: Int) -> ArraySlice<Int32> {
        inputIDs[(row * sequenceLength)..<((row + 1) * sequenceLength)]
    }

    /// The attention mask of one row.
    public func attentionMask(row: Int) -> ArraySlice<Int32> {
        attentionMask[(row * sequenceLength)..<((row + 1) * sequenceLength)]
    }
}
