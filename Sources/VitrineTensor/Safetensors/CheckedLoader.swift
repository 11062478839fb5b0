import Foundation

extension SafetensorsFile {
    /// Loads exactly the tensors a model expects, verifying the file against `expected`.
    ///
    /// Every name in `expected` must be present with exactly that shape and an allowed dtype;
    /// every tensor in the file must be expected or listed in `ignoring` (buffers a model does
    /// not need, like `position_ids`). Problems are reported in a stable order (missing, then
    /// unexpected, then shape, then dtype; names sorted) naming the tensor.
    /// - Returns: The tensors by file name, converted to Float.
    public func loadChecked(
        expected: [String: [Int]],
        ignoring: Set<String> = [],
        allowedDTypes: Set<SafetensorsDType> = Set(SafetensorsDType.allCases)
    ) throws(SafetensorsError) -> [String: Tensor] {
        for name in expected.keys.sorted() where tensors[name] == nil {
            throw .missingTensor(file: fileName, tensor: name)
        }
        for name in tensors.keys.sorted() where expected[name] == nil && !ignoring.contains(name) {
            throw .unexpectedTensor(file: fileName, tensor: name)
        }
        for (name, shape) in expected.sorted(by: { $0.key < $1.key }) {
            guard let info = tensors[name] else { continue }
            if info.shape != shape {
                throw .shapeMismatch(file: fileName, tensor: name, expected: shape, found: info.shape)
            }
            guard let dtype = info.dtype, allowedDTypes.contains(dtype) else {
                throw .unsupportedDType(file: fileName, tensor: name, dtype: info.dtypeName)
            }
        }
        var loaded: [String: Tensor] = [:]
        for name in expected.keys { loaded[name] = try tensor(named: name) }
        return loaded
    }
}

/// Writes tensors in the safetensors format (F32 only), e.g. for fixtures and exported vectors.
public func safetensorsData(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> [UInt8] {
    var header: [String] = []
    var offset = 0
    let sorted = tensors.sorted { $0.key < $1.key }
    if !metadata.isEmpty {
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
        header.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    for (name, tensor) in sorted {
        let bytes = tensor.count * 4
        header.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}")
        offset += bytes
    }
    var json = Array("{\(header.joined(separator: ","))}".utf8)
    while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
    var out: [UInt8] = []
    out.reserveCapacity(8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: json)
    for (_, tensor) in sorted {
        for value in tensor.scalars {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
    }
    return out
}

private func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
