import Foundation

/// Element types of safetensors tensors that convert to Float.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    /// IEEE single precision.
    case f32 = "F32"
    /// IEEE half precision.
    case f16 = "F16"
    /// bfloat16 (the upper half of a Float).
    case bf16 = "BF16"

    /// Bytes per element.
    public var byteCount: Int { self == .f32 ? 4 : 2 }
}

/// One tensor's header entry: name, dtype, shape and where its bytes lie.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    /// Name in the file.
    public var name: String
    /// dtype as written in the file ("F32", "F16", "I64", ...).
    public var dtypeName: String
    /// The dtype when it is one VitrineTensor converts, else nil.
    public var dtype: SafetensorsDType? { SafetensorsDType(rawValue: dtypeName) }
    /// Extent of each dimension.
    public var shape: [Int]
    /// Byte range within the data section (after the header).
    public var dataRange: Range<Int>
}

/// A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header
/// (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`), then data.
///
/// Opening validates the whole header against the file size, so a truncated file fails here,
/// naming the first tensor whose bytes are missing.
public struct SafetensorsFile: Sendable {
    /// File name used in error messages.
    public let fileName: String
    /// Header entries by tensor name.
    public let tensors: [String: SafetensorsTensorInfo]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Maps and parses the file at `url`.
    public init(contentsOf url: URL) throws(SafetensorsError) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(data: data, fileName: url.path)
    }

    /// Parses safetensors bytes already in memory; `fileName` names them in errors.
    public init(data: Data, fileName: String) throws(SafetensorsError) {
        self.fileName = fileName
        self.data = data
        guard data.count >= 8 else { throw .truncated(file: fileName, tensor: nil, needed: 8, available: data.count) }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) }
        guard headerLength <= 100_000_000 else {
            throw .badHeader(file: fileName, reason: "header length \(headerLength) is implausibly large")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= data.count else {
            throw .truncated(file: fileName, tensor: nil, needed: headerEnd, available: data.count)
        }
        dataStart = headerEnd
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: data.startIndex + 8 ..< data.startIndex + headerEnd))
        } catch {
            throw .badHeader(file: fileName, reason: "header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else {
            throw .badHeader(file: fileName, reason: "header is not a JSON object")
        }
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        let available = data.count - headerEnd
        for (name, value) in entries.sorted(by: { $0.key < $1.key }) { // sorted: errors name a stable tensor
            if name == "__metadata__" {
                guard let map = value as? [String: String] else {
                    throw .badHeader(file: fileName, reason: "__metadata__ is not a string map")
                }
                metadata = map
                continue
            }
            let info = try Self.parseEntry(name: name, value: value, file: fileName)
            guard info.dataRange.upperBound <= available else {
                throw .truncated(file: fileName, tensor: name, needed: info.dataRange.upperBound, available: available)
            }
            tensors[name] = info
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    private static func parseEntry(name: String, value: Any, file: String) throws(SafetensorsError) -> SafetensorsTensorInfo {
        func bad(_ reason: String) -> SafetensorsError { .badTensorEntry(file: file, tensor: name, reason: reason) }
        guard let entry = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dtype = entry["dtype"] as? String else { throw bad("dtype missing") }
        guard let shapeValues = entry["shape"] as? [Any], let shape = integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
            throw bad("shape missing or not a list of non-negative integers")
        }
        guard let offsetValues = entry["data_offsets"] as? [Any], let offsets = integers(offsetValues),
              offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw bad("data_offsets missing or not [begin, end]")
        }
        let elements = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        if let known = SafetensorsDType(rawValue: dtype), offsets[1] - offsets[0] != elements * known.byteCount {
            throw bad("\(offsets[1] - offsets[0]) bytes for shape \(shape) of \(dtype)")
        }
        return SafetensorsTensorInfo(name: name, dtypeName: dtype, shape: shape, dataRange: offsets[0] ..< offsets[1])
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard let number = value as? NSNumber else { return nil }
            let integer = number.int64Value
            guard Double(integer) == number.doubleValue else { return nil } // 2.5 or 1e30 is not an offset
            result.append(Int(integer))
        }
        return result
    }

    /// The named tensor converted to Float.
    /// - Throws: ``SafetensorsError/missingTensor(file:tensor:)`` or ``SafetensorsError/unsupportedDType(file:tensor:dtype:)``.
    public func tensor(named name: String) throws(SafetensorsError) -> Tensor {
        guard let info = tensors[name] else { throw .missingTensor(file: fileName, tensor: name) }
        guard let dtype = info.dtype else { throw .unsupportedDType(file: fileName, tensor: name, dtype: info.dtypeName) }
        let count = info.shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + info.dataRange.lowerBound
            scalars.withUnsafeMutableBufferPointer { out in
                switch dtype {
                case .f32:
                    for i in 0..<count {
                        out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                case .bf16:
                    for i in 0..<count {
                        let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                        out[i] = Float(bitPattern: UInt32(bits) << 16)
                    }
                case .f16:
                    for i in 0..<count {
                        out[i] = floatFromHalf(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    }
                }
            }
        }
        return Tensor(shape: info.shape, scalars: scalars)
    }
}

/// IEEE half bits to Float, subnormals, infinities and NaN included.
func floatFromHalf(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = Int((bits >> 10) & 0x1f)
    let mantissa = UInt32(bits & 0x3ff)
    switch exponent {
    case 0:
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    case 31:
        return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
    default:
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
