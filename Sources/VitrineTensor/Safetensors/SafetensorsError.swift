/// Why a safetensors file could not be read or did not match what a model expects.
/// Every case names the file, and the tensor where one is involved.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case unreadable(file: String, reason: String)
    /// The 8-byte length prefix or the JSON header is malformed.
    case badHeader(file: String, reason: String)
    /// A tensor's entry in the header is malformed (dtype/shape/offsets missing or inconsistent).
    case badTensorEntry(file: String, tensor: String, reason: String)
    /// The file ends before the bytes of `tensor` (or before the header) end.
    case truncated(file: String, tensor: String?, needed: Int, available: Int)
    /// A tensor the model needs is not in the file.
    case missingTensor(file: String, tensor: String)
    /// The file holds a tensor the model does not use.
    case unexpectedTensor(file: String, tensor: String)
    /// A tensor has a different shape than the model expects.
    case shapeMismatch(file: String, tensor: String, expected: [Int], found: [Int])
    /// A tensor's dtype cannot be converted to Float, or is not allowed here.
    case unsupportedDType(file: String, tensor: String, dtype: String)

    /// A message a person can act on without the source.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read safetensors file: \(reason)"
        case let .badHeader(file, reason):
            "\(file): bad safetensors header: \(reason)"
        case let .badTensorEntry(file, tensor, reason):
            "\(file): tensor '\(tensor)': bad header entry: \(reason)"
        case let .truncated(file, tensor, needed, available):
            if let tensor {
                "\(file): truncated: tensor '\(tensor)' needs bytes up to \(needed), file data has \(available)"
            } else {
                "\(file): truncated: header needs \(needed) bytes, file has \(available)"
            }
        case let .missingTensor(file, tensor):
            "\(file): missing tensor '\(tensor)'"
        case let .unexpectedTensor(file, tensor):
            "\(file): unexpected tensor '\(tensor)' (not used by the model)"
        case let .shapeMismatch(file, tensor, expected, found):
            "\(file): tensor '\(tensor)' has shape \(found), expected \(expected)"
        case let .unsupportedDType(file, tensor, dtype):
            "\(file): tensor '\(tensor)' has dtype \(dtype), which is not supported here"
        }
    }
}
