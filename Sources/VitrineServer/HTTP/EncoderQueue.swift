import Foundation

/// The bounded queue every encoder call of the server goes through (search by picture or text, `POST /items`,
/// onboarding text): at most `maxRunning` jobs run at once and at most `maxWaiting` wait for a slot; a job
/// beyond that is refused at once with `ServerError.encoderBusy`, which the server answers with 503 and
/// `Retry-After`. A flood of uploads therefore costs a bounded amount of memory and CPU, and reads that need
/// no encoder never queue behind it.
///
/// Waiting suspends the request's task (a continuation), never a thread; the work itself still runs on a
/// dispatch queue (`offload`), off Swift's cooperative pool and the event loops.
public final class EncoderQueue: @unchecked Sendable {
    /// Most jobs running at once.
    public let maxRunning: Int
    /// Most jobs waiting for a slot; one more is refused.
    public let maxWaiting: Int
    /// What a refused request is told to wait before retrying, in seconds.
    public let retryAfterSeconds: Int

    // `@unchecked Sendable`: `lock` guards `state`, and everything else is immutable.
    private let lock = NSLock()
    private var state = State()

    private struct State {
        var running = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    /// A queue with `maxRunning` slots (at least 1) and room for `maxWaiting` waiting jobs (at least 0).
    public init(maxRunning: Int, maxWaiting: Int, retryAfterSeconds: Int) {
        self.maxRunning = max(1, maxRunning)
        self.maxWaiting = max(0, maxWaiting)
        self.retryAfterSeconds = max(0, retryAfterSeconds)
    }

    /// Jobs holding a slot and jobs waiting for one, now (for metrics; it may change as soon as it is read).
    public var depth: (running: Int, waiting: Int) {
        lock.withLock { (state.running, state.waiters.count) }
    }

    /// Runs `work` on a dispatch queue once a slot is free and returns its result; the slot is given back
    /// whether `work` returns or throws.
    /// - Throws: `ServerError.encoderBusy` when all slots run and `maxWaiting` jobs already wait;
    ///   `CancellationError` when the task is cancelled while waiting; whatever `work` throws.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquireSlot()
        defer { releaseSlot() }
        return try await offload(work)
    }

    private func acquireSlot() async throws {
        let id = lock.withLock { () -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        // Admission is decided in one locked step inside the continuation, so a burst of requests can never
        // count more than `maxWaiting` waiters.
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let decided = lock.withLock { () -> Result<Void, any Error>? in
                    if state.running < maxRunning {
                        state.running += 1
                        return .success(())
                    }
                    guard state.waiters.count < maxWaiting else {
                        return .failure(ServerError.encoderBusy(retryAfterSeconds: retryAfterSeconds))
                    }
                    // Cancelled before it could wait: `onCancel` already ran and found nothing to remove.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let decided { continuation.resume(with: decided) }
            }
        } onCancel: {
            // A client that gave up frees its waiting place; a job already handed a slot runs to the end.
            let cancelled = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Hands the slot to the longest-waiting job, or frees it.
    private func releaseSlot() {
        let next = lock.withLock { () -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
