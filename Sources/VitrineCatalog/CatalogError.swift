import Foundation
import VitrineStore

/// What can go wrong in the catalog service, each case naming the item, file or setting involved.
/// Per-file indexing trouble is not an error: it is collected as `IndexingProblem`s and the run continues.
public enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The folder to index does not exist, is not a folder, or cannot be listed.
    case folderUnreadable(path: String, reason: String)
    /// No item with this id is in the catalog.
    case unknownItem(id: String)
    /// The item exists but has no vector of the requested kind (e.g. image similarity for a text-only item).
    case missingVector(id: String, modality: String)
    /// An encoder could not be loaded (weights missing or invalid).
    case encoderUnavailable(modality: String, reason: String)
    /// A query or item input is unusable (empty text, undecodable image, bad id).
    case invalidInput(field: String, reason: String)
    /// An item id is already taken (for `addItem` without replacement).
    case duplicateItem(id: String)
    /// The store failed (cannot be opened or written).
    case store(StoreError)
    /// Building or querying the in-memory index failed.
    case index(reason: String)

    /// A sentence that explains the problem without the source.
    public var description: String {
        switch self {
        case let .folderUnreadable(path, reason): return "cannot read catalog folder '\(path)': \(reason)"
        case let .unknownItem(id): return "no item with id '\(id)' in the catalog"
        case let .missingVector(id, modality): return "item '\(id)' has no \(modality) vector (it has no usable \(modality == "image" ? "picture" : "text"))"
        case let .encoderUnavailable(modality, reason): return "the \(modality) encoder could not be loaded: \(reason)"
        case let .invalidInput(field, reason): return "invalid \(field): \(reason)"
        case let .duplicateItem(id): return "item id '\(id)' already exists"
        case let .store(error): return error.description
        case let .index(reason): return "vector index: \(reason)"
        }
    }

    /// Runs `body`, turning store and core errors into `CatalogError`.
    static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as CatalogError { throw error } catch let error as StoreError {
            throw CatalogError.store(error)
        } catch { throw CatalogError.index(reason: "\(error)") }
    }
}
