import Foundation
import VitrineCore
import VitrineStore

/// The change-log position a catalog's memory reflects, behind a lock.
final class ReplicationPosition: @unchecked Sendable {
    private let lock = NSLock()
    private var sequence: Int64

    init(_ sequence: Int64) { self.sequence = sequence }

    var value: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return sequence
    }

    /// Runs `body` with the position held, so two catch-ups never apply the same range twice at once.
    func advance(_ body: (Int64) throws -> Int64) rethrows {
        lock.lock()
        defer { lock.unlock() }
        sequence = try body(sequence)
    }
}

extension Catalog {
    /// The newest change-log sequence this catalog's in-memory indexes reflect (0 for a store without a log).
    public var appliedChangeSequence: Int64 { replication.value }

    /// Brings the in-memory indexes up to date with changes other processes committed to a shared
    /// store (`ChangeLogStore`): items added or replaced are read back with their vectors, deleted
    /// ones removed, and a changed model or imputer reloads everything. Events and trained models are
    /// read from the store per request already, so they need nothing here. Idempotent; a store
    /// without a change log (SQLite) has nothing to catch up.
    /// - Returns: the number of log entries applied.
    /// - Throws: `CatalogError.store` (e.g. `.unavailable` while the server is down; nothing is lost,
    ///   the next call resumes from the same position).
    @discardableResult
    public func catchUp() throws -> Int {
        guard let log = store as? any ChangeLogStore else { return 0 }
        var applied = 0
        try replication.advance { start in
            var position = start
            while true {
                // Read before the batch: when the batch is empty, every change this generation counts is
                // at or before `position`, so memory reflects it (see Catalog+Snapshot.swift).
                let generation = try CatalogError.wrapping { try store.catalogGeneration() }
                let batch = try CatalogError.wrapping { try log.changes(after: position, limit: 1_000) }
                guard let last = batch.last else {
                    if let generation { state.write { $0.generation = generation } }
                    break
                }
                try apply(batch)
                applied += batch.count
                position = last.sequence
            }
            return position
        }
        return applied
    }

    private func apply(_ changes: [StoreChange]) throws {
        let needsReload = changes.contains { change in
            switch change.kind {
            case .model, .unknown: return true
            case .trainedModel: return change.key == Self.imputerBlobName
            case .item, .itemDeleted, .events, .meta: return false
            }
        }
        if needsReload {
            let fresh = try Self.loadState(store: store, provider: encoderProvider, fusedModelID: fusedModelID, options: options)
            state.write { $0 = fresh }
            return
        }
        // A refitted fusion weight changes only how queries are scaled: no reload.
        if changes.contains(where: { $0.kind == .trainedModel && $0.key == Self.fusionWeightsBlobName }) {
            let fit = try CatalogError.wrapping { try Self.storedFusionFit(store: store, models: fusionFitModels) }
            state.write { $0.applyFusionFit(fit, override: options.imageWeight) }
        }
        // The latest kind per item decides (an item added then deleted in one range is deleted).
        var latest: [String: StoreChange.Kind] = [:]
        var order: [String] = []
        for change in changes where change.kind == .item || change.kind == .itemDeleted {
            guard let id = change.key else { continue }
            if latest[id] == nil { order.append(id) }
            latest[id] = change.kind
        }
        for id in order {
            try CatalogError.wrapping {
                guard latest[id] == .item, let stored = try store.item(id: id) else {
                    state.write { $0.remove(id) }
                    return
                }
                let vectors = try store.vectors(for: id)
                let image = vectors.first { $0.modality == .image && $0.modelID == encoderProvider.imageModelID }?.values
                let text = vectors.first { $0.modality == .text && $0.modelID == encoderProvider.textModelID }?.values
                let fused = vectors.first { $0.modality == .fused && $0.modelID == fusedModelID }.map {
                    ItemEmbedding(vector: $0.values, imageImputed: image == nil, textImputed: text == nil)
                }
                let item = CatalogItem(stored, hasImage: image != nil, hasText: text != nil)
                try state.write { try $0.put(item, image: image, text: text, fused: fused) }
            }
        }
    }

    /// Keeps this catalog following a shared store: catches up whenever the store notifies a commit
    /// and, since notifications can be missed (an outage, a reconnect), every `pollInterval` seconds
    /// too. Returns nil for a store without a change log. Errors (the server being down) are passed
    /// to `onError` and retried on the next tick.
    public func followChanges(pollInterval: TimeInterval = 0.5, onError: @escaping @Sendable (CatalogError) -> Void = { _ in })
        -> ChangeFollower? {
        guard let log = store as? any ChangeLogStore else { return nil }
        let follower = ChangeFollower(catalog: self, pollInterval: pollInterval, onError: onError)
        follower.start(listeningTo: log)
        return follower
    }
}

/// A running `Catalog.followChanges`: a listener plus a polling thread; `stop()` ends both.
public final class ChangeFollower: @unchecked Sendable {
    private weak var catalog: Catalog?
    private let pollInterval: TimeInterval
    private let onError: @Sendable (CatalogError) -> Void
    private let wake = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stopped = false
    private var subscription: (any ChangeSubscription)?

    init(catalog: Catalog, pollInterval: TimeInterval, onError: @escaping @Sendable (CatalogError) -> Void) {
        self.catalog = catalog
        self.pollInterval = pollInterval
        self.onError = onError
    }

    fileprivate func start(listeningTo log: any ChangeLogStore) {
        let wake = self.wake
        subscription = log.listenForChanges { wake.signal() }
        let thread = Thread { [self] in
            while !isStopped {
                if let catalog {
                    do { try catalog.catchUp() } catch let error as CatalogError { onError(error) } catch {
                        onError(.index(reason: "\(error)"))
                    }
                }
                _ = wake.wait(timeout: .now() + pollInterval)
            }
        }
        thread.name = "vitrine-follow-changes"
        thread.start()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Stops listening and polling.
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        subscription?.cancel()
        wake.signal()
    }

    deinit { subscription?.cancel() }
}
