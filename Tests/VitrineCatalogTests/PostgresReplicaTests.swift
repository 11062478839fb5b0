import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

/// The PostgreSQL test server from `VITRINE_TEST_POSTGRES_URL` (`.ci/run` sets it; under `CI=true`
/// these tests run and fail without it).
enum ReplicaTestServer {
    static let url = ProcessInfo.processInfo.environment["VITRINE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let isRequested = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// A URL naming a fresh schema of the test database.
    static func freshCatalogURL() throws -> String {
        guard let url else { throw StoreError.invalidArgument(name: "VITRINE_TEST_POSTGRES_URL", reason: "not set but CI=true") }
        let schema = "r_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        return url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
    }
}

/// Several catalogs (as several `vitrine serve` replicas would hold them) on one PostgreSQL database.
@Suite(.enabled(if: ReplicaTestServer.isRequested, "set VITRINE_TEST_POSTGRES_URL (CI=true always runs these)"))
struct PostgresReplicaTests {
    private func open(_ url: String) throws -> Catalog {
        try Catalog.open(location: url, options: CatalogOptions(encoders: testEncoders))
    }

    @Test func writesThroughOneCatalogShowUpInAnotherAfterCatchUp() throws {
        let url = try ReplicaTestServer.freshCatalogURL()
        let writer = try open(url)
        let replica = try open(url)
        try addTestItems(writer)
        #expect(replica.count == 0, "a replica answers from memory until it catches up")
        #expect(try replica.catchUp() > 0)
        #expect(replica.count == writer.count)
        let expected = try writer.similarItems(to: "chair", limit: 5).map(\.item.id)
        #expect(try replica.similarItems(to: "chair", limit: 5).map(\.item.id) == expected)
        #expect(try replica.catchUp() == 0, "nothing new: nothing applied")

        // Replace, delete, and events (events are read from the store per request).
        try writer.addItem(NewItem(Item(id: "chair", title: "Steel lamp light", description: "Steel lamp light", tags: ["lighting"])))
        try writer.removeItem("scarf")
        _ = try writer.record(events: [Interaction(user: "ada", item: "table", kind: .like)])
        try replica.catchUp()
        #expect(replica.item("scarf") == nil)
        #expect(replica.item("chair")?.tags == ["lighting"])
        #expect(try replica.similarItems(to: "lamp", limit: 1).first?.item.id == "chair")
        #expect(try replica.recommendations(for: "ada").historyCount == 1, "events written through another catalog are seen")
        #expect(replica.appliedChangeSequence > 0)
        // A catalog opened late loads everything without replaying the log.
        let late = try open(url)
        #expect(late.count == replica.count)
        #expect(try late.catchUp() == 0)
    }

    /// A replica restarted on a PostgreSQL catalog reads its local index snapshot when nothing changed
    /// since it was saved; a write through any replica makes it stale, and a replica that caught up
    /// with that write can save a current one again.
    @Test func aRestartedReplicaOpensFromItsSnapshotOnlyWhileItIsCurrent() throws {
        let url = try ReplicaTestServer.freshCatalogURL()
        let directory = try TemporaryDirectory()
        var options = CatalogOptions(encoders: testEncoders)
        options.indexSnapshotDirectory = directory.path("snapshots").path
        let writer = try Catalog.open(location: url, options: options)
        try addTestItems(writer)
        #expect(try writer.saveIndexSnapshot())
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path("snapshots").path)
        #expect(files.count == 1 && files[0].hasSuffix("-index") && !files[0].contains("/"), "\(files)")

        let restarted = try Catalog.open(location: url, options: options)
        #expect(restarted.opening == .snapshot)
        let expected = try writer.similarItems(to: "chair", limit: 5).map(\.item.id)
        #expect(try restarted.similarItems(to: "chair", limit: 5).map(\.item.id) == expected)
        // Events do not touch the indexes: the snapshot stays current.
        _ = try writer.record(events: [Interaction(user: "ada", item: "table", kind: .like)])
        #expect(try Catalog.open(location: url, options: options).opening == .snapshot)

        // A write through another replica: stale.
        try writer.addItem(NewItem(Item(id: "lamp-2", title: "Brass lamp", description: "Brass lamp light", tags: ["lighting"])))
        let late = try Catalog.open(location: url, options: options)
        #expect(late.opening != .snapshot && late.item("lamp-2") != nil)
        // The restarted replica catches up, knows the store's generation again, and saves a current snapshot.
        try restarted.catchUp()
        #expect(try restarted.saveIndexSnapshot())
        let again = try Catalog.open(location: url, options: options)
        #expect(again.opening == .snapshot && again.item("lamp-2") != nil && again.count == writer.count)
        // Without a snapshot folder a server catalog keeps none.
        #expect(try !Catalog.open(location: url, options: CatalogOptions(encoders: testEncoders)).saveIndexSnapshot())
    }

    @Test func aReplicaTakesTheFusionWeightAnotherCatalogFitted() throws {
        let url = try ReplicaTestServer.freshCatalogURL()
        // The grid image encoder, so pictures tell the fixture's categories apart.
        let options = CatalogOptions(encoders: .testing(), vectorPrecision: .float32)
        let writer = try Catalog.open(location: url, options: options)
        let replica = try Catalog.open(location: url, options: options)
        let folder = try FusionWeightCatalogTests.makeFolder()
        _ = try writer.index(folder: folder.path("catalog"))
        #expect(writer.fusionWeightFit.source == .categories)
        #expect(replica.fusionWeightFit.source == .balanced, "nothing applied yet")
        try replica.catchUp()
        #expect(replica.fusionWeightFit == writer.fusionWeightFit)
        let query = QueryOptions(limit: 5, includeNearDuplicates: true)
        #expect(try replica.similarItems(to: "cat-1", options: query).map(\.score) == writer.similarItems(to: "cat-1", options: query).map(\.score))
    }

    @Test func aFollowingReplicaSeesAWriteWithinASecond() throws {
        let url = try ReplicaTestServer.freshCatalogURL()
        let writer = try open(url)
        let replica = try open(url)
        let follower = try #require(replica.followChanges(pollInterval: 0.5))
        defer { follower.stop() }
        try addTestItems(writer)
        let deadline = Date().addingTimeInterval(1.5)
        while replica.count < writer.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(replica.count == writer.count, "the replica did not catch up within 1.5 s")
    }
}
