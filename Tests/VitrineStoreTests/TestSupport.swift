import Foundation
import VitrineCore
import VitrineStore
import VitrineTensor

/// A fresh directory under the system temp dir, removed when the value is released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A whole-second date, so it survives the store's REAL-seconds encoding exactly.
func date(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

/// A deterministic item with three vectors (text f32, image f16, fused f32).
func sampleItem(_ index: Int, tags: [String] = ["sample"]) -> (StoredItem, [StoredVector]) {
    let item = StoredItem(
        Item(id: "item-\(index)", title: "Item \(index)", description: "A description of item \(index) — ünïcode ok",
             tags: tags, category: index % 2 == 0 ? "even" : nil, metadata: ["index": "\(index)", "color": "blue"]),
        sourcePaths: ["images/\(index).jpg", "text/\(index).txt"], contentHash: SHA256.hex(of: Data("item \(index)".utf8)),
        createdAt: date(1_700_000_000 + index), updatedAt: date(1_700_000_100 + index))
    let vectors = [
        StoredVector(modality: .text, values: (0 ..< 6).map { Float(index) + Float($0) * 0.125 }, modelID: "minilm@abc", dtype: .float32),
        StoredVector(modality: .image, values: (0 ..< 5).map { Float($0) * 0.5 - Float(index) }, modelID: "effnet@def", dtype: .float16),
        StoredVector(modality: .fused, values: (0 ..< 4).map { sin(Float(index * 4 + $0)) }, modelID: "fused@1", dtype: .float32),
    ]
    return (item, vectors)
}

/// Fills a store with `count` sample items in one transaction.
func fill(_ store: any CatalogStore, count: Int) throws {
    try store.write { tx in
        for index in 0 ..< count {
            let (item, vectors) = sampleItem(index, tags: index % 3 == 0 ? ["sample", "third"] : ["sample"])
            try tx.insert(item, vectors: vectors)
        }
    }
}
