// Errors raised by VitrineCore. Every case names the thing that was wrong so a caller
// (store, server, CLI) can report it without reading this source.

/// An error from VitrineCore's vector, index, profile or evaluation code.
public enum VitrineCoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A vector had the wrong length for the space it was given to.
    case dimensionMismatch(field: String, expected: Int, actual: Int)
    /// A vector contained NaN or infinity.
    case nonFiniteVector(field: String)
    /// A vector had zero length, so it has no direction to compare.
    case zeroVector(field: String)
    /// An item id is not present in the index or catalog.
    case unknownItem(id: String)
    /// An item has neither an image vector nor a text vector.
    case missingVectors(id: String)
    /// An option was outside its allowed range.
    case invalidOption(name: String, reason: String)
    /// A linear system was not positive definite (a degenerate ridge problem).
    case notPositiveDefinite(size: Int)
    /// An index snapshot file could not be written, or read back whole and intact.
    case snapshotUnreadable(file: String, reason: String)

    /// A message naming the field or item and what is wrong with it.
    public var description: String {
        switch self {
        case .dimensionMismatch(let field, let expected, let actual):
            return "\(field): expected a vector of \(expected) values, got \(actual)"
        case .nonFiniteVector(let field):
            return "\(field): vector contains NaN or infinity"
        case .zeroVector(let field):
            return "\(field): vector has zero length and cannot be normalized"
        case .unknownItem(let id):
            return "unknown item id '\(id)'"
        case .missingVectors(let id):
            return "item '\(id)' has neither an image vector nor a text vector"
        case .invalidOption(let name, let reason):
            return "option \(name): \(reason)"
        case .notPositiveDefinite(let size):
            return "the \(size)×\(size) ridge system is not positive definite"
        case .snapshotUnreadable(let file, let reason):
            return "index snapshot \(file): \(reason)"
        }
    }
}
