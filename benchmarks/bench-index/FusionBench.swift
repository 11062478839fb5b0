import Foundation
import VitrineCatalog
import VitrineCore

// `bench-index fusion STORE...`: how good is each catalog's fused view at the weight Vitrine fitted,
// against image alone, text alone, 50/50 and the best fixed weight of a 0.05 grid? Measured as
// leave-one-out category precision@10 over the items with both modalities encoded and a category.
// Two readings of "fitted":
//   - in-sample: the weight indexing stored (fitted on every item's category, as in production);
//   - held out: a weight fitted on the categories of half the items (by id hash), measured on the
//     queries of the other half (whose neighbours still count by every item's category), beside the
//     best grid weight for that same half — so the fit is never judged on the labels it saw.

func benchFusion(_ arguments: [String]) throws {
    let stores = Array(arguments.dropFirst(2))
    guard !stores.isEmpty else { throw BenchError.usage }
    let fitter = FusionWeightFitter()
    func formatted(_ value: Double) -> String { String(format: "%.3f", value) }
    func best(_ points: [FusionGridPoint]) -> FusionGridPoint { points.max { $0.precision < $1.precision }! }
    func at(_ points: [FusionGridPoint], _ w: Float) -> Double { points.min { abs($0.imageWeight - w) < abs($1.imageWeight - w) }!.precision }
    print("| catalog | items | categories | image only | text only | 50/50 | best grid w (P@10) | fitted w (P@10) | held out: fitted w → P@10 on other half | best on that half | gap |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|")
    for path in stores {
        let catalog = try Catalog(storeURL: URL(fileURLWithPath: path))
        let items = catalog.items(limit: Int.max).compactMap { item -> FusionFitItem? in
            guard let category = item.category, let vectors = catalog.vectors(for: item.id),
                  let image = vectors.image, let text = vectors.text else { return nil }
            return FusionFitItem(id: item.id, image: image, text: text, category: category)
        }
        let grid = try fitter.categoryPrecision(items: items)
        let stored = catalog.fusionWeightFit
        // Halves by a stable hash of the id (FNV-1a), so the split is the same on every run.
        func half(_ id: String) -> Int {
            var hash: UInt64 = 1469598103934665603
            for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
            return Int(hash % 2)
        }
        let trainingLabels = items.map { FusionFitItem(id: $0.id, image: $0.image, text: $0.text, category: half($0.id) == 0 ? $0.category : nil) }
        let heldOutFit = try fitter.fit(items: trainingLabels)
        let heldOutQueries = Set(items.filter { half($0.id) == 1 }.map(\.id))
        let heldOut = try fitter.categoryPrecision(items: items, queries: heldOutQueries)
        let heldOutAtFit = at(heldOut, heldOutFit.weights.image), heldOutBest = best(heldOut)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let bestAll = best(grid)
        print("| \(name) | \(items.count) | \(Set(items.compactMap(\.category)).count) | \(formatted(at(grid, 1))) | \(formatted(at(grid, 0))) | "
            + "\(formatted(at(grid, 0.5))) | \(String(format: "%.2f", bestAll.imageWeight)) (\(formatted(bestAll.precision))) | "
            + "\(String(format: "%.2f", stored.weights.image)) (\(formatted(at(grid, stored.weights.image))), \(stored.source.rawValue)) | "
            + "\(String(format: "%.2f", heldOutFit.weights.image)) → \(formatted(heldOutAtFit)) | "
            + "\(formatted(heldOutBest.precision)) at \(String(format: "%.2f", heldOutBest.imageWeight)) | \(formatted(heldOutBest.precision - heldOutAtFit)) |")
        let curve = grid.map { String(format: "%.2f:%.3f", $0.imageWeight, $0.precision) }.joined(separator: " ")
        FileHandle.standardError.write(Data("\(name) grid (image weight:P@10): \(curve)\n".utf8))
    }
}
