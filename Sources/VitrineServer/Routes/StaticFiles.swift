import Foundation
import Hummingbird
import NIOCore

/// The web page's files (HTML, CSS, JS, SVG) from the module's `Public` resource folder, loaded once.
struct StaticFiles: Sendable {
    private let files: [String: (bytes: [UInt8], type: String)]

    /// Loads every file directly inside `Public/`.
    init() {
        var files: [String: (bytes: [UInt8], type: String)] = [:]
        if let folder = Bundle.module.url(forResource: "Public", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) {
            for name in names {
                guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
                files[name] = ([UInt8](data), Self.contentType(of: name))
            }
        }
        self.files = files
    }

    /// Names of the files served.
    var names: [String] { files.keys.sorted() }

    /// The response for file `name`, or nil when there is no such file.
    func response(for name: String) -> Response? {
        guard let file = files[name] else { return nil }
        return Response(status: .ok, headers: [.contentType: file.type, .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    private static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
