import Foundation
import Testing
import VitrineModels

/// Golden fixtures written by tools/make_tokenizer_fixtures.py (Hugging Face `tokenizers`).
enum TokenizerFixtures {
    struct GoldenCase: Decodable {
        let text: String
        let ids: [Int32]
        let tokens: [String]?
        let full_ids: [Int32]?
    }

    struct Golden: Decodable {
        let max_length: Int
        let cases: [GoldenCase]
    }

    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/tokenizer"))
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url("golden")))
    }

    static func tokenizer() throws -> BertTokenizer {
        try BertTokenizer.allMiniLML6v2()
    }
}

@Suite struct TokenizerTests {
    @Test func everyGoldenStringGetsTheReferenceIDs() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let golden = try TokenizerFixtures.golden()
        #expect(golden.max_length == BertTokenizer.defaultMaxLength)
        #expect(golden.cases.count >= 300)
        var matched = 0
        for (index, item) in golden.cases.enumerated() {
            let ids = tokenizer.encode(item.text)
            if ids == item.ids {
                matched += 1
            } else {
                let ours = ids.map { tokenizer.vocabulary.token(for: $0) ?? "?" }
                let expected = item.tokens.map { Array($0.prefix(40)) } ?? item.ids.prefix(40).map { String($0) }
                Issue.record("case \(index) \(item.text.debugDescription.prefix(80)): expected \(expected), got \(ours.prefix(40))")
            }
        }
        print("TokenizerTests: \(matched) of \(golden.cases.count) golden strings match Hugging Face ids")
        #expect(matched == golden.cases.count)
    }

    @Test func untruncatedPiecesMatchTheReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let long = try TokenizerFixtures.golden().cases.filter { $0.full_ids != nil }
        #expect(long.count >= 5)
        for item in long {
            let full = try #require(item.full_ids)
            #expect(tokenizer.pieceIDs(item.text) == Array(full.dropFirst().dropLast()))
            #expect(item.ids.count == 256)
        }
    }

    @Test func shorterMaxLengthKeepsThePrefixLikeReferenceTruncation() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let cases = try TokenizerFixtures.golden().cases.prefix(120)
        for item in cases {
            let full = item.full_ids ?? item.ids
            for maxLength in [2, 3, 8] where full.count > maxLength {
                let expected = [full[0]] + full[1..<(maxLength - 1)] + [full[full.count - 1]]
                #expect(tokenizer.encode(item.text, maxLength: maxLength) == expected)
            }
        }
        #expect(tokenizer.encode("hello world", maxLength: 0) == [tokenizer.classifierID, tokenizer.separatorID])
    }

    @Test func knownSpecialCasesTokenizeLikeReference() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.tokenize("İstanbul") == ["istanbul"])
        #expect(tokenizer.tokenize("straße") == ["st", "##raße"])
        #expect(tokenizer.tokenize("ΣΊΣΥΦΟΣ") == ["σ", "##ι", "##σ", "##υ", "##φ", "##ο", "##σ"])
        #expect(tokenizer.tokenize("hello[MASK]world [mask]") == ["hello", "[MASK]", "world", "[", "mask", "]"])
        #expect(tokenizer.encode("") == [101, 102])
        #expect(tokenizer.encode(" \t\n\u{200B}\u{0000}") == [101, 102])
        #expect(tokenizer.encode(String(repeating: "a", count: 101)) == [101, 100, 102])
        #expect(BertNormalizer().normalize("ÅΣ\u{1734}x\u{7FD}") == "aσx\u{7FD}")
    }

    @Test func vocabularyIsTheShippedMiniLMVocabulary() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(tokenizer.vocabulary.count == 30522)
        #expect([tokenizer.paddingID, tokenizer.unknownID, tokenizer.classifierID, tokenizer.separatorID] == [0, 100, 101, 102])
        #expect(tokenizer.vocabulary.id(for: "##ing") == 2075)
        #expect(tokenizer.vocabulary.token(for: 30522) == nil)
    }

    @Test func vocabularyLookupComparesScalarsNotCanonicalEquivalence() throws {
        let vocabulary = try WordPieceVocabulary(tokens: ["[PAD]", "\u{E9}", "e"])
        #expect(vocabulary.id(for: "\u{E9}") == 1)
        #expect(vocabulary.id(for: "e\u{301}") == nil)
    }

    @Test func batchIsPaddedToTheLongestRowWithMasks() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let texts = ["a red chair", "", "the quick brown fox jumps over the lazy dog"]
        let batch = tokenizer.encodeBatch(texts)
        let rows = texts.map { tokenizer.encode($0) }
        #expect(batch.count == 3)
        #expect(batch.sequenceLength == rows.map(\.count).max())
        for (row, ids) in rows.enumerated() {
            let padding = batch.sequenceLength - ids.count
            #expect(Array(batch.inputIDs(row: row)) == ids + Array(repeating: tokenizer.paddingID, count: padding))
            #expect(Array(batch.attentionMask(row: row)) == Array(repeating: 1, count: ids.count) + Array(repeating: 0, count: padding))
        }
        let empty = tokenizer.encodeBatch([])
        #expect(empty.count == 0 && empty.inputIDs.isEmpty)
    }

    @Test func chunksCoverLongTextsWithOverlappingWindows() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        for item in try TokenizerFixtures.golden().cases where item.full_ids != nil {
            let pieces = Array(try #require(item.full_ids).dropFirst().dropLast())
            let chunks = try tokenizer.encodeChunks(item.text, windowTokens: 256, strideTokens: 192)
            #expect(chunks.first?.inputIDs == item.ids)
            #expect(chunks.first?.pieceRange.lowerBound == 0)
            #expect(chunks.last?.pieceRange.upperBound == pieces.count)
            for (index, chunk) in chunks.enumerated() {
                #expect(chunk.pieceRange.lowerBound == index * 192)
                #expect(chunk.inputIDs.count <= 256)
                #expect(chunk.inputIDs == [101] + pieces[chunk.pieceRange] + [102])
            }
            #expect(chunks.count == max(1, Int((Double(pieces.count - 254) / 192).rounded(.up)) + 1))
        }
        let short = try tokenizer.encodeChunks("a short text")
        #expect(short.map(\.inputIDs) == [tokenizer.encode("a short text")])
        #expect(try tokenizer.encodeChunks("").map(\.inputIDs) == [[101, 102]])
    }

    @Test func invalidChunkingIsRejected() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #expect(throws: TokenizerError.self) { try tokenizer.encodeChunks("x", windowTokens: 2, strideTokens: 1) }
        #expect(throws: TokenizerError.self) { try tokenizer.encodeChunks("x", windowTokens: 10, strideTokens: 0) }
        #expect(throws: TokenizerError.self) { try tokenizer.encodeChunks("x", windowTokens: 10, strideTokens: 9) }
    }

    @Test func invalidUTF8IsRepairedReportedAndDroppedByCleanText() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        let valid = DecodedText(utf8: Array("café ok".utf8))
        #expect(valid.text == "café ok" && !valid.repairedInvalidUTF8)
        let broken = DecodedText(utf8: [0x61, 0x62, 0xFF, 0xC3, 0x63, 0x64, 0xE2, 0x82])
        #expect(broken.repairedInvalidUTF8)
        #expect(broken.text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 3)
        #expect(tokenizer.encode(broken.text) == tokenizer.encode("abcd"))
    }

    @Test func missingOrMalformedVocabularyNamesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-vocab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.txt")
        #expect(throws: TokenizerError.vocabularyMissing(file: missing.path)) { try BertTokenizer(vocabularyURL: missing) }

        func write(_ bytes: [UInt8], _ name: String) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try Data(bytes).write(to: url)
            return url
        }
        let base = Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".utf8)
        let duplicate = try write(base + Array("a\nb\na\n".utf8), "duplicate.txt")
        #expect(throws: TokenizerError.vocabularyMalformed(file: duplicate.path, line: 7, problem: "token \"a\" repeats line 5")) {
            try BertTokenizer(vocabularyURL: duplicate)
        }
        let blank = try write(base + Array("a\n\nb\n".utf8), "blank.txt")
        #expect(throws: TokenizerError.vocabularyMalformed(file: blank.path, line: 6, problem: "empty token")) {
            try BertTokenizer(vocabularyURL: blank)
        }
        let binary = try write(base + [0xFF, 0x0A], "binary.txt")
        #expect(throws: TokenizerError.vocabularyMalformed(file: binary.path, line: 5, problem: "token is not valid UTF-8")) {
            try BertTokenizer(vocabularyURL: binary)
        }
        let noUnknown = try write(Array("[PAD]\n[CLS]\n[SEP]\n".utf8), "nounk.txt")
        #expect(throws: TokenizerError.missingSpecialToken(file: noUnknown.path, token: "[UNK]")) {
            try BertTokenizer(vocabularyURL: noUnknown)
        }
        let empty = try write([], "empty.txt")
        #expect(throws: TokenizerError.self) { try BertTokenizer(vocabularyURL: empty) }
        let crlf = try write(Array("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhello\r\n".utf8), "crlf.txt")
        #expect(try BertTokenizer(vocabularyURL: crlf).encode("Hello hi") == [2, 4, 1, 3])
        let error = TokenizerError.vocabularyMissing(file: missing.path)
        #expect(error.description.contains(missing.path))
    }

    @Test func modelAssetsHonourTheEnvironmentAndFindTheCheckout() throws {
        let found = try ModelAssets.modelsDirectory(environment: [:])
        #expect(FileManager.default.fileExists(atPath: found.appendingPathComponent("all-MiniLM-L6-v2/vocab.txt").path))
        #expect(throws: ModelAssetsError.environmentPathInvalid(variable: "VITRINE_ASSETS", path: "/nonexistent/assets")) {
            try ModelAssets.modelsDirectory(environment: ["VITRINE_ASSETS": "/nonexistent/assets"])
        }
        let assets = found.deletingLastPathComponent()
        #expect(try ModelAssets.modelsDirectory(environment: ["VITRINE_ASSETS": assets.path]).standardizedFileURL == found.standardizedFileURL)
        #expect(throws: ModelAssetsError.self) { try ModelAssets.modelDirectory(named: "no-such-model") }
    }
}
