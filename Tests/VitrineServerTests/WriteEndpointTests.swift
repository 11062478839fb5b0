import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
import VitrineServer

@Suite struct WriteEndpointTests {
    @Test func addedItemIsSimilarAndRecommendableInTheNextRequest() async throws {
        let fixture = try ServerFixture.shared.get()
        // A second picture of the frogs with a frog description: its nearest image neighbour must be the frogs.
        var form = MultipartBody()
        form.field("id", "new-frog-added")
        form.field("title", "Swamp frogs")
        form.field("description", "Two green frogs in a swamp")
        form.field("tags", "frog, swamp")
        form.file("image", filename: "frogs.png", type: "image/png", try fixture.png("2-dead-frogs"))
        let body = form.finished
        let frogs = try fixture.png("2-dead-frogs")
        try await withRouter { client in
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/items/new-frog-added")
                let body = try json(response)
                #expect(body["hasImage"] as? Bool == true)
                #expect(body["tags"] as? [String] == ["frog", "swamp"])
            }
            try await client.execute(uri: "/items/2-dead-frogs/similar?k=1&modality=image", method: .get) { response in
                let first = ((try json(response)["results"] as? [[String: Any]])?.first?["item"] as? [String: Any])?["id"] as? String
                #expect(first == "new-frog-added")
            }
            try await client.execute(uri: "/items/new-frog-added/image", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == frogs)
            }
            // A user who liked the frogs gets the new item among their recommendations at once.
            try await client.execute(uri: "/users/frog-fan/events", method: .post, headers: [.contentType: "application/json"],
                                     body: jsonBody(#"{"item": "2-dead-frogs", "kind": "like"}"#)) { #expect($0.status == .created) }
            try await client.execute(uri: "/users/frog-fan/recommendations?k=3", method: .get) { response in
                let ids = ((try json(response)["results"] as? [[String: Any]]) ?? []).compactMap { ($0["item"] as? [String: Any])?["id"] as? String }
                #expect(ids.first == "new-frog-added")
            }
            try await client.execute(uri: "/items/new-frog-added", method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/items/new-frog-added", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/items/new-frog-added/image", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func duplicateIdIs409() async throws {
        let fixture = try ServerFixture.shared.get()
        var form = MultipartBody()
        form.field("id", "baby-tux")
        form.field("title", "Another penguin")
        form.file("image", filename: "baby-tux.png", type: "image/png", try fixture.png("baby-tux"))
        let body = form.finished
        try await withRouter { client in
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { response in
                #expect(response.status == .conflict)
                #expect(errorMessage(response).contains("baby-tux"))
            }
        }
    }

    @Test func oversizedUploadIs413() async throws {
        var configuration = ServerConfiguration()
        configuration.maxUploadBytes = 4_000
        var form = MultipartBody()
        form.field("title", "Big cat")
        form.file("image", filename: "cat.jpg", type: "image/jpeg", try ServerFixture.photo())
        let body = form.finished
        try await withRouter(configuration) { client in
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { response in
                #expect(response.status == .contentTooLarge)
                #expect(errorMessage(response).contains("4000"))
            }
            try await client.execute(uri: "/search", method: .post, headers: [.contentType: "image/jpeg"],
                                     body: ByteBuffer(bytes: try ServerFixture.photo())) { #expect($0.status == .contentTooLarge) }
        }
    }

    @Test func unsupportedPictureIs415() async throws {
        var form = MultipartBody()
        form.field("title", "Not a picture")
        form.file("image", filename: "notes.png", type: "image/png", Array("just some text, not a PNG".utf8))
        let gif = Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20)
        let body = form.finished
        try await withRouter { client in
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(errorMessage(response).contains("notes.png"))
            }
            try await client.execute(uri: "/search", method: .post, headers: [.contentType: "image/gif"], body: ByteBuffer(bytes: gif)) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(errorMessage(response).contains("image/gif"))
            }
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: "application/json"], body: jsonBody("{}")) {
                #expect($0.status == .unsupportedMediaType)
            }
        }
    }

    @Test func malformedAddItemRequestsAre400() async throws {
        var noContent = MultipartBody()
        noContent.field("id", "empty-item")
        var badID = MultipartBody()
        badID.field("id", "../etc/passwd")
        badID.field("title", "x")
        let truncated = ByteBuffer(string: "--\(MultipartBody.boundary)\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHalf")
        let bodies = [noContent.finished, badID.finished, truncated]
        try await withRouter { client in
            for body in bodies {
                try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: body) { response in
                    #expect(response.status == .badRequest, "\(errorMessage(response))")
                }
            }
            try await client.execute(uri: "/items/not-there", method: .delete) { #expect($0.status == .notFound) }
        }
    }

    @Test func searchByTextByUploadedImageAndByRawImage() async throws {
        let fixture = try ServerFixture.shared.get()
        try await withRouter { client in
            try await client.execute(uri: "/search", method: .post, headers: [.contentType: "application/json"],
                                     body: jsonBody(#"{"text": "a drink in a glass", "k": 3, "space": "text"}"#)) { response in
                #expect(response.status == .ok)
                let ids = ((try json(response)["results"] as? [[String: Any]]) ?? []).compactMap { ($0["item"] as? [String: Any])?["id"] as? String }
                #expect(ids.count == 3)
                #expect(ids.first == "cocktail")
            }
            var form = MultipartBody()
            form.file("image", filename: "q.png", type: "image/png", try fixture.png("toadstool"))
            let imageForm = form.finished
            try await client.execute(uri: "/search?k=2&space=image", method: .post, headers: [.contentType: MultipartBody.contentType], body: imageForm) { response in
                #expect(response.status == .ok)
                let first = ((try json(response)["results"] as? [[String: Any]])?.first?["item"] as? [String: Any])?["id"] as? String
                #expect(first == "toadstool")
            }
            try await client.execute(uri: "/search?k=2", method: .post, headers: [.contentType: "image/png"], body: ByteBuffer(bytes: try fixture.png("battery"))) { response in
                #expect(response.status == .ok)
                let first = ((try json(response)["results"] as? [[String: Any]])?.first?["item"] as? [String: Any])?["id"] as? String
                #expect(first == "battery")
            }
        }
    }

    @Test func malformedSearchesAre400() async throws {
        try await withRouter { client in
            for body in [#"{"text": "#, #"{"query": "cats"}"#, #"{"text": "   "}"#, #"{"text": "cats", "space": "image"}"#, #"{"text": "cats", "k": 0}"#] {
                try await client.execute(uri: "/search", method: .post, headers: [.contentType: "application/json"], body: jsonBody(body)) { response in
                    #expect(response.status == .badRequest, "\(body)")
                }
            }
            try await client.execute(uri: "/search", method: .post, headers: [.contentType: "image/jpeg"],
                                     body: ByteBuffer(bytes: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])) { response in
                #expect(response.status == .badRequest, "a truncated JPEG is bad input, not a server fault")
            }
            try await client.execute(uri: "/search", method: .post, headers: [.contentType: "text/plain"], body: jsonBody("cats")) {
                #expect($0.status == .unsupportedMediaType)
            }
        }
    }
}
