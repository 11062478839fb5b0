import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import VitrineCatalog
import VitrineCore
import VitrineServer
import VitrineStore

/// A database outage as the server sees it: the store throws `StoreError.unavailable` (what
/// `PostgresStore` throws while PostgreSQL is down), reads from memory keep answering, writes get a
/// clear 503 with Retry-After, and once the store is back writes succeed again.
@Suite struct StoreOutageTests {
    @Test func writesGet503WhileTheStoreIsDownAndReadsAnswerFromMemory() async throws {
        let store = try OutageStore()
        let server = try outageServer(store)
        let app = Application(router: server.makeRouter())
        try await app.test(.router) { client in
            store.isDown = true
            try await client.execute(uri: "/items/sweater/similar?k=2", method: .get) { response in
                #expect(response.status == .ok, "similar items come from memory: \(errorMessage(response))")
            }
            let event = #"[{"item": "scarf", "kind": "like"}]"#
            try await client.execute(uri: "/users/ada/events", method: .post, headers: [.contentType: "application/json"],
                                     body: jsonBody(event)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(errorMessage(response).contains("unavailable"))
            }
            try await client.execute(uri: "/items/lamp", method: .delete) { response in
                #expect(response.status == .serviceUnavailable)
            }
            store.isDown = false
            try await client.execute(uri: "/users/ada/events", method: .post, headers: [.contentType: "application/json"],
                                     body: jsonBody(event)) { response in
                #expect(response.status == .created)
            }
        }
        #expect(try store.eventCount() == 1, "only the event acknowledged with 201 is stored")
        #expect(try store.item(id: "lamp") != nil)
    }
}

/// A server over three text-only items in an `OutageStore`.
private func outageServer(_ store: OutageStore) throws -> VitrineServer {
    struct NoImageModel: Error {}
    let encoders = EncoderProvider(imageModelID: "none", textModelID: "letters", imageDimension: 4, textDimension: 8,
                                   makeImageEncoder: { throw NoImageModel() }, makeTextEncoder: { GatedTextEncoder(gate: Gate()) })
    let catalog = try Catalog(store: store, options: CatalogOptions(encoders: encoders))
    for (id, text) in [("sweater", "Red wool sweater"), ("scarf", "Green wool scarf"), ("lamp", "Steel desk lamp")] {
        try catalog.addItem(NewItem(Item(id: id, title: text, description: text)))
    }
    var configuration = ServerConfiguration()
    configuration.uploadsFolder = store.folder.appendingPathComponent("uploads")
    return VitrineServer(catalog: catalog, configuration: configuration)
}

/// An SQLite store that, while `isDown`, fails every call as a PostgreSQL store does during an outage.
final class OutageStore: CatalogStore, @unchecked Sendable {
    let folder: URL
    private let base: SQLiteStore
    private let lock = NSLock()
    private var down = false

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-outage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        base = try SQLiteStore(path: folder.appendingPathComponent("catalog.sqlite").path)
    }

    var isDown: Bool {
        get { lock.lock(); defer { lock.unlock() }; return down }
        set { lock.lock(); down = newValue; lock.unlock() }
    }

    private func checked<T>(_ body: () throws -> T) throws -> T {
        if isDown { throw StoreError.unavailable(location: location, operation: "test outage", message: "connection refused") }
        return try body()
    }

    var location: String { "postgres://test@127.0.0.1:1/outage" }
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try checked { try base.write(body) } }
    func item(id: String) throws -> StoredItem? { try checked { try base.item(id: id) } }
    func items(offset: Int, limit: Int, tag: String?) throws -> [StoredItem] { try checked { try base.items(offset: offset, limit: limit, tag: tag) } }
    func itemCount(tag: String?) throws -> Int { try checked { try base.itemCount(tag: tag) } }
    func contentHashes() throws -> [String: String] { try checked { try base.contentHashes() } }
    func vectors(for itemID: String) throws -> [StoredVector] { try checked { try base.vectors(for: itemID) } }
    func vectorMatrix(modality: Modality, modelID: String?) throws -> VectorMatrix {
        try checked { try base.vectorMatrix(modality: modality, modelID: modelID) }
    }
    func currentModel(for modality: Modality) throws -> String? { try checked { try base.currentModel(for: modality) } }
    func staleVectors(modality: Modality) throws -> StaleVectorReport { try checked { try base.staleVectors(modality: modality) } }
    func itemsMissingVectors(modality: Modality) throws -> [String] { try checked { try base.itemsMissingVectors(modality: modality) } }
    func events(for userID: String) throws -> [Interaction] { try checked { try base.events(for: userID) } }
    func allEvents() throws -> [Interaction] { try checked { try base.allEvents() } }
    func eventCount(for userID: String?) throws -> Int { try checked { try base.eventCount(for: userID) } }
    func userIDs() throws -> [String] { try checked { try base.userIDs() } }
    func latestTrainedModel(named name: String) throws -> TrainedModelBlob? { try checked { try base.latestTrainedModel(named: name) } }
    func latestTrainedModelRevision(named name: String) throws -> TrainedModelRevision? {
        try checked { try base.latestTrainedModelRevision(named: name) }
    }
    func metaValue(for key: String) throws -> String? { try checked { try base.metaValue(for: key) } }
    func info() throws -> StoreInfo { try checked { try base.info() } }
    func integrityCheck() throws -> [String] { try checked { try base.integrityCheck() } }
}
