import Foundation
import Testing
import VitrineCore
import VitrineTensor

@Suite struct TrainingSerializationTests {
    /// zlib's CRC-32, recomputed here so the tests can forge blobs with a valid checksum.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func resealed(_ blob: [UInt8]) -> [UInt8] {
        var bytes = Array(blob.dropLast(4))
        let crc = crc32(bytes[...])
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((crc >> UInt32(shift)) & 0xFF)) }
        return bytes
    }

    @Test func roundTripPreservesWeightsConfigurationAndScores() throws {
        let model = try TrainingModelTests.tinyModel(pooling: .weightedMean)
        let blob = model.serialized()
        let restored = try TwoTowerModel(serialized: blob)
        #expect(restored == model)
        #expect(restored.configuration.pooling == .weightedMean && restored.configuration.itemIDCount == 5)
        #expect(try TwoTowerModel(serializedData: model.serializedData()) == model)
        let items = TrainingModelTests.tinyItems()
        let ids: [Int?] = [0, 1, nil, 3, 4, nil]
        let (fromRestored, fromOriginal) = try Kernels.withStableVariant {
            (try restored.itemEmbeddings(features: items, ids: ids), try model.itemEmbeddings(features: items, ids: ids))
        }
        #expect(fromRestored == fromOriginal)
        // Header 4+4+24+4+4 bytes, per tensor 2+name+8 bytes + values, CRC 4: the blob is compact.
        let values = model.parameterNames.compactMap { model.parameter(named: $0)?.values.count }.reduce(0, +)
        let names = model.parameterNames.map(\.utf8.count).reduce(0, +)
        #expect(blob.count == 40 + model.parameterNames.count * 10 + names + 4 * values + 4)
        #expect(Array(blob.prefix(4)) == Array("VTTM".utf8))
    }

    @Test func everyTruncationIsRejectedAsTruncated() throws {
        let blob = try TrainingModelTests.tinyModel().serialized()
        for length in [0, 3, 7, 20, 40, 100, blob.count / 2, blob.count - 5, blob.count - 1] {
            do {
                _ = try TwoTowerModel(serialized: Array(blob.prefix(length)))
                Issue.record("a \(length)-byte prefix loaded")
            } catch let error as TwoTowerModelError {
                guard case .truncated = error else { Issue.record("prefix \(length): \(error)"); continue }
                #expect(error.description.contains("truncated"))
            }
        }
    }

    @Test func corruptedBlobsAreRejectedWithTypedErrors() throws {
        let blob = try TrainingModelTests.tinyModel().serialized()

        var flipped = blob
        flipped[40 + 2 + "item.hidden.weight".utf8.count + 8 + 1] ^= 0x40  // a bit of the first weight
        let checksumError = #expect(throws: TwoTowerModelError.self) { try TwoTowerModel(serialized: flipped) }
        if case .checksumMismatch = checksumError {} else { Issue.record("expected a checksum mismatch, got \(String(describing: checksumError))") }

        var magic = blob
        magic[0] = UInt8(ascii: "X")
        #expect(throws: TwoTowerModelError.badMagic(found: Array("XTTM".utf8))) { try TwoTowerModel(serialized: magic) }

        var version = blob
        version[4] = 9
        #expect(throws: TwoTowerModelError.unsupportedVersion(found: 9, supported: 2)) {
            try TwoTowerModel(serialized: version)
        }

        // Header says hiddenDimension 6 while the tensors were written for 5; the CRC is valid.
        var shape = blob
        shape[16] = 6
        #expect(throws: TwoTowerModelError.tensorShapeMismatch(name: "item.hidden.weight", expected: [9, 6], found: [9, 5])) {
            try TwoTowerModel(serialized: Self.resealed(shape))
        }

        var pooling = blob
        pooling[32] = 7
        #expect(throws: TwoTowerModelError.corruptHeader(field: "pooling", detail: "unknown value 7")) {
            try TwoTowerModel(serialized: Self.resealed(pooling))
        }

        // Renaming a tensor ("item.hidden.weight" → "item.hidden.weighx") leaves an unknown name.
        var renamed = blob
        let nameEnd = 40 + 2 + "item.hidden.weight".utf8.count - 1
        renamed[nameEnd] = UInt8(ascii: "x")
        #expect(throws: TwoTowerModelError.unexpectedTensor(name: "item.hidden.weighx")) {
            try TwoTowerModel(serialized: Self.resealed(renamed))
        }

        #expect(throws: TwoTowerModelError.corruptHeader(field: "length", detail: "1 bytes after the checksum")) {
            try TwoTowerModel(serialized: blob + [0])
        }
    }

    @Test func versionOneBlobsStillLoad() throws {
        // A version-1 blob is a version-2 one without the sequenceLength field (bytes 28..<32).
        let model = try TrainingModelTests.tinyModel()
        var blob = model.serialized()
        blob.removeSubrange(28..<32)
        blob[4] = 1
        #expect(try TwoTowerModel(serialized: Self.resealed(blob)) == model)
    }

    @Test func sequenceModelsRoundTripAndRejectAMissingBlockTensor() throws {
        let model = try SequenceTowerTests.tinyModel()
        let restored = try TwoTowerModel(serialized: model.serialized())
        #expect(restored == model && restored.configuration.sequenceLength == 4)
        #expect(restored.parameterNames.count == 14)
        // The same blob read as a pooling model's header: the block's tensors are then unexpected.
        var pooling = model.serialized()
        pooling[32] = TwoTowerPooling.attention.rawValue
        pooling.replaceSubrange(28..<32, with: [0, 0, 0, 0])
        #expect(throws: TwoTowerModelError.unexpectedTensor(name: "user.sequence.positions")) {
            try TwoTowerModel(serialized: Self.resealed(pooling))
        }
    }
}
