import Foundation

// Blob layout (all integers little-endian, floats little-endian IEEE Float32):
//   "VTTM"  version:u32 = 2
//   imageDimension:u32 textDimension:u32 hiddenDimension:u32 embeddingDimension:u32 itemIDCount:u32
//   sequenceLength:u32 (version 2 only; version-1 blobs predate the `.sequence` tower and read as 0)
//   pooling:u8 flags:u8 (bit 0 presence flags, bit 1 normalised modalities) reserved:u16 = 0
//   tensorCount:u32, then per tensor: nameLength:u16 name:utf8 rows:u32 columns:u32 values:f32[rows*columns]
//   crc32:u32 (IEEE, over every byte before it)
// Loading reads the structure with bounds checks (→ .truncated), verifies the CRC (→ .checksumMismatch),
// then checks the configuration and that every expected tensor is present once with its shape.

extension TwoTowerModel {
    /// The current blob format version (2 added `sequenceLength`; version 1 is still read).
    public static let formatVersion: UInt32 = 2

    /// Weights and configuration as a compact little-endian blob (see the layout above).
    public func serialized() -> [UInt8] {
        var writer = BlobWriter()
        writer.bytes.append(contentsOf: TwoTowerModel.magic)
        writer.u32(TwoTowerModel.formatVersion)
        let c = configuration
        for value in [c.imageDimension, c.textDimension, c.hiddenDimension, c.embeddingDimension, c.itemIDCount, c.sequenceLength] {
            writer.u32(UInt32(value))
        }
        writer.bytes.append(c.pooling.rawValue)
        writer.bytes.append((c.usesPresenceFlags ? 1 : 0) | (c.normalizesModalities ? 2 : 0))
        writer.u16(0)
        writer.u32(UInt32(parameterNames.count))
        for (name, tensor) in zip(parameterNames, parameters) {
            let nameBytes = Array(name.utf8)
            writer.u16(UInt16(nameBytes.count))
            writer.bytes.append(contentsOf: nameBytes)
            writer.u32(UInt32(tensor.rows))
            writer.u32(UInt32(tensor.columns))
            writer.bytes.reserveCapacity(writer.bytes.count + tensor.values.count * 4 + 4)
            for value in tensor.values { writer.u32(value.bitPattern) }
        }
        writer.u32(CRC32.checksum(writer.bytes[...]))
        return writer.bytes
    }

    /// The blob as `Data`, for stores that keep `Data`.
    public func serializedData() -> Data { Data(serialized()) }

    /// Loads a model from `serializedData()` bytes.
    public init(serializedData data: Data) throws {
        try self.init(serialized: [UInt8](data))
    }

    /// Loads a model from `serialized()` bytes; throws `TwoTowerModelError` on any mismatch,
    /// truncation or corruption, naming the field or tensor.
    public init(serialized bytes: [UInt8]) throws {
        var reader = BlobReader(bytes: bytes)
        let magic = try reader.take(4, field: "magic")
        guard Array(magic) == TwoTowerModel.magic else { throw TwoTowerModelError.badMagic(found: Array(magic)) }
        let version = try reader.u32("version")
        guard version == 1 || version == TwoTowerModel.formatVersion else {
            throw TwoTowerModelError.unsupportedVersion(found: version, supported: TwoTowerModel.formatVersion)
        }
        var dimensions: [Int] = []
        for field in ["imageDimension", "textDimension", "hiddenDimension", "embeddingDimension", "itemIDCount"] {
            dimensions.append(Int(try reader.u32(field)))
        }
        let sequenceLength = version >= 2 ? Int(try reader.u32("sequenceLength")) : 0
        let poolingByte = try reader.u8("pooling")
        let flags = try reader.u8("flags")
        let reserved = try reader.u16("reserved")
        let tensorCount = Int(try reader.u32("tensorCount"))
        var tensors: [(name: String, matrix: TrainingMatrix)] = []
        for index in 0..<min(tensorCount, 1024) {
            let nameLength = Int(try reader.u16("tensor[\(index)].nameLength"))
            let nameBytes = try reader.take(nameLength, field: "tensor[\(index)].name")
            let name = String(decoding: nameBytes, as: UTF8.self)
            let rows = Int(try reader.u32("\(name).rows"))
            let columns = Int(try reader.u32("\(name).columns"))
            let (count, overflow) = rows.multipliedReportingOverflow(by: columns * 4)
            guard !overflow else {
                throw TwoTowerModelError.corruptHeader(field: "\(name) shape", detail: "\(rows)×\(columns) is impossibly large")
            }
            let raw = try reader.take(count, field: "\(name).values")
            var values = [Float](repeating: 0, count: rows * columns)
            raw.withUnsafeBytes { buffer in
                for i in values.indices {
                    values[i] = Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            }
            tensors.append((name, TrainingMatrix(rows: rows, columns: columns, values: values)))
        }
        let checkedEnd = reader.offset
        let stored = try reader.u32("crc32")
        let computed = CRC32.checksum(bytes[..<checkedEnd])
        guard stored == computed else { throw TwoTowerModelError.checksumMismatch(stored: stored, computed: computed) }
        guard reader.offset == bytes.count else {
            throw TwoTowerModelError.corruptHeader(field: "length", detail: "\(bytes.count - reader.offset) bytes after the checksum")
        }
        guard tensorCount <= 1024 else {
            throw TwoTowerModelError.corruptHeader(field: "tensorCount", detail: "\(tensorCount) tensors")
        }
        guard let pooling = TwoTowerPooling(rawValue: poolingByte) else {
            throw TwoTowerModelError.corruptHeader(field: "pooling", detail: "unknown value \(poolingByte)")
        }
        guard flags & ~3 == 0, reserved == 0 else {
            throw TwoTowerModelError.corruptHeader(field: "flags", detail: "unknown bits in flags \(flags) / reserved \(reserved)")
        }
        let configuration = TwoTowerConfiguration(
            imageDimension: dimensions[0], textDimension: dimensions[1], hiddenDimension: dimensions[2],
            embeddingDimension: dimensions[3], itemIDCount: dimensions[4], pooling: pooling,
            sequenceLength: sequenceLength, usesPresenceFlags: flags & 1 != 0, normalizesModalities: flags & 2 != 0)
        try configuration.validate()

        var model = try TwoTowerModel(placeholderFor: configuration)
        var seen = Set<String>()
        for (name, matrix) in tensors {
            guard seen.insert(name).inserted else { throw TwoTowerModelError.unexpectedTensor(name: name) }
            try model.setParameter(named: name, to: matrix)
        }
        if let missing = model.parameterNames.first(where: { !seen.contains($0) }) {
            throw TwoTowerModelError.missingTensor(name: missing)
        }
        self = model
    }

    /// A zero-weight model of the right shapes, to be filled by the loader.
    private init(placeholderFor configuration: TwoTowerConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        let shapes = TwoTowerModel.expectedShapes(configuration).map { TrainingMatrix(rows: $0[0], columns: $0[1]) }
        hidden = TrainingLayers.Linear(weight: shapes[0], bias: shapes[1])
        output = TrainingLayers.Linear(weight: shapes[2], bias: shapes[3])
        itemIDEmbedding = shapes[4]
        attentionQuery = shapes[5]
        coldUserVector = shapes[6]
        if configuration.pooling == .sequence {
            var unused = TrainingRandomGenerator(seed: 0)  // every tensor is then replaced from the blob
            sequenceBlock = TrainingLayers.CausalSelfAttentionBlock(dimension: configuration.embeddingDimension,
                                                                    length: configuration.sequenceLength, using: &unused)
        }
    }
}

private struct BlobWriter {
    var bytes: [UInt8] = []
    mutating func u16(_ value: UInt16) { bytes.append(UInt8(value & 0xFF)); bytes.append(UInt8(value >> 8)) }
    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}

private struct BlobReader {
    let bytes: [UInt8]
    var offset = 0

    mutating func take(_ count: Int, field: String) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw TwoTowerModelError.truncated(field: field, offset: offset, needed: count, available: bytes.count - offset)
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func u8(_ field: String) throws -> UInt8 {
        let slice = try take(1, field: field)
        return slice[slice.startIndex]
    }

    mutating func u16(_ field: String) throws -> UInt16 {
        let slice = try take(2, field: field)
        return UInt16(slice[slice.startIndex]) | UInt16(slice[slice.startIndex + 1]) << 8
    }

    mutating func u32(_ field: String) throws -> UInt32 {
        let slice = try take(4, field: field)
        var value: UInt32 = 0
        for (shift, byte) in slice.enumerated() { value |= UInt32(byte) << UInt32(8 * shift) }
        return value
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as in zlib and PNG.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
