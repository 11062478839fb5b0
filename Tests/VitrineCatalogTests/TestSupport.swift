import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineImage
import VitrineStore

/// A fresh folder under the temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes text (creating folders) and returns the file.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> URL {
        try write(relative, Data(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> URL {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return file
    }
}

enum Fixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let photos = testsDirectory.deletingLastPathComponent().appendingPathComponent("VitrineModelsTests/Fixtures/photos")
    static let groups = testsDirectory.appendingPathComponent("Fixtures/groups")
    static let demo = testsDirectory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("assets/demo")

    static func photo(_ name: String) throws -> Data { try Data(contentsOf: photos.appendingPathComponent("\(name).jpg")) }
    static let photoNames = ["cat", "deep_field", "espresso", "helmet", "retina", "rocket", "shuttle_model", "tripod", "uniform_portrait"]
}

/// Cheap deterministic encoders for pipeline tests (the real ones are exercised by the known-groups test):
/// images go through the real decoder and preprocessing (so bad files fail as in production) and embed as
/// a 4×4 grid of mean colours; texts embed as a hashed bag of words.
struct GridImageEncoder: CatalogImageEncoder {
    static let dimension = 48
    let preprocessing = Preprocessing(resizeShortSide: 32, cropSize: 32, mean: [0, 0, 0], std: [1, 1, 1], filter: .bilinear)

    func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor {
        try preprocessing.tensor(fromFileBytes: bytes, name: name)
    }

    func embed(batch tensors: [ImageTensor]) throws -> [[Float]] {
        tensors.map { tensor in
            var out = [Float](repeating: 0, count: Self.dimension)
            for channel in 0..<3 {
                for y in 0..<32 {
                    for x in 0..<32 {
                        out[channel * 16 + (y / 8) * 4 + x / 8] += tensor.values[channel * 1024 + y * 32 + x] + 0.01
                    }
                }
            }
            let norm = out.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return out.map { $0 / norm }
        }
    }
}

struct HashedWordsTextEncoder: CatalogTextEncoder {
    static let dimension = 32

    func embed(batch texts: [String]) throws -> [[Float]] {
        texts.map { text in
            var out = [Float](repeating: 0, count: Self.dimension)
            out[0] = 0.05
            for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                var hash: UInt64 = 1469598103934665603
                for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
                out[Int(hash % UInt64(Self.dimension))] += 1
            }
            let norm = out.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return out.map { $0 / norm }
        }
    }
}

extension EncoderProvider {
    /// The cheap test encoders, with identities that can be varied to simulate a model change.
    static func testing(imageModel: String = "grid@1", textModel: String = "words@1") -> EncoderProvider {
        EncoderProvider(imageModelID: imageModel, textModelID: textModel,
                        imageDimension: GridImageEncoder.dimension, textDimension: HashedWordsTextEncoder.dimension,
                        makeImageEncoder: { GridImageEncoder() }, makeTextEncoder: { HashedWordsTextEncoder() })
    }
}

extension Catalog {
    /// A catalog on `directory/catalog.sqlite` with the test encoders.
    static func testing(in directory: TemporaryDirectory, provider: EncoderProvider = .testing(),
                        precision: VectorDType = .float32) throws -> Catalog {
        try Catalog(storeURL: directory.path("store/catalog.sqlite"),
                    options: CatalogOptions(encoders: provider, vectorPrecision: precision))
    }
}

extension IndexingSummary {
    /// The problems about one file (path suffix match).
    func problems(about file: String) -> [IndexingProblem] { problems.filter { $0.file.hasSuffix(file) } }
}
