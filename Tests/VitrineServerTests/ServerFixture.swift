import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import VitrineCatalog
import VitrineServer

/// A small real catalog shared by the server tests: eight demo items (pictures + descriptions) indexed with
/// the real encoders into a fresh store, once per test process. Tests that write use their own ids/users.
final class ServerFixture: Sendable {
    static let shared = Result { try ServerFixture() }

    /// Ids of the indexed items, all tagged `fixture`.
    static let itemIDs = ["baby-tux", "butterfly", "2-dead-frogs", "cake-and-candle", "cocktail", "eiffel-tower", "battery", "toadstool"]

    let catalog: Catalog
    let folder: URL

    init() throws {
        let demo = try DemoCatalog.locate()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-server-tests-\(UUID().uuidString)")
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let manifest = try String(contentsOf: demo.folder.appendingPathComponent("items.jsonl"), encoding: .utf8)
        var lines: [String] = []
        for line in manifest.split(separator: "\n") {
            guard var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = object["id"] as? String, Self.itemIDs.contains(id) else { continue }
            object["tags"] = ((object["tags"] as? [String]) ?? []) + ["fixture"]
            object.removeValue(forKey: "source")
            try FileManager.default.copyItem(at: demo.folder.appendingPathComponent("images/\(id).png"), to: images.appendingPathComponent("\(id).png"))
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("items.jsonl"), atomically: true, encoding: .utf8)
        let events = """
            user,item,event,value,timestamp
            csv-user,baby-tux,like,1,2026-09-04T16:03:12Z
            csv-user,ghost-item,like,1,2026-09-04T16:03:13Z
            csv-user,butterfly,stare,1,2026-09-04T16:03:14Z
            csv-user,cocktail,view,1,2026-09-04T16:03:15Z

            """
        try events.write(to: folder.appendingPathComponent("interactions.csv"), atomically: true, encoding: .utf8)
        catalog = try Catalog(storeURL: folder.appendingPathComponent("store/catalog.sqlite"))
        try DemoCatalog(folder: folder).index(into: catalog)
    }

    /// A server over the shared catalog with `configuration` (uploads go to a per-server folder).
    func server(_ configuration: ServerConfiguration = ServerConfiguration()) -> VitrineServer {
        var configuration = configuration
        configuration.uploadsFolder = folder.appendingPathComponent("uploads-\(UUID().uuidString)")
        return VitrineServer(catalog: catalog, configuration: configuration)
    }

    /// A JPEG photo from the models' test fixtures.
    static func photo(_ name: String = "cat.jpg") throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VitrineModelsTests/Fixtures/photos/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    /// A demo PNG.
    func png(_ id: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent("images/\(id).png")))
    }
}

/// Runs `body` against an in-process router of a server over the shared fixture.
func withRouter<T>(_ configuration: ServerConfiguration = ServerConfiguration(),
                   _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
    let server = try ServerFixture.shared.get().server(configuration)
    let app = Application(router: server.makeRouter())
    return try await app.test(.router) { client in try await body(client) }
}

/// A multipart/form-data body and its content type.
struct MultipartBody {
    static let boundary = "vitrine-test-Boundary-7MA4YWxk"
    var bytes: [UInt8] = []

    mutating func field(_ name: String, _ value: String) {
        bytes += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func file(_ name: String, filename: String, type: String, _ data: [UInt8]) {
        bytes += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        bytes += data + Array("\r\n".utf8)
    }

    var finished: ByteBuffer { ByteBuffer(bytes: bytes + Array("--\(Self.boundary)--\r\n".utf8)) }
    static var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}

/// JSON of a response body.
func json(_ response: TestResponse) throws -> [String: Any] {
    let data = Data(response.body.readableBytesView)
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
}

/// The `error.message` of an error response ("" when absent).
func errorMessage(_ response: TestResponse) -> String {
    (((try? json(response))?["error"] as? [String: Any])?["message"] as? String) ?? ""
}

func jsonBody(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
