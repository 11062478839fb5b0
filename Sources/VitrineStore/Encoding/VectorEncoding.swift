import VitrineTensor
import Foundation

#if !_endian(little)
#error("VitrineStore stores vectors little-endian and copies them with memcpy; big-endian hosts are not supported")
#endif

/// Vector blobs: `dimension` little-endian components of the stored dtype, nothing else
/// (dtype, dimension and model live in their own columns). Decoding copies straight from
/// SQLite's buffer into the destination, with no intermediate arrays.
enum VectorEncoding {
    /// The blob for `values` stored as `dtype`.
    static func encode(_ values: [Float], as dtype: VectorDType) -> Data {
        switch dtype {
        case .float32:
            return values.withUnsafeBytes { Data($0) }
        case .float16:
            var data = Data(count: values.count * 2)
            data.withUnsafeMutableBytes { raw in
                let out = raw.bindMemory(to: UInt16.self)
                values.withUnsafeBufferPointer { input in
                    for index in 0 ..< input.count { out[index] = HalfPrecision.bits(from: input[index]) }
                }
            }
            return data
        }
    }

    /// Decodes `blob` (already checked to hold `destination.count` components) into `destination`.
    static func decode(_ blob: UnsafeRawBufferPointer, as dtype: VectorDType, into destination: UnsafeMutableBufferPointer<Float>) {
        guard let base = destination.baseAddress, !destination.isEmpty, let source = blob.baseAddress else { return }
        switch dtype {
        case .float32:
            memcpy(base, source, destination.count * 4)
        case .float16:
            for index in 0 ..< destination.count {
                let bits = blob.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)
                destination[index] = HalfPrecision.float(fromBits: bits)
            }
        }
    }

    /// Checks a vector before it is written.
    static func validate(_ vector: StoredVector, itemID: String) throws {
        let modality = vector.modality.rawValue
        guard !vector.values.isEmpty else {
            throw StoreError.invalidVector(itemID: itemID, modality: modality, reason: "it has no components")
        }
        guard !vector.modelID.isEmpty else {
            throw StoreError.invalidVector(itemID: itemID, modality: modality, reason: "the model id is empty")
        }
        if let bad = vector.values.firstIndex(where: { !$0.isFinite }) {
            throw StoreError.invalidVector(itemID: itemID, modality: modality,
                                           reason: "component \(bad) is \(vector.values[bad]), not a finite number")
        }
        if vector.dtype == .float16, let bad = vector.values.firstIndex(where: { abs($0) > 65504 }) {
            throw StoreError.invalidVector(itemID: itemID, modality: modality,
                                           reason: "component \(bad) = \(vector.values[bad]) exceeds the float16 range ±65504")
        }
    }
}
