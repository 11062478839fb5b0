import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import VitrineCatalog
import VitrineCore
import VitrineServer

@Suite struct BusyServerTests {
    @Test func fullEncoderQueueAnswers503WithRetryAfterWhileReadsAnswer() async throws {
        let gate = Gate()
        let watchdog = gate.opening(after: .seconds(90))
        defer { watchdog.cancel() }
        var configuration = ServerConfiguration()
        configuration.maxRunningEncoderJobs = 1
        configuration.maxWaitingEncoderJobs = 1
        configuration.busyRetryAfterSeconds = 9
        let server = try gatedServer(gate, configuration)
        let app = Application(router: server.makeRouter())
        let search: HTTPFields = [.contentType: "application/json"]
        let slowSearch = jsonBody(#"{"text": "slow wool sweater", "space": "text"}"#)
        try await app.test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                // One search blocks inside the encoder, the next waits for its slot: the queue is full.
                for _ in 0..<2 {
                    group.addTask { try await client.execute(uri: "/search", method: .post, headers: search, body: slowSearch) { $0.status } }
                }
                try await waitUntil { server.encoderQueue.depth == (running: 1, waiting: 1) }

                try await client.execute(uri: "/search", method: .post, headers: search, body: jsonBody(#"{"text": "wool", "space": "text"}"#)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "9")
                    #expect(errorMessage(response).contains("busy"))
                    let error = try json(response)["error"] as? [String: Any]
                    #expect(error?["status"] as? Int == 503)
                }
                var form = MultipartBody()
                form.field("title", "Wool hat")
                try await client.execute(uri: "/items", method: .post, headers: [.contentType: MultipartBody.contentType], body: form.finished) {
                    #expect($0.status == .serviceUnavailable)
                }
                try await client.execute(uri: "/users/newcomer/recommendations?onboarding=wool", method: .get) {
                    #expect($0.status == .serviceUnavailable)
                }
                // Reads that need no encoder do not queue behind it.
                try await client.execute(uri: "/items", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/items/sweater/similar?modality=text", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/users/newcomer/recommendations", method: .get) { #expect($0.status == .ok) }

                gate.open(passes: 2)
                var statuses: [HTTPResponse.Status] = []
                for try await status in group { statuses.append(status) }
                #expect(statuses == [.ok, .ok])
            }
        }
        #expect(server.encoderQueue.depth == (running: 0, waiting: 0))
    }
}

/// A text "encoder" that blocks on `gate` for any text containing "slow", so a test can hold the encoder
/// queue full; other texts embed at once (a letter histogram, no weights).
struct GatedTextEncoder: CatalogTextEncoder {
    let gate: Gate

    func embed(batch texts: [String]) throws -> [[Float]] {
        if texts.contains(where: { $0.contains("slow") }) { gate.pass() }
        return texts.map { text in
            var vector = [Float](repeating: 0.1, count: 8)
            for scalar in text.lowercased().unicodeScalars { vector[Int(scalar.value) % 8] += 1 }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return vector.map { $0 / norm }
        }
    }
}

/// A server over a fresh text-only catalog whose text encoder is a `GatedTextEncoder`.
func gatedServer(_ gate: Gate, _ configuration: ServerConfiguration) throws -> VitrineServer {
    struct NoImageModel: Error {}
    let encoders = EncoderProvider(imageModelID: "none", textModelID: "gated-letters", imageDimension: 4, textDimension: 8,
                                   makeImageEncoder: { throw NoImageModel() }, makeTextEncoder: { GatedTextEncoder(gate: gate) })
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-busy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let catalog = try Catalog(storeURL: folder.appendingPathComponent("catalog.sqlite"), options: CatalogOptions(encoders: encoders))
    for (id, text) in [("sweater", "Red wool sweater"), ("scarf", "Green wool scarf"), ("lamp", "Steel desk lamp")] {
        try catalog.addItem(NewItem(Item(id: id, title: text, description: text)))
    }
    var configuration = configuration
    configuration.uploadsFolder = folder.appendingPathComponent("uploads")
    return VitrineServer(catalog: catalog, configuration: configuration)
}
