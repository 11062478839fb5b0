import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VitrineServer

@Suite struct ItemEndpointTests {
    @Test func healthReportsItemCount() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["status"] as? String == "ok")
                #expect((body["items"] as? Int ?? 0) >= ServerFixture.itemIDs.count)
            }
        }
    }

    @Test func itemsArePagedInIdOrderAndFilteredByTag() async throws {
        try await withRouter { client in
            let first = try await client.execute(uri: "/items?tag=fixture&offset=0&limit=3", method: .get) { try json($0) }
            let second = try await client.execute(uri: "/items?tag=fixture&offset=3&limit=3", method: .get) { try json($0) }
            let ids = ((first["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                + ((second["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            #expect(first["total"] as? Int == ServerFixture.itemIDs.count)
            #expect(ids == Array(ServerFixture.itemIDs.sorted().prefix(6)))
            let none = try await client.execute(uri: "/items?tag=no-such-tag", method: .get) { try json($0) }
            #expect(none["total"] as? Int == 0)
        }
    }

    @Test func malformedPagingParametersAre400() async throws {
        try await withRouter { client in
            for query in ["limit=abc", "limit=0", "limit=100000", "offset=-1"] {
                try await client.execute(uri: "/items?\(query)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    #expect(errorMessage(response).contains("invalid parameter"), "\(query)")
                }
            }
        }
    }

    @Test func oneItemAndUnknownItemIs404() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/items/baby-tux", method: .get) { response in
                #expect(response.status == .ok)
                let body = try json(response)
                #expect(body["title"] as? String == "Baby-Tux")
                #expect(body["imageURL"] as? String == "/items/baby-tux/image")
            }
            try await client.execute(uri: "/items/no-such-item", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).contains("no-such-item"))
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test func imageIsServedWithSniffedTypeAndETag() async throws {
        let butterfly = try ServerFixture.shared.get().png("butterfly")
        try await withRouter { client in
            let etag = try await client.execute(uri: "/items/butterfly/image", method: .get) { response -> String in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                #expect(response.headers[.cacheControl]?.contains("max-age") == true)
                #expect(Array(response.body.readableBytesView) == butterfly)
                return response.headers[.eTag] ?? ""
            }
            #expect(!etag.isEmpty)
            try await client.execute(uri: "/items/butterfly/image", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/items/nothing-here/image", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func similarItemsInEachModality() async throws {
        try await withRouter { client in
            for modality in ["image", "text", "fused"] {
                try await client.execute(uri: "/items/cocktail/similar?k=3&modality=\(modality)", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try json(response)
                    #expect(body["modality"] as? String == modality)
                    let results = (body["results"] as? [[String: Any]]) ?? []
                    #expect(results.count == 3)
                    let ids = results.compactMap { ($0["item"] as? [String: Any])?["id"] as? String }
                    #expect(!ids.contains("cocktail"))
                    let scores = results.compactMap { $0["score"] as? Double }
                    #expect(scores == scores.sorted(by: >))
                }
            }
        }
    }

    @Test func similarItemsRejectBadModalityAndUnknownItem() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/items/baby-tux/similar?modality=smell", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(errorMessage(response).contains("modality"))
            }
            try await client.execute(uri: "/items/baby-tux/similar?k=-2", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/items/ghost/similar", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func unknownEndpointIsJSON404() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(errorMessage(response).isEmpty == false)
            }
        }
    }

    @Test func webPageAndItsAssetsAreServed() async throws {
        try await withRouter { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains("/static/app.js"))
            }
            try await client.execute(uri: "/static/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
            }
            try await client.execute(uri: "/static/..%2Fsecret", method: .get) { #expect($0.status == .notFound) }
        }
    }
}
