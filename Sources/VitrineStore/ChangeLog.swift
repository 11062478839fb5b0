import Foundation

/// One entry of a shared store's change log: what changed, in commit order. Replicas read the log
/// after the sequence they last applied (`ChangeLogStore.changes(after:limit:)`).
public struct StoreChange: Sendable, Equatable {
    /// What kind of record changed; `key` says which one.
    public enum Kind: String, Sendable, Equatable, Hashable {
        /// An item was added or replaced, or its vectors changed (`key`: the item id).
        case item
        /// An item was deleted with its vectors and events (`key`: the item id).
        case itemDeleted = "item-deleted"
        /// A user's events were appended or deleted (`key`: the user id).
        case events
        /// The current model of a modality changed, or its stale vectors were dropped (`key`: the modality).
        case model
        /// A new revision of a trained model blob was saved (`key`: its name).
        case trainedModel = "trained-model"
        /// A meta value was set or removed (`key`: the meta key).
        case meta
        /// A kind written by a newer build; a replica reloads everything.
        case unknown
    }

    /// Position in the log; increasing in commit order.
    public var sequence: Int64
    public var kind: Kind
    public var key: String?

    /// Creates a change record.
    public init(sequence: Int64, kind: Kind, key: String?) {
        self.sequence = sequence
        self.kind = kind
        self.key = key
    }
}

/// A store shared by several processes that logs every committed change, so each process can keep
/// its in-memory index current (`PostgresStore`; the embedded SQLite store has one writer process
/// and no log).
public protocol ChangeLogStore: CatalogStore {
    /// The sequence of the newest committed change (0 for an empty log).
    func latestChangeSequence() throws -> Int64
    /// Committed changes after `sequence`, ascending, at most `limit`.
    func changes(after sequence: Int64, limit: Int) throws -> [StoreChange]
    /// Calls `handler` on a background thread soon after another connection commits a change, and
    /// keeps listening across reconnects until the subscription is cancelled. Notifications can be
    /// missed (during an outage), so callers also poll `changes(after:limit:)`.
    func listenForChanges(_ handler: @escaping @Sendable () -> Void) -> any ChangeSubscription
}

/// A running change listener; `cancel()` stops it.
public protocol ChangeSubscription: AnyObject, Sendable {
    func cancel()
}
