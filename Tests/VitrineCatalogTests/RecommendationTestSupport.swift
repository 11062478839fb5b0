import Foundation
import VitrineCatalog
import VitrineCore
import VitrineImage

/// A tiny deterministic text "encoder" for tests: one dimension per known word, plus a constant
/// so no text embeds to zero. Texts sharing words are close; no model weights are needed.
struct WordCountTextEncoder: CatalogTextEncoder {
    static let vocabulary = ["wool", "sweater", "knit", "oak", "chair", "table", "wood", "steel", "lamp", "light",
                             "cotton", "shirt", "cozy", "red", "blue", "green", "scarf", "desk"]
    func embed(batch texts: [String]) throws -> [[Float]] {
        texts.map { text in
            var v = [Float](repeating: 0, count: Self.vocabulary.count + 1)
            v[Self.vocabulary.count] = 0.05
            for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) {
                if let i = Self.vocabulary.firstIndex(of: String(word)) { v[i] += 1 }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / norm }
        }
    }
}

/// Image encoding is not exercised by the recommendation tests (all test items are text-only).
struct UnavailableImageEncoder: CatalogImageEncoder {
    struct Unavailable: Error {}
    func tensor(fromFileBytes bytes: [UInt8], name: String) throws -> ImageTensor { throw Unavailable() }
    func embed(batch tensors: [ImageTensor]) throws -> [[Float]] { throw Unavailable() }
}

/// The test encoders: word counts for text, no image model.
let testEncoders = EncoderProvider(imageModelID: "test-image", textModelID: "test-words", imageDimension: 4,
                                   textDimension: WordCountTextEncoder.vocabulary.count + 1,
                                   makeImageEncoder: { UnavailableImageEncoder() }, makeTextEncoder: { WordCountTextEncoder() })

/// A fresh catalog in a temporary folder with the test encoders.
func makeTestCatalog(at url: URL? = nil) throws -> Catalog {
    try Catalog(storeURL: url ?? temporaryStoreURL(), options: CatalogOptions(encoders: testEncoders))
}

/// A new store path in a fresh temporary folder (created).
func temporaryStoreURL() -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-recs-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("store.sqlite")
}

/// A small furniture-and-clothes catalog.
func addTestItems(_ catalog: Catalog) throws {
    let items: [(String, String, [String])] = [
        ("sweater-red", "Red wool sweater knit", ["clothes"]),
        ("sweater-blue", "Blue wool sweater cozy", ["clothes"]),
        ("scarf", "Green wool scarf knit", ["clothes"]),
        ("shirt", "Cotton shirt blue", ["clothes"]),
        ("chair", "Oak chair wood", ["furniture"]),
        ("table", "Oak table wood", ["furniture"]),
        ("desk", "Wood desk oak", ["furniture"]),
        ("lamp", "Steel lamp light", ["lighting"]),
    ]
    for (id, text, tags) in items {
        try catalog.addItem(NewItem(Item(id: id, title: text, description: text, tags: tags)))
    }
}
