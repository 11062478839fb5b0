import Foundation
import Testing
import VitrineCore
import VitrineTensor

/// `VectorIndex` written to a snapshot file and read back: the same answers (graph included), tombstones
/// and free slots kept, and a torn, altered or mismatched file refused rather than half-read.
@Suite struct IndexSnapshotTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-snapshot-\(UUID().uuidString)").path
    }

    static func write(_ index: VectorIndex, to path: String) throws {
        var file = try SnapshotFileWriter(path: path)
        try file.write(string: "header")
        try index.writeSnapshot(to: &file)
        try file.commit()
    }

    static func read(_ path: String, like index: VectorIndex, approximate: ApproximateSearchOptions) throws -> VectorIndex {
        var file = try SnapshotFileReader(path: path)
        #expect(try file.readString() == "header")
        let read = try VectorIndex.readSnapshot(from: &file, dimension: index.dimension, normalizesVectors: index.normalizesVectors,
                                                precision: index.precision, approximate: approximate) { id in
            IndexedAttributes(tags: [id.hasSuffix("0") ? "round" : "other"])
        }
        try file.finish()
        return read
    }

    static let approximate = ApproximateSearchOptions(m: 12, efConstruction: 100, efSearch: 64, bruteForceBelow: 200)

    /// 1,200 clustered vectors with a graph, 80 of them removed (tombstones and freed slots) and 20 re-added.
    static func builtIndex(precision: VectorPrecision) throws -> VectorIndex {
        var index = try VectorIndex(dimension: ApproximateIndexTests.dimension, precision: precision, approximate: approximate)
        let vectors = ApproximateIndexTests.clusteredVectors(count: 1_200, seed: 11)
        for (i, v) in vectors.enumerated() { try index.add(id: "i\(i)", vector: v, tags: [i % 10 == 0 ? "round" : "other"], category: nil) }
        for i in stride(from: 1, to: 800, by: 10) { index.remove(id: "i\(i)") }
        for i in stride(from: 1, to: 200, by: 10) { try index.add(id: "i\(i)", vector: vectors[i], tags: ["other"], category: nil) }
        return index
    }

    @Test(arguments: [VectorPrecision.float32, .float16])
    func readBackIndexAnswersExactlyAsTheOriginal(precision: VectorPrecision) throws {
        let index = try Self.builtIndex(precision: precision)
        #expect(index.hasApproximateSearch)
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(index, to: path)
        let read = try Self.read(path, like: index, approximate: Self.approximate)
        #expect(read.count == index.count && read.hasApproximateSearch && Set(read.ids) == Set(index.ids))
        #expect(!read.contains("i211") && read.contains("i11"))
        for query in ApproximateIndexTests.clusteredVectors(count: 30, seed: 12) {
            for exact in [false, true] {
                for filter in [IndexFilter(), IndexFilter(anyOfTags: ["round"])] {
                    let options = SearchOptions(limit: 10, filter: filter, includeNearDuplicates: true, exact: exact)
                    // Bit-equal within one stable section: a suite running in parallel may switch the
                    // process-wide kernel variant, and two variants round fp16 dots differently.
                    let (a, b) = try Kernels.withStableVariant {
                        (try index.search(query: query, options: options), try read.search(query: query, options: options))
                    }
                    #expect(a.map(\.id) == b.map(\.id) && a.map(\.score) == b.map(\.score))
                }
            }
        }
        // Both keep working the same after the read: the same insert lands in the same place.
        var original = index, copy = read
        let extra = ApproximateIndexTests.clusteredVectors(count: 1, seed: 13)[0]
        try original.add(id: "extra", vector: extra)
        try copy.add(id: "extra", vector: extra)
        let options = SearchOptions(limit: 5, includeNearDuplicates: true)
        #expect(try original.search(query: extra, options: options).map(\.id) == copy.search(query: extra, options: options).map(\.id))
    }

    @Test func tornAlteredOrMismatchedFilesAreRefused() throws {
        let index = try Self.builtIndex(precision: .float16)
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(index, to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))

        // One flipped bit in the rows: the checksum catches it.
        var altered = bytes
        altered[bytes.count / 2] ^= 0x10
        try altered.write(to: URL(fileURLWithPath: path))
        #expect(throws: VitrineCoreError.self) { _ = try Self.read(path, like: index, approximate: Self.approximate) }

        // Cut short (a kill during the write of a file that was then moved in some other way).
        for cut in [8, 100, bytes.count / 3, bytes.count - 9] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            #expect(throws: VitrineCoreError.self) { _ = try Self.read(path, like: index, approximate: Self.approximate) }
        }

        // Another precision or dimension than the reader expects.
        try bytes.write(to: URL(fileURLWithPath: path))
        var file = try SnapshotFileReader(path: path)
        _ = try file.readString()
        #expect(throws: VitrineCoreError.self) {
            _ = try VectorIndex.readSnapshot(from: &file, dimension: index.dimension, normalizesVectors: true, precision: .float32,
                                             approximate: Self.approximate) { _ in IndexedAttributes() }
        }

        // A graph built with another m is dropped (rebuilt later from the rows), the rows are kept.
        let otherM = ApproximateSearchOptions(m: 8, efConstruction: 100, efSearch: 64, bruteForceBelow: 200)
        let read = try Self.read(path, like: index, approximate: otherM)
        #expect(read.count == index.count && !read.hasApproximateSearch && read.needsGraph)
    }

    @Test func anItemTheOwnerDoesNotKnowMakesTheSnapshotInconsistent() throws {
        var index = try VectorIndex(dimension: 4)
        try index.add(id: "a", vector: [1, 0, 0, 0])
        try index.add(id: "b", vector: [0, 1, 0, 0])
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.write(index, to: path)
        var file = try SnapshotFileReader(path: path)
        _ = try file.readString()
        #expect(throws: VitrineCoreError.self) {
            _ = try VectorIndex.readSnapshot(from: &file, dimension: 4, normalizesVectors: true, precision: .float32,
                                             approximate: ApproximateSearchOptions()) { $0 == "a" ? IndexedAttributes() : nil }
        }
    }
}
