import Foundation
import PostgresNIO

/// `LISTEN`s on a store's channel on its own connection and calls the handler for every
/// notification. A background thread watches the connection and reopens it after an outage
/// (calling the handler once after each reconnect, since notifications sent meanwhile are lost).
final class PostgresChangeListener: ChangeSubscription, @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var connection: BlockingConnection?

    init(store: PostgresStore, handler: @escaping @Sendable () -> Void) {
        let address = store.address, searchPath = store.searchPath, channel = store.notificationChannel
        let timeout = store.options.connectTimeoutSeconds, name = store.applicationName
        let thread = Thread { [self] in
            var connectedBefore = false
            while !isCancelled {
                if connection?.isClosed ?? true {
                    do {
                        let opened = try BlockingConnection.open(address, searchPath: searchPath, applicationName: name,
                                                                connectTimeoutSeconds: timeout)
                        opened.connection.addListener(channel: channel) { _, _ in handler() }
                        try opened.simple("LISTEN \"\(channel)\"", operation: "listen for changes")
                        lock.lock()
                        connection = opened
                        lock.unlock()
                        if connectedBefore { handler() }
                        connectedBefore = true
                    } catch {
                        Thread.sleep(forTimeInterval: 1)
                        continue
                    }
                }
                Thread.sleep(forTimeInterval: 0.25)
            }
            lock.lock()
            connection?.close()
            connection = nil
            lock.unlock()
        }
        thread.name = "vitrine-postgres-listen"
        thread.start()
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }
}
