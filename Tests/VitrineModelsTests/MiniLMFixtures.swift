import Foundation
import Testing
import VitrineModels

/// Golden fixtures written by tools/make_minilm_fixtures.py (sentence-transformers, CPU, fp32),
/// and one shared copy of the model for every MiniLM test.
enum MiniLMFixtures {
    struct Sentence: Decodable {
        let index: Int
        let text: String
        let input_ids: [Int32]
        let truncated: Bool
        let neighbours: [Int]
        let stable_neighbour_prefix: Int
    }

    struct Manifest: Decodable {
        let dimension: Int
        let count: Int
        let sentences: [Sentence]
    }

    static func url(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/minilm"))
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json")))
    }

    /// A float32 little-endian file as rows of `width`.
    static func rows(_ name: String, width: Int) throws -> [[Float]] {
        let data = try Data(contentsOf: url(name))
        let values = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return stride(from: 0, to: values.count, by: width).map { Array(values[$0..<$0 + width]) }
    }

    /// The shipped model, loaded once (global lets are initialized lazily and thread-safely).
    static func model() throws -> MiniLM { try sharedModel.get() }

    /// An encoder over the shared model with the given long-text policy.
    static func encoder(_ policy: LongTextPolicy) throws -> TextEncoder {
        try TextEncoder(model: model(), tokenizer: tokenizer.get(), options: TextEncoderOptions(longTextPolicy: policy))
    }

    /// The 65 fixture sentences embedded once in truncation mode, in manifest order (shared by tests).
    static func fixtureEmbeddings() throws -> [[Float]] { try sharedFixtureEmbeddings.get() }

    static func directory() throws -> URL { try ModelAssets.modelDirectory(named: "all-MiniLM-L6-v2") }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return dot / max((na * nb).squareRoot(), 1e-20)
    }
}

private let sharedModel = Result<MiniLM, any Error> { try MiniLM(directory: MiniLMFixtures.directory()) }
private let tokenizer = Result<BertTokenizer, any Error> { try BertTokenizer.allMiniLML6v2() }
private let sharedFixtureEmbeddings = Result<[[Float]], any Error> {
    try MiniLMFixtures.encoder(.truncate).embed(batch: MiniLMFixtures.manifest().sentences.map(\.text))
}
