import Foundation
import Testing
import VitrineServer

@Suite struct EncoderQueueTests {
    @Test func fullQueueRefusesTheNextJobWhileOthersRun() async throws {
        let queue = EncoderQueue(maxRunning: 2, maxWaiting: 1, retryAfterSeconds: 7)
        let gate = Gate(), active = ActiveCount()
        let watchdog = gate.opening(after: .seconds(90))
        defer { watchdog.cancel() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for job in 0..<3 {
                group.addTask { try await queue.run { active.during { gate.pass() }; return job } }
            }
            // Two hold slots (their dispatch threads may start later: other tests block the pool too), one waits.
            try await waitUntil { queue.depth == (running: 2, waiting: 1) }
            // The (N + M + 1)-th job is refused at once, with the queue's Retry-After.
            await #expect(throws: ServerError.encoderBusy(retryAfterSeconds: 7)) { try await queue.run { -1 } }
            gate.open(passes: 3)
            var finished: [Int] = []
            for try await job in group { finished.append(job) }
            #expect(finished.sorted() == [0, 1, 2])
        }
        #expect(active.most <= 2)
        #expect(queue.depth == (running: 0, waiting: 0))
    }

    @Test func slotIsGivenBackWhenAJobThrows() async throws {
        struct EncoderFailed: Error {}
        let queue = EncoderQueue(maxRunning: 1, maxWaiting: 0, retryAfterSeconds: 1)
        for _ in 0..<3 {
            await #expect(throws: EncoderFailed.self) { try await queue.run { () throws -> Int in throw EncoderFailed() } }
        }
        #expect(queue.depth == (running: 0, waiting: 0))
        // With no room to wait, this only runs if every failed job gave its slot back.
        #expect(try await queue.run { 42 } == 42)
    }

    @Test func cancelledWaiterGivesUpItsPlace() async throws {
        let queue = EncoderQueue(maxRunning: 1, maxWaiting: 1, retryAfterSeconds: 1)
        let gate = Gate()
        let watchdog = gate.opening(after: .seconds(90))
        defer { watchdog.cancel() }
        let running = Task { try await queue.run { gate.pass() } }
        try await waitUntil { queue.depth.running == 1 }
        let waiting = Task { try await queue.run { 1 } }
        try await waitUntil { queue.depth.waiting == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(queue.depth == (running: 1, waiting: 0))
        // The freed place takes a new waiter, which runs once the slot is released.
        let next = Task { try await queue.run { 2 } }
        try await waitUntil { queue.depth.waiting == 1 }
        gate.open(passes: 1)
        try await running.value
        #expect(try await next.value == 2)
        #expect(queue.depth == (running: 0, waiting: 0))
    }
}

/// A barrier blocking jobs (on their dispatch threads) until the test opens it.
final class Gate: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// Blocks until the gate lets one job through.
    func pass() { semaphore.wait() }

    /// Lets `passes` blocked (or future) jobs through.
    func open(passes: Int) { for _ in 0..<passes { semaphore.signal() } }

    /// Opens the gate wide after `delay` unless cancelled, so a broken queue fails the test instead of hanging it.
    func opening(after delay: Duration) -> Task<Void, Never> {
        Task {
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            open(passes: 100)
        }
    }
}

/// The most jobs that were ever inside `during` at once.
final class ActiveCount: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0, peak = 0

    var most: Int { lock.withLock { peak } }

    func during(_ body: () -> Void) {
        lock.withLock {
            current += 1
            peak = max(peak, current)
        }
        body()
        lock.withLock { current -= 1 }
    }
}

/// A condition `waitUntil` polled never held.
struct ConditionTimedOut: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "condition not reached within \(seconds) s" }
}

/// Polls `condition` every 10 ms for up to `seconds` (generous: in the whole suite, tests running the real
/// encoders can hold both cooperative threads for many seconds; the gates' 90 s watchdogs open after it).
/// - Throws: `ConditionTimedOut` when it never holds.
func waitUntil(seconds: Double = 60, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            throw ConditionTimedOut(seconds: seconds)
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
