import Foundation
import VitrineCatalog
import VitrineCore
import VitrineStore

/// Events and personal recommendations over a `Catalog`'s store.
///
/// Thin adapter: `Catalog.record(events:)` / `Catalog.recommendations(for:options:)` are being added on
/// wip/recs; until they land the server logs events to the store itself and ranks with the catalog's
/// `Recommender` snapshot (a profile from the stored history, popularity for users without one).
public final class UserActivity: Sendable {
    /// The catalog whose store holds the events.
    public let catalog: Catalog
    private let cache = PopularityCache()

    /// Wraps `catalog`.
    public init(catalog: Catalog) { self.catalog = catalog }

    /// Appends events in one durable transaction (the store's full durability fsyncs the commit), so a
    /// caller that gets a 2xx has the events on disk. Every item must exist; kinds must be known.
    /// - Throws: `ServerError.unknownItem`, `.invalidParameter`, `CatalogError.store`.
    public func record(_ events: [Interaction]) throws {
        for event in events where catalog.item(event.item) == nil { throw ServerError.unknownItem(id: event.item) }
        let stored = events.map { InteractionEvent(userID: $0.user, itemID: $0.item, kind: $0.kind.rawValue, value: $0.value, timestamp: $0.timestamp) }
        do { try catalog.store.append(stored) } catch let error as StoreError { throw CatalogError.store(error) }
        cache.invalidate()
    }

    /// The stored history of `user`, oldest first; events of unknown kinds are skipped.
    public func history(for user: String) throws -> [Interaction] {
        let events: [InteractionEvent]
        do { events = try catalog.store.events(for: user) } catch let error as StoreError { throw CatalogError.store(error) }
        return events.compactMap(Self.interaction)
    }

    /// Personal recommendations; a user with no usable history gets the cold-start (popularity) list.
    /// - Returns: the ranked list and whether it was personal.
    public func recommendations(for user: String, options: RecommendationOptions) throws -> (list: [Recommendation], personal: Bool) {
        var recommender = catalog.recommender()
        recommender.popularity = try popularity()
        let history = try history(for: user)
        let index = recommender.index
        let profile = UserProfile(user: user, history: history, options: recommender.profileOptions) { index.vector(for: $0) }
        return (try recommender.recommend(for: profile, options: options), profile.hasTaste)
    }

    /// Popularity over every stored event, recomputed after writes.
    private func popularity() throws -> PopularityModel {
        if let model = cache.current() { return model }
        let generation = cache.generationNow()
        let events: [InteractionEvent]
        do { events = try catalog.store.allEvents() } catch let error as StoreError { throw CatalogError.store(error) }
        let model = PopularityModel(interactions: events.compactMap(Self.interaction))
        cache.store(model, computedAt: generation)
        return model
    }

    static func interaction(_ event: InteractionEvent) -> Interaction? {
        guard let kind = InteractionKind(rawValue: event.kind) else { return nil }
        return Interaction(user: event.userID, item: event.itemID, kind: kind, value: event.value, timestamp: event.timestamp)
    }
}

/// The popularity model, dropped whenever an event is recorded.
private final class PopularityCache: @unchecked Sendable {
    private let lock = NSLock()
    private var model: PopularityModel?
    private var generation = 0
    private var modelGeneration = -1

    func current() -> PopularityModel? { lock.withLock { modelGeneration == generation ? model : nil } }
    func invalidate() { lock.withLock { generation += 1 } }
    func generationNow() -> Int { lock.withLock { generation } }
    /// A model computed from events read at `computedAt`; a write since then leaves it unused.
    func store(_ new: PopularityModel, computedAt: Int) { lock.withLock { model = new; modelGeneration = computedAt } }
}
