import ArgumentParser
import Foundation
import VitrineCatalog
import VitrineServer

/// Shared HTTP flags of `serve` and `demo`; they map onto `ServerConfiguration`.
struct ServerFlags: ParsableArguments {
    @Option(help: "Address to bind (127.0.0.1 keeps the server private to this machine).")
    var host = ServerConfiguration().host

    @Option(help: "TCP port.")
    var port = ServerConfiguration().port

    @Option(name: .customLong("max-upload-mb"), help: "Largest accepted upload, in MiB.")
    var maxUploadMegabytes = ServerConfiguration().maxUploadBytes >> 20

    func configuration(mediaRoot: URL? = nil) throws -> ServerConfiguration {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard maxUploadMegabytes > 0 else { throw ValidationError("--max-upload-mb must be positive") }
        return ServerConfiguration(host: host, port: port, maxUploadBytes: maxUploadMegabytes << 20, mediaRoot: mediaRoot)
    }
}

/// `vitrine serve`: the JSON API and the web page over an existing store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve a catalog store over HTTP: the JSON API (docs/api.md) and the web page.")

    @OptionGroup var store: CatalogStoreOption

    @Option(help: "Folder the items were indexed from, for their pictures (default: the one recorded in the store).")
    var folder: String?

    @OptionGroup var server: ServerFlags

    func run() async throws {
        let catalog = try store.openCatalog()
        let configuration = try server.configuration(mediaRoot: folder.map { URL(fileURLWithPath: $0) })
        print("Serving \(catalog.count) items from \(store.path) at http://\(configuration.host):\(configuration.port)/")
        Output.flush()
        try await VitrineServer(catalog: catalog, configuration: configuration).run()
    }
}
