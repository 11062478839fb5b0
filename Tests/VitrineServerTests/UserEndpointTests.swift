import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VitrineServer

@Suite struct UserEndpointTests {
    @Test func unknownUserGetsColdStartList() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/users/never-seen-\(UUID().uuidString)/recommendations?k=4&explain=true", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["coldStart"] as? Bool == true)
                #expect(body["method"] as? String == "popularity")
                let results = (body["results"] as? [[String: Any]]) ?? []
                #expect(results.count == 4)
                #expect(results.allSatisfy { ($0["explanation"] as? [String: Any])?["summary"] is String })
            }
        }
    }

    @Test func likesMakeThePersonalListWithExplanations() async throws {
        try await withRouter { client in
            let batch = #"{"events": [{"item": "cocktail", "kind": "like"}, {"item": "cake-and-candle", "kind": "like"}, {"item": "battery", "kind": "dislike"}]}"#
            try await client.execute(uri: "/users/party-person/events", method: .post, headers: [.contentType: "application/json"], body: jsonBody(batch)) { response in
                #expect(response.status == .created)
                let recorded = try json(response)["recorded"] as? Int
                #expect(recorded == 3)
            }
            try await client.execute(uri: "/users/party-person/recommendations?k=3&explain=true&diversity=0.3", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["coldStart"] as? Bool == false)
                let results = (body["results"] as? [[String: Any]]) ?? []
                let ids = results.compactMap { ($0["item"] as? [String: Any])?["id"] as? String }
                #expect(ids.count == 3)
                #expect(!ids.contains("cocktail") && !ids.contains("cake-and-candle") && !ids.contains("battery"), "seen items are left out")
                let contributors = results.flatMap { (($0["explanation"] as? [String: Any])?["contributors"] as? [[String: Any]]) ?? [] }
                #expect(contributors.contains { ["cocktail", "cake-and-candle"].contains($0["id"] as? String ?? "") })
            }
            try await client.execute(uri: "/users/party-person/recommendations?k=2", method: .get) { response in
                let results = (try json(response)["results"] as? [[String: Any]]) ?? []
                #expect(results.allSatisfy { $0["explanation"] == nil }, "explanations only on request")
            }
        }
    }

    @Test func acknowledgedEventsAreInTheStore() async throws {
        let fixture = try ServerFixture.shared.get()
        try await withRouter { client in
            let events = #"[{"item": "baby-tux", "kind": "view"}, {"item": "baby-tux", "kind": "rating", "value": 5, "timestamp": "2026-01-02T03:04:05Z"}]"#
            try await client.execute(uri: "/users/durable-user/events", method: .post, headers: [.contentType: "application/json"], body: jsonBody(events)) {
                #expect($0.status == .created)
            }
        }
        // Read back from the store.
        let stored = try fixture.catalog.history(for: "durable-user")
        #expect(stored.map(\.kind.rawValue).sorted() == ["rating", "view"])
        #expect(stored.first { $0.kind == .rating }?.value == 5)
    }

    @Test func badEventsAre400And404() async throws {
        try await withRouter { client in
            let cases: [(String, HTTPResponse.Status)] = [
                ("not json", .badRequest), (#"{"item": "baby-tux"}"#, .badRequest), (#"{"item": "baby-tux", "kind": "stare"}"#, .badRequest),
                (#"{"item": "baby-tux", "kind": "rating", "value": 9}"#, .badRequest), (#"{"item": "baby-tux", "kind": "like", "timestamp": "yesterday"}"#, .badRequest),
                (#"[]"#, .badRequest), (#"{"item": "ghost-item", "kind": "like"}"#, .notFound),
            ]
            for (body, status) in cases {
                try await client.execute(uri: "/users/bad-events-user/events", method: .post, headers: [.contentType: "application/json"], body: jsonBody(body)) { response in
                    #expect(response.status == status, "\(body): \(errorMessage(response))")
                }
            }
            try await client.execute(uri: "/users/bad-events-user/recommendations?diversity=2", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/users/bad-events-user/recommendations?explain=maybe", method: .get) { #expect($0.status == .badRequest) }
        }
        // The rejected requests recorded nothing, not even the valid-looking parts.
        #expect(try ServerFixture.shared.get().catalog.history(for: "bad-events-user").isEmpty)
    }

    @Test func usersWithEventsAreListed() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/users/listed-user/events", method: .post, headers: [.contentType: "application/json"],
                                     body: jsonBody(#"{"item": "toadstool", "kind": "click"}"#)) { #expect($0.status == .created) }
            try await client.execute(uri: "/users?limit=200", method: .get) { response in
                let users = (try json(response)["users"] as? [String]) ?? []
                #expect(users.contains("listed-user"))
            }
        }
    }
}
