import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// With the real encoders: three subjects × two crops, with texts on three topics. For every item and
/// every modality, the other member of its group is the most similar item.
@Suite struct KnownGroupsTests {
    static func group(of id: String) -> String { String(id.split(separator: "-")[0]) }

    @Test func sameGroupComesFirstForImageTextAndFused() throws {
        let directory = try TemporaryDirectory()
        let catalog = try Catalog(storeURL: directory.path("catalog.sqlite"), options: CatalogOptions())
        let summary = try catalog.index(folder: Fixtures.groups)
        #expect(summary.indexed == 6 && summary.problems.isEmpty, "\(summary.problems)")
        for item in catalog.items() {
            for modality in Modality.allCases {
                let hits = try catalog.similarItems(to: item.id, modality: modality, options: QueryOptions(limit: 5, includeNearDuplicates: true))
                #expect(hits.first.map { Self.group(of: $0.item.id) } == Self.group(of: item.id),
                        "\(item.id) \(modality): \(hits.map { "\($0.item.id) \($0.score)" })")
            }
        }
        // Search by a topic in words lands on that group.
        let coffee = try catalog.search(text: "a hot drink at the cafe", space: .text, options: QueryOptions(limit: 2, includeNearDuplicates: true))
        #expect(coffee.allSatisfy { Self.group(of: $0.item.id) == "espresso" }, "\(coffee.map(\.item.id))")
        let cat = try catalog.search(imageAt: Fixtures.photos.appendingPathComponent("cat.jpg"), space: .image,
                                     options: QueryOptions(limit: 2, includeNearDuplicates: true))
        #expect(cat.allSatisfy { Self.group(of: $0.item.id) == "cat" }, "\(cat.map(\.item.id))")
    }
}
