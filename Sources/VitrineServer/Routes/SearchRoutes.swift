import Foundation
import VitrineImage
import Hummingbird
import VitrineCatalog
import VitrineCore

extension VitrineServer {
    /// `POST /search`: JSON `{"text": ...}`, a multipart form with an `image` file (or a `text` field),
    /// or a raw JPEG/PNG body with an image content type. `k`, `space` and `tag` come from the JSON or the query.
    func addSearchRoutes(to router: Router<BasicRequestContext>) {
        routes(router, needing: .read).post("/search") { [catalog, configuration, encoderQueue] request, context in
            let input = RequestInput(request: request, context: context)
            var k = try input.integer("k", default: 12, in: 1...configuration.maxResults)
            var spaceName = input.query("space")
            var tag = input.query("tag").flatMap { $0.isEmpty ? nil : $0 }
            var text: String?
            var image: [UInt8]?
            switch input.mediaType {
            case "application/json":
                let query = try JSONResponse.decode(TextSearchJSON.self, from: try await input.body(limit: configuration.maxUploadBytes))
                text = query.text
                if let value = query.k {
                    guard (1...configuration.maxResults).contains(value) else {
                        throw ServerError.invalidParameter(name: "k", reason: "\(value) is outside 1…\(configuration.maxResults)")
                    }
                    k = value
                }
                spaceName = query.space ?? spaceName
                tag = query.tag ?? tag
            case "multipart/form-data":
                let form = try await input.multipartForm(limit: configuration.maxUploadBytes)
                if let part = form.part(named: "image"), !part.body.isEmpty { image = part.body } else { text = form.part(named: "text")?.text }
            case let type where type.hasPrefix("image/") || type == "application/octet-stream":
                image = try await input.body(limit: configuration.maxUploadBytes)
            default:
                throw ServerError.unsupportedMediaType(field: "request body",
                                                      detected: input.mediaType.isEmpty ? "no Content-Type" : input.mediaType)
            }
            let space = try spaceName.map { name -> Modality in
                guard let space = Modality(rawValue: name.lowercased()) else {
                    throw ServerError.invalidParameter(name: "space", reason: "'\(name)' is not one of fused, image, text")
                }
                return space
            } ?? .fused
            let precision = try input.searchPrecision()
            let options = QueryOptions(limit: k, tags: tag.map { [$0] } ?? [], exact: precision.exact, efSearch: precision.efSearch,
                                       imageWeight: try input.imageWeight())
            let hits: [CatalogHit]
            if let image {
                _ = try ImageFormat.requireEncodable(image, field: "image")
                hits = try await encoderQueue.run { try catalog.search(imageData: Data(image), name: "uploaded image", space: space, options: options) }
            } else if let text {
                hits = try await encoderQueue.run { try catalog.search(text: text, space: space, options: options) }
            } else {
                throw ServerError.malformedBody(reason: "expected a 'text' field or an 'image' file")
            }
            return try JSONResponse.make(HitListJSON(modality: space.rawValue, results: hits.map(HitJSON.init)))
        }
    }
}
