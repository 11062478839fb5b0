import Foundation
import Hummingbird
import VitrineCatalog
import VitrineCore

extension VitrineServer {
    /// `POST /users/{id}/events` and `GET /users/{id}/recommendations`.
    func addUserRoutes(to router: Router<BasicRequestContext>) {
        let reads = routes(router, needing: .read)
        routes(router, needing: .write(.ingest)).post("/users/{id}/events") { [activity, configuration] request, context in
            let input = RequestInput(request: request, context: context)
            let user = try Self.validatedUser(try input.pathParameter("id"))
            let bytes = try await input.body(limit: configuration.maxUploadBytes)
            let events = try Self.decodeEvents(bytes).map { try Self.interaction($0, user: user) }
            guard !events.isEmpty else { throw ServerError.malformedBody(reason: "no events") }
            // The store commits with full durability before this returns: a 201 means the events are on disk.
            try await offload { try activity.record(events) }
            return try JSONResponse.make(["recorded": events.count], status: .created)
        }

        reads.get("/users") { [catalog, configuration] request, context in
            let limit = try RequestInput(request: request, context: context).integer("limit", default: 100, in: 1...configuration.maxResults)
            let users: [String]
            users = try catalog.userIDs()
            return try JSONResponse.make(UserListJSON(users: Array(users.prefix(limit)), total: users.count))
        }

        reads.get("/users/{id}/recommendations") { [activity, configuration, encoderQueue] request, context in
            let input = RequestInput(request: request, context: context)
            let user = try Self.validatedUser(try input.pathParameter("id"))
            var core = RecommendationOptions(limit: try input.integer("k", default: 10, in: 1...configuration.maxResults))
            core.diversity = try input.number("diversity", default: 0, in: 0...1)
            core.space = try input.choice("space", default: Modality.fused)
            (core.exactSearch, core.efSearch) = try input.searchPrecision()
            core.imageWeight = try input.imageWeight()
            if let tag = input.query("tag"), !tag.isEmpty { core.filter = IndexFilter(anyOfTags: [tag]) }
            var options = UserRecommendationOptions(recommendation: core)
            options.onboardingText = input.query("onboarding")
            let explain = try input.boolean("explain", default: false)
            let request = options
            // Onboarding text runs the text encoder, so it queues like every encoder call; without it this is
            // a read, kept off the request threads (the store) but never behind uploads.
            let needsEncoder = !(request.onboardingText?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
            let work = { @Sendable in try activity.recommendations(for: user, options: request) }
            let list = try await needsEncoder ? encoderQueue.run(work) : offload(work)
            return try JSONResponse.make(RecommendationListJSON(list, explained: explain) { ItemJSON(served: $0).imageURL })
        }
    }

    /// One event, a JSON array of events, or `{"events": [...]}`.
    static func decodeEvents(_ bytes: [UInt8]) throws -> [EventJSON] {
        let trimmed = bytes.drop { $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }
        switch trimmed.first {
        case UInt8(ascii: "["): return try JSONResponse.decode([EventJSON].self, from: bytes)
        case UInt8(ascii: "{"):
            if let batch = try? JSONDecoder().decode(EventBatchJSON.self, from: Data(bytes)) { return batch.events }
            return [try JSONResponse.decode(EventJSON.self, from: bytes)]
        default: return try [JSONResponse.decode(EventJSON.self, from: bytes)]
        }
    }

    static func interaction(_ event: EventJSON, user: String) throws -> Interaction {
        guard let kind = InteractionKind(rawValue: event.kind.lowercased()) else {
            throw ServerError.invalidParameter(name: "kind", reason: "'\(event.kind)' is not one of \(InteractionKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var timestamp = Date()
        if let text = event.timestamp {
            guard let parsed = EventTimestamp.parseISO8601(text) else {
                throw ServerError.invalidParameter(name: "timestamp", reason: "'\(text)' is not an ISO 8601 date-time")
            }
            timestamp = parsed
        }
        let interaction = Interaction(user: user, item: event.item, kind: kind, value: event.value, timestamp: timestamp)
        if let problem = interaction.problem() { throw ServerError.invalidParameter(name: "event", reason: problem) }
        return interaction
    }

    /// User ids: 1–128 characters without control characters.
    static func validatedUser(_ id: String) throws -> String {
        guard !id.isEmpty, id.count <= 128, !id.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw ServerError.invalidParameter(name: "user id", reason: "must be 1–128 printable characters")
        }
        return id
    }
}
