import Foundation
import VitrineCore
import VitrineImage

extension Catalog {
    /// Items most similar to `id` in one space (image, text or fused), best first, never `id` itself.
    /// - Throws: `.unknownItem`, `.missingVector` (e.g. image similarity of a text-only item), `.index`.
    public func similarItems(to id: String, modality: Modality = .fused, options: QueryOptions = QueryOptions()) throws -> [CatalogHit] {
        try state.read { state in
            guard state.items[id] != nil else { throw CatalogError.unknownItem(id: id) }
            let index = state.index(for: modality)
            guard let vector = index.vector(for: id) else { throw CatalogError.missingVector(id: id, modality: modality.rawValue) }
            var excluding = options.excluding
            excluding.insert(id)
            let query = modality == .fused ? try fusedQuery(vector, options: options, state: state) : vector
            return try hits(in: index, query: query, options: options, excluding: excluding, state: state)
        }
    }

    /// `similarItems` with the common options spelled out.
    public func similarItems(to id: String, modality: Modality = .fused, limit: Int = 10, tag: String? = nil,
                             category: String? = nil, includeNearDuplicates: Bool = false) throws -> [CatalogHit] {
        try similarItems(to: id, modality: modality, options: QueryOptions(
            limit: limit, tags: tag.map { [$0] } ?? [], categories: category.map { [$0] } ?? [], includeNearDuplicates: includeNearDuplicates))
    }

    /// Items matching a free-text query: the text encoder's vector against the text vectors (`.text`) or the
    /// fused vectors (`.fused`, the query's image half imputed from its text when the imputer is fitted).
    /// - Throws: `.invalidInput` for empty text or `.image` space, `.encoderUnavailable`.
    public func search(text: String, space: Modality = .fused, options: QueryOptions = QueryOptions()) throws -> [CatalogHit] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CatalogError.invalidInput(field: "search text", reason: "it is empty") }
        guard space != .image else {
            throw CatalogError.invalidInput(field: "space", reason: "a text query searches the text or fused space, not image")
        }
        let vector = try CatalogError.wrapping { try encoders.textEncoder().embed(batch: [trimmed]) }
        guard let query = vector.first else { throw CatalogError.index(reason: "the text encoder returned no vector") }
        return try search(vectors: ItemVectors(text: query), space: space, options: options)
    }

    /// Items whose pictures look like the image file at `url` (image space, or fused with the text half imputed).
    /// - Throws: `.invalidInput` for an unreadable/undecodable image or `.text` space, `.encoderUnavailable`.
    public func search(imageAt url: URL, space: Modality = .fused, options: QueryOptions = QueryOptions()) throws -> [CatalogHit] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError.invalidInput(field: "image \(url.path)", reason: "cannot read file: \((error as NSError).localizedDescription)")
        }
        return try search(imageData: data, name: url.path, space: space, options: options)
    }

    /// `search(imageAt:)` for image bytes held in memory (JPEG or PNG); `name` labels them in errors.
    public func search(imageData: Data, name: String = "image data", space: Modality = .fused,
                       options: QueryOptions = QueryOptions()) throws -> [CatalogHit] {
        guard space != .text else {
            throw CatalogError.invalidInput(field: "space", reason: "an image query searches the image or fused space, not text")
        }
        let vector = try embedImage(bytes: [UInt8](imageData), name: name)
        return try search(vectors: ItemVectors(image: vector), space: space, options: options)
    }

    /// Ranks raw query vectors (either modality) in a space; the shared end of every search.
    public func search(vectors: ItemVectors, space: Modality, options: QueryOptions = QueryOptions()) throws -> [CatalogHit] {
        try state.read { state in
            let query: [Float]
            switch space {
            case .image:
                guard let image = vectors.image else { throw CatalogError.invalidInput(field: "query", reason: "image space needs an image vector") }
                query = image
            case .text:
                guard let text = vectors.text else { throw CatalogError.invalidInput(field: "query", reason: "text space needs a text vector") }
                query = text
            case .fused:
                query = try fusedQuery(try CatalogError.wrapping { try state.recommender.fusion.query(vectors, space: .fused) },
                                       options: options, state: state)
            }
            return try hits(in: state.index(for: space), query: query, options: options, excluding: options.excluding, state: state)
        }
    }

    /// One image file's bytes → unit image vector.
    func embedImage(bytes: [UInt8], name: String) throws -> [Float] {
        let encoder = try encoders.imageEncoder()
        let tensor: ImageTensor
        do { tensor = try encoder.tensor(fromFileBytes: bytes, name: name) } catch {
            throw CatalogError.invalidInput(field: "image \(name)", reason: "\(error)")
        }
        let vectors = try CatalogError.wrapping { try encoder.embed(batch: [tensor]) }
        guard let vector = vectors.first else { throw CatalogError.index(reason: "the image encoder returned no vector") }
        return vector
    }

    /// A fused-space query rescaled to the weights this query uses: `options.imageWeight`, else the catalog's.
    private func fusedQuery(_ query: [Float], options: QueryOptions, state: CatalogState) throws -> [Float] {
        var weights = state.recommender.scoringWeights
        if let image = options.imageWeight {
            guard (0...1).contains(image) else {
                throw CatalogError.invalidInput(field: "image weight", reason: "must be in [0, 1], got \(image)")
            }
            weights = try CatalogError.wrapping { try FusionWeights(image: image, text: 1 - image) }
        }
        return state.recommender.fusion.reweighted(query, to: weights)
    }

    private func hits(in index: VectorIndex, query: [Float], options: QueryOptions, excluding: Set<String>,
                      state: CatalogState) throws -> [CatalogHit] {
        let search = SearchOptions(limit: options.limit, excluding: excluding,
                                   filter: IndexFilter(anyOfTags: options.tags, categories: options.categories),
                                   nearDuplicateThreshold: self.options.nearDuplicateThreshold,
                                   includeNearDuplicates: options.includeNearDuplicates,
                                   exact: options.exact, efSearch: options.efSearch)
        if index.needsGraph { searchGraphs.schedule(for: self) }
        let found = try CatalogError.wrapping { try index.search(query: query, options: search) }
        return found.compactMap { hit in
            state.items[hit.id].map { CatalogHit(item: $0, hit: hit) }
        }
    }
}
