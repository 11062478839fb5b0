import Foundation
import VitrineImage
import Hummingbird
import NIOCore
import VitrineCatalog
import VitrineCore

extension VitrineServer {
    /// `/items`, `/items/{id}`, `/items/{id}/image`, `/items/{id}/similar`.
    func addItemRoutes(to router: Router<BasicRequestContext>) {
        let reads = routes(router, needing: .read), admin = routes(router, needing: .write(.admin))
        reads.get("/items") { [catalog, configuration] request, context in
            let input = RequestInput(request: request, context: context)
            let offset = try input.integer("offset", default: 0, in: 0...Int(Int32.max))
            let limit = try input.integer("limit", default: 24, in: 1...configuration.maxResults)
            let tag = input.query("tag").flatMap { $0.isEmpty ? nil : $0 }
            let all = catalog.items(offset: 0, limit: Int(Int32.max), tag: tag)
            let page = offset < all.count ? Array(all[offset..<min(all.count, offset + limit)]) : []
            return try JSONResponse.make(ItemPageJSON(items: page.map(ItemJSON.init), offset: offset, limit: limit, total: all.count))
        }

        reads.get("/items/{id}") { [catalog] request, context in
            let id = try RequestInput(request: request, context: context).pathParameter("id")
            guard let item = catalog.item(id) else { throw ServerError.unknownItem(id: id) }
            return try JSONResponse.make(ItemJSON(served: item))
        }

        reads.get("/items/{id}/image") { [catalog, media, configuration, thumbnails, thumbnailQueue] request, context in
            let input = RequestInput(request: request, context: context)
            let id = try input.pathParameter("id")
            // `?size=N`: a JPEG fitting N × N, made once and cached; without it, the stored file as it is.
            let size = try input.query("size").map { _ in
                try input.integer("size", default: 0, in: ServerConfiguration.minThumbnailSize...configuration.maxThumbnailSize)
            }
            guard let item = catalog.item(id) else { throw ServerError.unknownItem(id: id) }
            let version = item.contentHash.isEmpty ? String(item.updatedAt.timeIntervalSince1970) : item.contentHash
            let etag = "\"\(version)\(size.map { "-\($0)" } ?? "")\""
            var headers: HTTPFields = [.eTag: etag, .cacheControl: "public, max-age=\(configuration.imageCacheSeconds)"]
            if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) {
                return Response(status: .notModified, headers: headers)
            }
            guard let size else {
                guard let picture = media.picture(of: item) else { throw ServerError.noImage(id: id) }
                headers[.contentType] = picture.format.mimeType
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: picture.bytes)))
            }
            let key = ThumbnailCache.Key(item: item.id, version: version, size: size)
            let thumbnail = try await thumbnails.thumbnail(for: key) {
                guard let picture = media.picture(of: item) else { throw ServerError.noImage(id: id) }
                do {
                    return try await thumbnailQueue.run { try Thumbnail.make(from: picture.bytes, size: size) }
                } catch let error as ServerError {
                    throw error
                } catch {
                    // The stored picture no longer decodes (it did when it was indexed): the item has no usable picture.
                    throw ServerError.noImage(id: id)
                }
            }
            headers[.contentType] = "image/jpeg"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: thumbnail.bytes)))
        }

        reads.get("/items/{id}/similar") { [catalog, configuration] request, context in
            let input = RequestInput(request: request, context: context)
            let id = try input.pathParameter("id")
            let k = try input.integer("k", default: 10, in: 1...configuration.maxResults)
            let modality = try input.choice("modality", default: Modality.fused)
            let tag = input.query("tag").flatMap { $0.isEmpty ? nil : $0 }
            let precision = try input.searchPrecision()
            let options = QueryOptions(limit: k, tags: tag.map { [$0] } ?? [], exact: precision.exact, efSearch: precision.efSearch,
                                       imageWeight: try input.imageWeight())
            let hits = try catalog.similarItems(to: id, modality: modality, options: options)
            return try JSONResponse.make(HitListJSON(modality: modality.rawValue, results: hits.map(HitJSON.init)))
        }

        admin.post("/items") { [catalog, media, configuration, encoderQueue] request, context in
            let form = try await RequestInput(request: request, context: context).multipartForm(limit: configuration.maxUploadBytes)
            let field = { (name: String) in form.part(named: name)?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
            let pictures = (form.parts(named: "image") + form.parts(named: "images")).filter { !$0.body.isEmpty }
            guard pictures.count <= configuration.maxImagesPerItem else {
                throw ServerError.invalidParameter(name: "image", reason: "\(pictures.count) pictures; at most \(configuration.maxImagesPerItem)")
            }
            let formats = try pictures.map { try ImageFormat.requireEncodable($0.body, field: "image '\($0.filename ?? $0.name)'") }
            let title = field("title"), description = field("description")
            guard !pictures.isEmpty || !title.isEmpty || !description.isEmpty else {
                throw ServerError.invalidParameter(name: "item", reason: "an item needs a picture, a title or a description")
            }
            let id = try Self.validatedID(field("id").isEmpty ? Self.slug(title.isEmpty ? description : title) : field("id"))
            if catalog.item(id) != nil { throw ServerError.duplicateItem(id: id) }
            let tags = field("tags").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let category = field("category")
            let newItem = NewItem(Item(id: id, title: title.isEmpty ? id : title, description: description, tags: tags,
                                  category: category.isEmpty ? nil : category), images: pictures.map { Data($0.body) })
            let item = try await encoderQueue.run { try catalog.addItem(newItem, replacing: false) }
            if let first = pictures.first, let format = formats.first { try media.saveUpload(first.body, format: format, for: item.id) }
            var response = try JSONResponse.make(ItemJSON(served: item), status: .created)
            response.headers[.location] = "/items/\(ItemJSON.pathComponent(item.id))"
            return response
        }

        admin.delete("/items/{id}") { [catalog, media] request, context in
            let id = try RequestInput(request: request, context: context).pathParameter("id")
            guard try await offload({ try catalog.removeItem(id) }) else { throw ServerError.unknownItem(id: id) }
            media.removeUploads(for: id)
            return Response(status: .noContent)
        }
    }

    /// Ids of items added over HTTP: 1–100 characters of letters, digits, `.`, `_` and `-`, not starting with `.`.
    static func validatedID(_ id: String) throws -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard !id.isEmpty, id.count <= 100, !id.hasPrefix("."), id.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            throw ServerError.invalidParameter(name: "id", reason: "'\(id)' must be 1–100 letters, digits, '.', '_' or '-' (give a title or an id)")
        }
        return id
    }

    /// "A Red Bicycle!" → "a-red-bicycle"; empty when nothing usable is left.
    static func slug(_ text: String) -> String {
        var slug = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) { slug.unicodeScalars.append(scalar) } else if !slug.hasSuffix("-"), !slug.isEmpty { slug += "-" }
            if slug.count >= 60 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug
    }
}

extension HitJSON {
    init(_ hit: CatalogHit) { self.init(item: ItemJSON(served: hit.item), score: hit.score, duplicates: hit.duplicates) }
}
