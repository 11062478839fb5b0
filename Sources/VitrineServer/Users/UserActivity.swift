import Foundation
import VitrineCatalog
import VitrineCore

/// Events and personal recommendations for the HTTP routes, over `Catalog.record(events:)` and
/// `Catalog.recommendations(for:options:)`; adds the server's all-or-nothing batch rule.
public struct UserActivity: Sendable {
    /// The catalog whose store holds the events.
    public let catalog: Catalog

    /// Wraps `catalog`.
    public init(catalog: Catalog) { self.catalog = catalog }

    /// Stores a batch durably (the store commits with full durability before returning, so a caller that
    /// answers 2xx has the events on disk). The batch is all or nothing: one bad event stores none.
    /// - Throws: `ServerError.unknownItem` for an item not in the catalog, `.invalidParameter` for an event the
    ///   catalog rejects, `CatalogError.store`.
    public func record(_ events: [Interaction]) throws {
        for event in events where catalog.item(event.item) == nil { throw ServerError.unknownItem(id: event.item) }
        let summary = try catalog.record(events: events)
        // Unreachable after the checks above unless an item is removed meanwhile; report it rather than hide it.
        if let problem = summary.problems.first {
            throw ServerError.invalidParameter(name: "events[\(problem.line - 1)]", reason: "\(problem.reason) (\(summary.recorded) other events were stored)")
        }
    }

    /// Recommendations for `user`; an unknown user or one without usable history gets the cold-start list.
    /// - Throws: `CatalogError` (`.invalidInput` for out-of-range options).
    public func recommendations(for user: String, options: UserRecommendationOptions) throws -> UserRecommendations {
        try catalog.recommendations(for: user, options: options)
    }
}
