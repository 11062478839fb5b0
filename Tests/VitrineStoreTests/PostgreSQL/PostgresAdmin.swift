import Foundation
import Logging
import NIOPosix
import PostgresNIO
import VitrineStore

/// Raw statements against the test server for what the store API must not offer: making a foreign
/// schema, killing a store's connections (as a server restart does).
enum PostgresAdmin {
    private static let logger = Logger(label: "vitrine.tests.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func withConnection<T>(_ address: PostgresAddress, _ body: (PostgresConnection) throws -> EventLoopFuture<T>) throws -> T {
        let configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: address.password, database: address.database, tls: .disable)
        let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: 1, logger: logger).wait()
        defer { try? connection.close().wait() }
        return try body(connection).wait()
    }

    /// Runs one statement.
    static func execute(on address: PostgresAddress, _ sql: String) throws {
        _ = try withConnection(address) { $0.simpleQuery(sql) }
    }

    /// Terminates every server backend the store has open (readers, writer, listener); returns how many.
    static func terminateBackends(of store: PostgresStore) throws -> Int {
        let rows = try withConnection(store.address) { connection in
            connection.query(PostgresQuery(unsafeSQL: """
                SELECT count(pg_terminate_backend(pid))::int8 FROM pg_stat_activity WHERE application_name = '\(store.applicationName)'
                """), logger: logger)
        }
        return try rows.rows.first?.decode(Int.self, context: .default) ?? 0
    }
}
