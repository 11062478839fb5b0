// A VectorIndex written to and read back from a snapshot file (IndexSnapshotFile.swift): ids,
// rows as stored, norms, free slots, tombstones and the HNSW graph, so an index of a million
// items opens by reading its arrays instead of re-inserting every vector. Tags and categories
// are not written: the owner supplies them again from its items when reading.

extension VectorIndex {
    private static let snapshotVersion: Int64 = 1

    /// Writes the whole index to `file`.
    public func writeSnapshot(to file: inout SnapshotFileWriter) throws {
        try file.write(Self.snapshotVersion)
        try file.write(Int64(dimension))
        try file.write(UInt8(normalizesVectors ? 1 : 0))
        try file.write(string: precision.rawValue)
        try file.write(strings: slotIDs)
        try storage.write(to: &file)
        try file.write(array: norms)
        try file.write(array: freeSlots.map(Int64.init))
        try file.write(array: tombstones.map(Int64.init))
        if let graph {
            try file.write(UInt8(1))
            try graph.write(to: &file)
        } else {
            try file.write(UInt8(0))
        }
    }

    /// Reads an index written by `writeSnapshot(to:)`. The graph is kept when it was built with the
    /// same `m` and `efConstruction` as `approximate`, else dropped (to be rebuilt from the rows).
    /// - Parameter attributes: tags and category of each id (nil: the id is not an item any more,
    ///   which makes the snapshot inconsistent).
    /// - Throws: `VitrineCoreError.snapshotUnreadable` when the file is not such an index or disagrees
    ///   with `dimension`, `normalizesVectors` or `precision`.
    public static func readSnapshot(from file: inout SnapshotFileReader, dimension: Int, normalizesVectors: Bool,
                                    precision: VectorPrecision, approximate: ApproximateSearchOptions,
                                    attributes: (String) -> IndexedAttributes?) throws -> VectorIndex {
        guard try file.read(Int64.self) == snapshotVersion else { throw file.failure("unknown index snapshot version") }
        let storedDimension = Int(try file.read(Int64.self)), storedNormalizes = try file.read(UInt8.self) == 1
        let storedPrecision = try file.readString()
        guard storedDimension == dimension, storedNormalizes == normalizesVectors, storedPrecision == precision.rawValue else {
            throw file.failure("holds \(storedDimension)-d \(storedPrecision) vectors, expected \(dimension)-d \(precision.rawValue)")
        }
        var index = try VectorIndex(dimension: dimension, normalizesVectors: normalizesVectors, precision: precision, approximate: approximate)
        index.slotIDs = try file.readStrings()
        index.storage = try RowStorage.read(from: &file, precision: precision, dimension: dimension,
                                            quantized: index.approximate.graphDistances == .int8)
        index.norms = try file.readArray(of: Float.self)
        let slots = index.slotIDs.count
        let free = try file.readArray(of: Int64.self), tombstones = try file.readArray(of: Int64.self)
        guard (free + tombstones).allSatisfy({ $0 >= 0 && $0 < Int64(slots) }) else { throw file.failure("slot number out of range") }
        index.freeSlots = free.map { Int($0) }
        index.tombstones = tombstones.map { Int($0) }
        guard index.storage.rowCount == slots, index.norms.count == slots else {
            throw file.failure("\(slots) ids but \(index.storage.rowCount) rows and \(index.norms.count) norms")
        }
        if try file.read(UInt8.self) == 1 {
            index.graph = try HNSWGraph.read(from: &file, slotCount: slots, options: index.approximate)
        }
        index.attributes = Array(repeating: IndexedAttributes(), count: slots)
        for (slot, id) in index.slotIDs.enumerated() {
            guard let id else { continue }
            guard index.rowByID.updateValue(slot, forKey: id) == nil else { throw file.failure("item '\(id)' is in two slots") }
            guard let itemAttributes = attributes(id) else { throw file.failure("holds '\(id)', which is not an item") }
            index.setAttributes(itemAttributes, row: slot)
        }
        return index
    }
}
