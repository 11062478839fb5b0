import Foundation
import Hummingbird
import NIOCore
import Testing
import VitrineServer

#if canImport(Glibc)
import Glibc
#endif

/// Timeouts and the connection cap, against a real server on a loopback port with raw sockets: what a slow or
/// greedy client does cannot be simulated in-process.
@Suite(.timeLimit(.minutes(1))) struct ConnectionLimitTests {
    @Test func silentConnectionIsClosedAfterTheIdleTimeout() async throws {
        var configuration = ServerConfiguration()
        configuration.idleTimeoutSeconds = 1
        try await withLiveServer(configuration) { port in
            let socket = try await LoopbackSocket.connect(port: port)
            // Half a request head, then nothing.
            try await socket.send("GET /health HTTP/1.1\r\nHost: localhost\r\n")
            let start = ContinuousClock.now
            let reply = try await socket.receiveUntilClosed(seconds: 8)
            let elapsed = ContinuousClock.now - start
            #expect(reply.closed, "the server kept a silent connection open")
            #expect(elapsed < .seconds(5), "closed after \(elapsed)")
        }
    }

    @Test func tricklingBodyIsCutOffByTheBodyTimeout() async throws {
        var configuration = ServerConfiguration()
        configuration.idleTimeoutSeconds = 10  // never reached: a byte comes every 200 ms
        configuration.requestBodyTimeoutSeconds = 1
        try await withLiveServer(configuration) { port in
            let socket = try await LoopbackSocket.connect(port: port)
            try await socket.send("POST /search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{")
            let start = ContinuousClock.now
            var closedByServer = false
            while ContinuousClock.now - start < .seconds(8) {
                try await Task.sleep(for: .milliseconds(200))
                let sent = await socket.trySend(" ")
                let closed = try await socket.receiveUntilClosed(seconds: 0.01).closed
                if !sent || closed {
                    closedByServer = true
                    break
                }
            }
            let elapsed = ContinuousClock.now - start
            #expect(closedByServer, "a body trickled for 8 s was never cut off")
            #expect(elapsed >= .milliseconds(800) && elapsed < .seconds(5), "cut off after \(elapsed)")
            // The server itself is fine: a fresh connection is answered.
            let fresh = try await LoopbackSocket.connect(port: port)
            try await fresh.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(try await fresh.receiveUntilClosed(seconds: 5).text.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func connectionsBeyondTheCapWaitUntilOneCloses() async throws {
        var configuration = ServerConfiguration()
        configuration.maxConnections = 2
        try await withLiveServer(configuration) { port in
            let first = try await LoopbackSocket.connect(port: port), second = try await LoopbackSocket.connect(port: port)
            for socket in [first, second] {
                try await socket.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                #expect(try await socket.receive(seconds: 5).hasPrefix("HTTP/1.1 200"))
            }
            // The third is queued by the kernel, not served, while two are open.
            let third = try await LoopbackSocket.connect(port: port)
            try await third.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(try await third.receive(seconds: 1).isEmpty, "a third connection was served past a cap of 2")
            await first.close()
            #expect(try await third.receive(seconds: 5).hasPrefix("HTTP/1.1 200"))
            await second.close()
        }
    }
}

/// Runs `body` with the port of a real server over the shared fixture, listening on 127.0.0.1.
func withLiveServer(_ configuration: ServerConfiguration, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    var configuration = configuration
    configuration.port = 0
    let server = try ServerFixture.shared.get().server(configuration)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = server.makeApplication(onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw LoopbackSocket.Failure(step: "server did not report its port") }
        do {
            try await body(port)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

/// A blocking TCP client socket to 127.0.0.1; every call runs on a dispatch thread, never the cooperative pool.
final class LoopbackSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let step: String
        var description: String { "loopback socket: \(step) failed (errno \(errno))" }
    }

    // `@unchecked Sendable`: the descriptor is only used by one test at a time.
    private var descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func connect(port: Int) async throws -> LoopbackSocket {
        try await blocking {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(step: "socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else { Glibc.close(fd); throw Failure(step: "connect") }
            return LoopbackSocket(descriptor: fd)
        }
    }

    func send(_ text: String) async throws {
        guard await trySend(text) else { throw Failure(step: "send") }
    }

    /// Whether all of `text` was written (false once the server has closed the connection).
    func trySend(_ text: String) async -> Bool {
        let fd = descriptor
        return (try? await Self.blocking { () -> Bool in
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }) ?? false
    }

    /// What arrives within `seconds` (stops at the first chunk; "" when nothing came).
    func receive(seconds: Double) async throws -> String {
        try await read(seconds: seconds, untilClosed: false).text
    }

    /// Everything until the server closes the connection or `seconds` pass.
    func receiveUntilClosed(seconds: Double) async throws -> (text: String, closed: Bool) {
        try await read(seconds: seconds, untilClosed: true)
    }

    private func read(seconds: Double, untilClosed: Bool) async throws -> (text: String, closed: Bool) {
        let fd = descriptor
        return try await Self.blocking {
            var received: [UInt8] = []
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 0 else { return (String(decoding: received, as: UTF8.self), false) }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(max(1, remaining * 1000)))
                guard ready > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &chunk, chunk.count, 0)
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += chunk.prefix(count)
                if !untilClosed { return (String(decoding: received, as: UTF8.self), false) }
            }
        }
    }

    func close() async {
        let fd = descriptor
        descriptor = -1
        _ = try? await Self.blocking { Glibc.close(fd) }
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    private static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
