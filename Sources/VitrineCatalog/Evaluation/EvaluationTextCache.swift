// Item text vectors for evaluation, embedded once with the text encoder and cached in a file
// keyed by a SHA-256 of the model identity and every item's text, so reruns skip the encoder.

import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

/// Embeds evaluation item texts with a cache file.
public enum EvaluationTextCache {
    /// Unit text vectors of `items` (catalog order): from `cacheDirectory/vitrine-text-<hash>.f32` when present,
    /// else embedded with `encoder` in batches and written there.
    /// - Returns: the vectors and whether they came from the cache.
    public static func vectors(for items: [Item], modelID: String, dimension: Int, cacheDirectory: URL,
                               encoder: () throws -> any CatalogTextEncoder) throws -> (vectors: [[Float]], cached: Bool) {
        var hasher = SHA256()
        hasher.update(Array("\(modelID)\u{0}\(dimension)".utf8))
        for item in items { hasher.update(Array("\u{0}\(item.id)\u{1}\(text(of: item))".utf8)) }
        let file = cacheDirectory.appendingPathComponent("vitrine-text-\(hasher.finalizeHex().prefix(24)).f32")
        if let data = try? Data(contentsOf: file), data.count == items.count * dimension * 4 {
            let floats = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return (items.indices.map { Array(floats[$0 * dimension ..< ($0 + 1) * dimension]) }, true)
        }
        let model = try encoder()
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: items.count, by: 64) {
            let batch = items[start ..< min(start + 64, items.count)].map(text(of:))
            vectors.append(contentsOf: try model.embed(batch: batch))
        }
        guard vectors.count == items.count, vectors.allSatisfy({ $0.count == dimension }) else {
            throw EvaluationError.unreadable(file: "text encoder output", reason: "expected \(items.count) vectors of \(dimension)")
        }
        var flat = vectors.flatMap { $0 }
        let data = Data(bytes: &flat, count: flat.count * 4)
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        try? data.write(to: file, options: .atomic)
        return (vectors, false)
    }

    /// The text the encoder reads: the description, or the title when there is none.
    static func text(of item: Item) -> String { item.description.isEmpty ? item.title : item.description }
}
