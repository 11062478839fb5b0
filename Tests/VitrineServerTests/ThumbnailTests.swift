import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VitrineImage
import VitrineServer

/// `GET /items/{id}/image?size=N`: small JPEGs made once with the project's resampler, cached, ETag'd.
@Suite struct ThumbnailTests {
    /// Runs `body` against a router of its own server, so the thumbnail counters are this test's alone.
    func withServer(_ configuration: ServerConfiguration = ServerConfiguration(),
                    _ body: @escaping @Sendable (any TestClientProtocol, VitrineServer) async throws -> Void) async throws {
        let server = try ServerFixture.shared.get().server(configuration)
        try await Application(router: server.makeRouter()).test(.router) { client in try await body(client, server) }
    }

    @Test func thumbnailFitsTheBoxKeepsTheAspectAndIsTheResampledPicture() async throws {
        let original = try ImageDecoder.decode(try ServerFixture.shared.get().png("butterfly"), name: "butterfly.png")
        #expect(original.width == 256 && original.height == 185)
        try await withServer { client, _ in
            try await client.execute(uri: "/items/butterfly/image?size=64", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/jpeg")
                #expect(response.headers[.cacheControl]?.contains("max-age=") == true)
                let bytes = Array(response.body.readableBytesView)
                let thumbnail = try ImageDecoder.decode(bytes, name: "thumbnail")
                #expect(thumbnail.width == 64 && thumbnail.height == 46)  // 185 · 64/256 = 46.25
                // The same pixels as the library's bicubic resize of the decoded picture, up to JPEG loss.
                let expected = try original.resized(width: 64, height: 46, filter: .bicubic)
                let difference = zip(thumbnail.pixels, expected.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
                #expect(Double(difference) / Double(expected.pixels.count) < 8)
            }
        }
    }

    @Test func thumbnailIsNeverEnlarged() async throws {
        try await withServer { client, _ in
            try await client.execute(uri: "/items/butterfly/image?size=1024", method: .get) { response in
                #expect(response.status == .ok)
                let thumbnail = try ImageDecoder.decode(Array(response.body.readableBytesView), name: "thumbnail")
                #expect(thumbnail.width == 256 && thumbnail.height == 185)
            }
        }
    }

    @Test func uploadedJPEGGetsAThumbnailToo() async throws {
        try await withServer { client, _ in
            var form = MultipartBody()
            form.field("id", "thumbnail-cat")
            form.field("title", "Thumbnail cat")
            form.file("image", filename: "cat.jpg", type: "image/jpeg", try ServerFixture.photo())
            try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: form.finished) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/items/thumbnail-cat/image?size=100", method: .get) { response in
                #expect(response.status == .ok)
                let thumbnail = try ImageDecoder.decode(Array(response.body.readableBytesView), name: "thumbnail")
                #expect(thumbnail.width == 100 && thumbnail.height == 67)  // 320×213 → 100×66.6
            }
            try await client.execute(uri: "/items/thumbnail-cat", method: .delete) { #expect($0.status == .noContent) }
        }
    }

    @Test func thumbnailIsMadeOnceThenServedFromMemoryAndRevalidatedByETag() async throws {
        try await withServer { client, server in
            let full = try await client.execute(uri: "/items/cocktail/image", method: .get) { $0.headers[.eTag] ?? "" }
            // Eight clients asking at once for a size nobody asked for yet: one generation.
            let etags = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.execute(uri: "/items/cocktail/image?size=96", method: .get) { $0.headers[.eTag] ?? "" } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(etags).count == 1)
            #expect(server.thumbnailStatistics.generated == 1)
            let etag = etags[0]
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && !etag.hasPrefix("W/"))  // strong
            #expect(etag != full)
            try await client.execute(uri: "/items/cocktail/image?size=96", method: .get) { #expect($0.status == .ok) }
            #expect(server.thumbnailStatistics.generated == 1)
            #expect(server.thumbnailStatistics.hits >= 1)
            try await client.execute(uri: "/items/cocktail/image?size=96", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == etag)
            }
            // Another size is another thumbnail, with its own tag; the full picture's tag does not revalidate it.
            let other = try await client.execute(uri: "/items/cocktail/image?size=48", method: .get) { $0.headers[.eTag] ?? "" }
            #expect(other != etag && other != full)
            try await client.execute(uri: "/items/cocktail/image?size=48", method: .get, headers: [.ifNoneMatch: full]) {
                #expect($0.status == .ok)
            }
            #expect(server.thumbnailStatistics.generated == 2)
        }
    }

    @Test func thumbnailCacheStaysWithinItsBytes() async throws {
        var configuration = ServerConfiguration()
        configuration.thumbnailCacheBytes = 12_000
        try await withServer(configuration) { client, server in
            for id in ServerFixture.itemIDs {
                for size in [40, 80, 120] {
                    try await client.execute(uri: "/items/\(id)/image?size=\(size)", method: .get) { #expect($0.status == .ok) }
                }
            }
            let statistics = server.thumbnailStatistics
            #expect(statistics.generated == ServerFixture.itemIDs.count * 3)
            #expect(statistics.bytes <= 12_000 && statistics.entries > 0)
            #expect(statistics.entries < ServerFixture.itemIDs.count * 3)
            // The most recently made one is still kept; the first one was evicted and is made again.
            try await client.execute(uri: "/items/\(ServerFixture.itemIDs.last!)/image?size=120", method: .get) { #expect($0.status == .ok) }
            #expect(server.thumbnailStatistics.generated == statistics.generated)
            try await client.execute(uri: "/items/\(ServerFixture.itemIDs[0])/image?size=40", method: .get) { #expect($0.status == .ok) }
            #expect(server.thumbnailStatistics.generated == statistics.generated + 1)
        }
    }

    @Test func badSizesAre400NamingTheParameter() async throws {
        try await withServer { client, server in
            for size in ["abc", "0", "15", "-256", "1025", "99999999999999999999", ""] {
                try await client.execute(uri: "/items/butterfly/image?size=\(size)", method: .get) { response in
                    #expect(response.status == .badRequest, "size=\(size)")
                    #expect(errorMessage(response).contains("'size'"), "size=\(size): \(errorMessage(response))")
                }
            }
            try await client.execute(uri: "/items/no-such-item/image?size=64", method: .get) { #expect($0.status == .notFound) }
            #expect(server.thumbnailStatistics.generated == 0)
        }
    }
}
