import Foundation
import Testing
import VitrineModels

/// Long texts are chunked and pooled; any input, however odd, yields a unit vector.
@Suite struct MiniLMChunkingTests {
    static func isUnitVector(_ v: [Float]) -> Bool {
        v.count == 384 && v.allSatisfy(\.isFinite) && abs(v.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-4
    }

    @Test func textWithinOneWindowGetsTheTruncationVector() throws {
        let text = try MiniLMFixtures.manifest().sentences[0].text
        let chunked = try MiniLMFixtures.encoder(.chunked).embed(text)
        let truncated = try MiniLMFixtures.encoder(.truncate).embed(text)
        #expect(MiniLMFixtures.cosine(chunked, truncated) >= 0.99999)
    }

    @Test func longTextChunkedVectorStaysCloseToItsFirstWindow() throws {
        let manifest = try MiniLMFixtures.manifest()
        let text = try #require(manifest.sentences.first { $0.truncated }).text
        let chunked = try MiniLMFixtures.encoder(.chunked)
        let windows = try chunked.tokenizer.encodeChunks(text)
        #expect(windows.count >= 2, "the fixture's long text should need more than one window")
        let pooled = chunked.embed(text)
        let firstWindow = try MiniLMFixtures.encoder(.truncate).embed(text)
        let similarity = MiniLMFixtures.cosine(pooled, firstWindow)
        #expect(Self.isUnitVector(pooled))
        // Same text, so close; but the tail windows must have moved it (not just the first window).
        #expect(similarity >= 0.9 && similarity < 0.99999, "cosine \(similarity) to the first window")
        print("MiniLM chunking: \(windows.count) windows, cosine \(similarity) to the first-window vector")
    }

    @Test func chunkedVectorFollowsTheDocumentedPoolingRule() throws {
        let model = try MiniLMFixtures.model()
        let encoder = try MiniLMFixtures.encoder(.chunked)
        let text = String(repeating: "A walnut bookshelf with five adjustable shelves and brass fittings. ", count: 40)
        let windows = try encoder.tokenizer.encodeChunks(text)
        let means = try model.meanPooled(windows.map(\.inputIDs))
        var sum = [Float](repeating: 0, count: 384)
        for (window, mean) in zip(windows, means) {
            for j in 0..<384 { sum[j] += Float(window.pieceRange.count) * mean[j] }
        }
        #expect(windows.count >= 2)
        #expect(MiniLMFixtures.cosine(encoder.embed(text), sum) >= 0.99999)
    }

    @Test func unusualInputsGiveUnitVectors() throws {
        let encoder = try MiniLMFixtures.encoder(.chunked)
        let inputs = ["", "   \n\t", "?!...,;:", "🍕🚲🎸", "Café crème brûlée — 東京 Москва عربي", "a", "[CLS] [SEP] [PAD]"]
        for (text, vector) in zip(inputs, encoder.embed(batch: inputs)) {
            #expect(Self.isUnitVector(vector), "input \(text.debugDescription)")
        }
        #expect(MiniLMFixtures.cosine(encoder.embed(""), encoder.embed("   ")) >= 0.99999, "both are [CLS] [SEP]")
        #expect(encoder.embed(batch: []).isEmpty)
    }

    @Test func invalidUTF8BytesAreRepairedNotFatal() throws {
        let encoder = try MiniLMFixtures.encoder(.chunked)
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("wooden chair".utf8) + [0xC3]
        let repaired = encoder.embed(utf8: bytes)
        #expect(Self.isUnitVector(repaired))
        // The tokenizer drops U+FFFD, so the repaired text embeds like the clean one.
        #expect(MiniLMFixtures.cosine(repaired, encoder.embed("wooden chair")) >= 0.99999)
    }

    @Test func hundredKilobyteDescriptionIsCappedAndFast() throws {
        let encoder = try MiniLMFixtures.encoder(.chunked)
        let unit = "Hand-thrown stoneware vase, 30 cm, glazed in deep teal 🌊; ships from Kyōto (京都). "
        #if DEBUG
        let bytes = 6_000  // unoptimised C kernels: enough for several windows, not 16
        let limitSeconds = 120.0
        #else
        let bytes = 100_000
        let limitSeconds = 60.0  // 16 windows (≈ 4,100 tokens); 13 s measured on the loaded 2-core test machine
        #endif
        let text = String(repeating: unit, count: bytes / unit.utf8.count + 1)
        let start = Date()
        let vector = encoder.embed(text)
        let seconds = Date().timeIntervalSince(start)
        #expect(Self.isUnitVector(vector))
        #expect(seconds < limitSeconds, "took \(seconds) s for \(text.utf8.count) bytes")
        let windows = try encoder.tokenizer.encodeChunks(text).count
        print("MiniLM long text: \(text.utf8.count) bytes, \(windows) windows (capped at \(encoder.options.maxChunks)), \(seconds) s")
        #if !DEBUG
        #expect(windows > encoder.options.maxChunks, "the test text should exceed the chunk cap")
        #endif
    }

    @Test func invalidOptionsAreRefused() throws {
        let model = try MiniLMFixtures.model()
        let tokenizer = try BertTokenizer.allMiniLML6v2()
        #expect(throws: MiniLMLoadingError.self) { try TextEncoder(model: model, tokenizer: tokenizer, options: TextEncoderOptions(maxChunks: 0)) }
        #expect(throws: MiniLMLoadingError.self) { try TextEncoder(model: model, tokenizer: tokenizer, options: TextEncoderOptions(chunkStrideTokens: 255)) }
    }
}
