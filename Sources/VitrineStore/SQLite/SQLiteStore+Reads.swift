import Foundation
import VitrineCore

/// `CatalogStore` reads, each in its own snapshot on a read connection.
extension SQLiteStore {
    // MARK: Items

    public func item(id: String) throws -> StoredItem? { try read { try $0.fetchItem(id: id) } }

    public func items(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] {
        try read { try $0.fetchItems(offset: offset, limit: limit, tag: tag) }
    }

    public func itemCount(tag: String?) throws -> Int { try read { try $0.countItems(tag: tag) } }

    public func contentHashes() throws -> [String: String] { try read { try $0.fetchContentHashes() } }

    // MARK: Vectors and models

    public func vectors(for itemID: String) throws -> [StoredVector] { try read { try $0.fetchVectors(itemID: itemID) } }

    public func vectorMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix {
        try read { try $0.fetchMatrix(modality: modality, modelID: modelID) }
    }

    public func currentModel(for modality: Modality) throws -> String? { try read { try $0.currentModel(for: modality) } }

    public func staleVectors(modality: Modality) throws -> StaleVectorReport { try read { try $0.staleVectors(modality: modality) } }

    public func itemsMissingVectors(modality: Modality) throws -> [String] {
        try read { try $0.itemsMissingVectors(modality: modality) }
    }

    // MARK: Events

    public func events(for userID: String) throws -> [Interaction] { try read { try $0.fetchEvents(userID: userID) } }

    public func allEvents() throws -> [Interaction] { try read { try $0.fetchEvents(userID: nil) } }

    public func eventCount(for userID: String?) throws -> Int { try read { try $0.countEvents(userID: userID) } }

    public func userIDs() throws -> [String] { try read { try $0.fetchUserIDs() } }

    // MARK: Trained models and meta

    public func latestTrainedModel(named name: String) throws -> TrainedModelBlob? { try read { try $0.latestTrainedModel(name: name) } }

    public func latestTrainedModelRevision(named name: String) throws -> TrainedModelRevision? {
        try read { try $0.latestTrainedModelRevision(name: name) }
    }

    public func metaValue(for key: String) throws -> String? { try read { try $0.metaValue(key: key) } }

    /// The committed catalog generation (see `CatalogStore.catalogGeneration()`), kept by triggers.
    public func catalogGeneration() throws -> Int64? {
        try metaValue(for: Migrations.catalogGenerationKey).flatMap { Int64($0) }
    }
}
