import Foundation
import Testing
import VitrineImage
import VitrineModels

/// One photo of `Fixtures/efficientnet/manifest.json` (written by tools/make_efficientnet_fixtures.py).
struct EfficientNetPhoto: Decodable, Sendable, CustomTestStringConvertible {
    struct Top: Decodable, Sendable {
        let index: Int
        let label: String
        let logit: Float
    }
    let name: String
    let photo: String
    let rgb: String
    let features: String
    let logits: String
    let top1Margin: Float
    let top5: [Top]
    var testDescription: String { name }
}

/// Fixture access and the encoder shared by the EfficientNet tests (loaded once per process).
enum EfficientNetFixtures {
    private struct Manifest: Decodable {
        let photos: [EfficientNetPhoto]
    }

    static func url(_ relativePath: String) throws -> URL {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil),
                                     "Fixtures folder missing from the test bundle")
        return directory.appendingPathComponent(relativePath)
    }

    /// The photos in the manifest; empty (and the parameterized tests then fail loudly) if unreadable.
    static let photos: [EfficientNetPhoto] = {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
              let data = try? Data(contentsOf: directory.appendingPathComponent("efficientnet/manifest.json"))
        else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return (try? decoder.decode(Manifest.self, from: data))?.photos ?? []
    }()

    private static let loaded: Result<ImageEncoder, EfficientNetError> = Result { () throws(EfficientNetError) in
        try ImageEncoder()
    }

    static func encoder() throws -> ImageEncoder { try loaded.get() }

    /// Little-endian float32 file from `efficientnet/`.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url("efficientnet/\(name)"))
        #expect(data.count % 4 == 0)
        return data.withUnsafeBytes { raw in
            (0 ..< data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// The reference crop (`.rgb`, 224×224 HWC bytes) normalized with the model's recipe.
    static func referenceInput(_ photo: EfficientNetPhoto, encoder: ImageEncoder) throws -> ImageTensor {
        let bytes = [UInt8](try Data(contentsOf: url("efficientnet/\(photo.rgb)")))
        let image = try RGBImage(width: 224, height: 224, pixels: bytes)
        return try image.normalizedTensor(mean: encoder.preprocessing.mean, std: encoder.preprocessing.std)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
