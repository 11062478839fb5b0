import Foundation
import Testing
import VitrineCore
import VitrineStore

/// Conformance: model identities, stale vectors, events and concurrent readers, on every backend.
@Suite struct ModelAndEventConformanceTests {
    @Test(arguments: StoreBackend.all) func changingTheModelReportsAndDeletesStaleVectors(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "models")
        #expect(try store.setCurrentModel("effnet@def", for: .image).itemIDs.isEmpty)
        try fill(store, count: 4)
        #expect(try store.staleVectors(modality: .image).itemIDs.isEmpty)

        let report = try store.setCurrentModel("effnet@NEW", for: .image)
        #expect(report.currentModelID == "effnet@NEW")
        #expect(report.itemIDs == ["item-0", "item-1", "item-2", "item-3"])
        #expect(try store.currentModel(for: .image) == "effnet@NEW")
        // Other modalities are untouched, and an old-model vector can no longer be written.
        #expect(try store.staleVectors(modality: .text).itemIDs.isEmpty)
        #expect(throws: StoreError.modelMismatch(modality: "image", itemID: "item-0", current: "effnet@NEW", given: "effnet@def")) {
            try store.write { try $0.setVectors([sampleItem(0).1[1]], for: "item-0") }
        }
        // Re-embed one item with the new model, then drop the rest for the indexer to redo.
        try store.write { tx in
            try tx.setVectors([StoredVector(modality: .image, values: [1, 2, 3, 4, 5], modelID: "effnet@NEW", dtype: .float16)], for: "item-2")
        }
        #expect(try store.staleVectors(modality: .image).itemIDs == ["item-0", "item-1", "item-3"])
        let deleted = try store.deleteStaleVectors(modality: .image)
        #expect(deleted.itemIDs == ["item-0", "item-1", "item-3"])
        #expect(try store.staleVectors(modality: .image).itemIDs.isEmpty)
        #expect(try store.itemsMissingVectors(modality: .image) == ["item-0", "item-1", "item-3"])
        #expect(try store.vectorMatrix(modality: .image).itemIDs == ["item-2"])
        #expect(try store.vectorMatrix(modality: .text).count == 4)
    }

    @Test(arguments: StoreBackend.all) func eventsAreDurableAfterReopen(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let events = (0 ..< 30).map { (index: Int) -> Interaction in
            let rated = index % 4 == 0
            let stars: Double? = rated ? 1 + Double(index % 5) * 0.75 : nil
            return Interaction(user: "user-\(index % 3)", item: "item-\(index % 5)", kind: rated ? .rating : .view,
                               value: stars, timestamp: date(1_800_000_000 + index))
        }
        do {
            let store = try backend.open(directory, "events")
            try fill(store, count: 5)
            try store.append(events)
            try store.append([Interaction(user: "user-9", item: "item-4", kind: .like, timestamp: date(1))])
        }
        let store = try backend.open(directory, "events")
        let all = try store.allEvents()
        #expect(all.count == 31)
        #expect(Array(all.prefix(30)) == events)
        #expect(try store.events(for: "user-1") == events.filter { $0.user == "user-1" })
        #expect(try store.eventCount(for: "user-9") == 1)
        #expect(try store.eventCount() == 31)
        #expect(try store.userIDs() == ["user-0", "user-1", "user-2", "user-9"])
        #expect(try store.info().userCount == 4)
    }

    @Test(arguments: StoreBackend.all) func eventForUnknownItemRollsBackTheWholeBatch(_ backend: StoreBackend) throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "unknown")
        try fill(store, count: 2)
        let batch = [
            Interaction(user: "u", item: "item-0", kind: .view),
            Interaction(user: "u", item: "no-such-item", kind: .view),
        ]
        #expect(throws: StoreError.unknownItem(id: "no-such-item")) { try store.append(batch) }
        #expect(try store.eventCount() == 0)
        #expect(throws: StoreError.self) { try store.append([Interaction(user: "", item: "item-0", kind: .view)]) }
        #expect(throws: StoreError.self) { try store.append([Interaction(user: "u", item: "item-0", kind: .rating, value: .nan)]) }
    }

    @Test(arguments: StoreBackend.all) func concurrentReadersSeeWholeTransactionsWhileAWriterRuns(_ backend: StoreBackend) async throws {
        let directory = try TemporaryDirectory()
        let store = try backend.open(directory, "concurrent")
        let batches = 15, batchSize = 4
        try await withThrowingTaskGroup(of: [Int].self) { group in
            group.addTask {
                for batch in 0 ..< batches {
                    try store.write { tx in
                        for index in batch * batchSize ..< (batch + 1) * batchSize {
                            let (item, vectors) = sampleItem(index)
                            try tx.insert(item, vectors: vectors)
                        }
                    }
                }
                return []
            }
            for _ in 0 ..< 4 {
                group.addTask {
                    var seen: [Int] = []
                    for _ in 0 ..< 30 {
                        // Items and their vector matrix come from one snapshot each; both must be whole batches.
                        seen.append(try store.itemCount())
                        seen.append(try store.vectorMatrix(modality: .text).count)
                    }
                    return seen
                }
            }
            for try await counts in group {
                #expect(counts.allSatisfy { $0 % batchSize == 0 }, "a reader saw a partial transaction: \(counts)")
            }
        }
        #expect(try store.itemCount() == batches * batchSize)
    }
}
