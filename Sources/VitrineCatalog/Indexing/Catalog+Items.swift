import Foundation
import VitrineCore
import VitrineImage
import VitrineStore
import VitrineTensor

extension Catalog {
    /// Embeds one item and stores it; it is searchable when this returns (the server's `POST /items`).
    /// Items added this way are never removed by a later folder `index` run.
    /// - Parameter replacing: when false, an existing id is an error.
    /// - Throws: `.invalidInput` (empty id, an undecodable image, nothing to embed), `.duplicateItem`, `.store`.
    @discardableResult
    public func addItem(_ input: NewItem, replacing: Bool = true) throws -> CatalogItem {
        var given = input.item
        let id = given.id.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty else { throw CatalogError.invalidInput(field: "id", reason: "it is empty") }
        given.id = id
        var source = SourceItem(given, titleIsGiven: !given.title.isEmpty)
        if given.title.isEmpty { source.title = SourceItem.title(fromID: id) }
        var hasher = SHA256()
        hasher.update(Array("\(fusedModelID)\u{0}\(id)\u{0}\(given.title)\u{0}\(given.description)\u{0}\(given.tags)\u{0}\(given.category ?? "")".utf8))
        for key in given.metadata.keys.sorted() { hasher.update(Array("\(key)=\(given.metadata[key] ?? "")\u{0}".utf8)) }
        var tensors: [ImageTensor] = []
        if !input.images.isEmpty {
            let encoder = try encoders.imageEncoder()
            for (position, data) in input.images.enumerated() {
                hasher.update(data)
                do { tensors.append(try encoder.tensor(fromFileBytes: [UInt8](data), name: "image \(position + 1) of '\(id)'")) } catch {
                    throw CatalogError.invalidInput(field: "image \(position + 1) of '\(id)'", reason: "\(error)")
                }
            }
        }
        let prepared = PreparedItem(source: source, contentHash: Self.apiHashPrefix + hasher.finalizeHex(), tensors: tensors,
                                    imagePaths: [], text: source.encoderText, problems: [])
        guard !tensors.isEmpty || prepared.text != nil else {
            throw CatalogError.invalidInput(field: "item '\(id)'", reason: "it has neither an image nor any text to embed")
        }
        return try serializedWrite {
            if !replacing, item(id) != nil { throw CatalogError.duplicateItem(id: id) }
            try registerModels()
            let embedded = try CatalogError.wrapping { try ItemPreparation.embed([prepared], encoders: encoders) }
            try commit(embedded)
            try refitFusionWeightsIfDrifted()
            guard let stored = item(id) else { throw CatalogError.unknownItem(id: id) }
            return stored
        }
    }

    /// Refits the cross-modal imputer on the catalog's complete items, saves it, and re-fuses the items
    /// that lack a modality (their fused vector's missing half is predicted by the imputer).
    func refitImputer() throws {
        let snapshot = state.read { state in
            state.items.values.sorted { $0.id < $1.id }.map { item in
                (item, ItemVectors(image: state.imageIndex.vector(for: item.id), text: state.textIndex.vector(for: item.id)))
            }
        }
        let incomplete = snapshot.filter { !$0.1.isComplete && ($0.1.image != nil || $0.1.text != nil) }
        let old = state.read { $0.recommender.fusion }
        guard !incomplete.isEmpty || old.imputer.fittedPairCount > 0 else { return }
        let fusion = try CatalogError.wrapping {
            try VectorFusion(fittingCatalog: snapshot.map(\.1), imageDimension: old.imageDimension, textDimension: old.textDimension,
                             weights: old.weights)
        }
        let refused = try CatalogError.wrapping { try incomplete.map { ($0.0, try fusion.embed($0.1, id: $0.0.id)) } }
        let precision = options.vectorPrecision
        let data = try CatalogError.wrapping { try JSONEncoder().encode(fusion.imputer) }
        try writeStore { tx in
            try tx.saveTrainedModel(name: Self.imputerBlobName, data: data, configJSON: fusedModelID, keepingPrevious: 0)
            for (item, embedding) in refused {
                try tx.setVectors([StoredVector(modality: .fused, values: embedding.vector, modelID: fusedModelID, dtype: precision)], for: item.id)
            }
        }
        // Rebuild the fused index around the new fusion (its imputer is part of the recommender).
        try CatalogError.wrapping {
            try state.write { state in
                var recommender = try Recommender(fusion: fusion, profileOptions: state.recommender.profileOptions,
                                                  popularity: state.recommender.popularity, precision: options.indexPrecision,
                                                  approximate: options.approximateSearch)
                recommender.scoringWeights = state.recommender.scoringWeights
                let refusedByID = Dictionary(uniqueKeysWithValues: refused.map { ($0.0.id, $0.1) })
                for id in state.recommender.index.ids {
                    guard let item = state.items[id] else { continue }
                    if let embedding = refusedByID[id] {
                        let vector = precision == .float16 ? embedding.vector.map(HalfPrecision.rounded) : embedding.vector
                        try recommender.add(item.item, embedding: ItemEmbedding(vector: vector, imageImputed: embedding.imageImputed,
                                                                                    textImputed: embedding.textImputed))
                    } else if let vector = state.recommender.index.vector(for: id) {
                        try recommender.add(item.item, embedding: ItemEmbedding(vector: vector, imageImputed: !item.hasImage,
                                                                                    textImputed: !item.hasText))
                    }
                }
                state.recommender = recommender
            }
        }
    }
}
