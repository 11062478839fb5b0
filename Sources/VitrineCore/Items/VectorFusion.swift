import VitrineTensor

// The fused item space. One vector per item, [√w_img · image ; √w_txt · text], with each
// half unit-length, so between two complete items the dot product is exactly
//     w_img · cos(image) + w_txt · cos(text)
// (weights sum to one, so the fused vector is itself unit-length).
//
// Missing modality rule: the missing half is predicted by `CrossModalImputer` from the
// half that exists and normalized, so the fused vector is still unit-length and a text-only
// item is comparable with a picture-only one through the imputed halves. The embedding
// flags which half was imputed so explanations can say so. When no map could be fitted
// (no complete item in the catalog) the missing half is zero: that modality contributes
// zero similarity and the vector's length is √w_present (not renormalized, so fused scores
// keep meaning "w_img·cos_img + w_txt·cos_txt" with the missing cosine counted as 0).

/// Which vector of an item: the picture's, the description's, or their weighted fusion. Names the
/// stored vectors, the search spaces, and (image / text) the halves of a fused vector.
public enum Modality: String, Sendable, Codable, CaseIterable, Hashable {
    /// The picture (EfficientNet-Lite0 vector); as a search space, image cosine only.
    case image
    /// The description (MiniLM vector); as a search space, text cosine only.
    case text
    /// The weighted image + text combination (the default search space).
    case fused
}

/// An item's fused vector plus where its halves came from.
public struct ItemEmbedding: Sendable, Equatable, Codable {
    /// Fused vector of length `imageDimension + textDimension` (image half first).
    public let vector: [Float]
    /// True when the image half was predicted from text (or left zero) rather than encoded.
    public let imageImputed: Bool
    /// True when the text half was predicted from the image (or left zero) rather than encoded.
    public let textImputed: Bool

    /// Creates an embedding from an already fused vector.
    public init(vector: [Float], imageImputed: Bool = false, textImputed: Bool = false) {
        self.vector = vector
        self.imageImputed = imageImputed
        self.textImputed = textImputed
    }
}

/// Builds fused item vectors and queries, and decomposes fused scores by modality.
public struct VectorFusion: Sendable, Codable, Equatable {
    /// Width of image vectors.
    public let imageDimension: Int
    /// Width of text vectors.
    public let textDimension: Int
    /// Modality weights (sum to one).
    public let weights: FusionWeights
    /// Predicts missing halves; an unfitted imputer leaves them at zero.
    public let imputer: CrossModalImputer

    /// Length of fused vectors: `imageDimension + textDimension`.
    public var fusedDimension: Int { imageDimension + textDimension }

    /// Creates a fusion with a given (possibly unfitted) imputer.
    public init(imageDimension: Int = 1280, textDimension: Int = 384, weights: FusionWeights = .balanced,
                imputer: CrossModalImputer? = nil) {
        self.imageDimension = imageDimension
        self.textDimension = textDimension
        self.weights = weights
        self.imputer = imputer ?? CrossModalImputer(imageDimension: imageDimension, textDimension: textDimension)
    }

    /// Creates a fusion and fits its imputer on the catalog items that have both modalities.
    /// - Throws: `VitrineCoreError` for vectors of the wrong length, non-finite or zero.
    public init(fittingCatalog vectors: [ItemVectors], imageDimension: Int = 1280, textDimension: Int = 384,
                weights: FusionWeights = .balanced, regularization: Double = 0.1) throws {
        let imputer = try CrossModalImputer(fitting: vectors, imageDimension: imageDimension,
                                            textDimension: textDimension, regularization: regularization)
        self.init(imageDimension: imageDimension, textDimension: textDimension, weights: weights, imputer: imputer)
    }

    /// Fuses one item's vectors, imputing a missing half.
    /// - Parameter id: used only in error messages.
    /// - Throws: `.missingVectors` when both are absent; `.dimensionMismatch` / `.nonFiniteVector` / `.zeroVector`.
    public func embed(_ vectors: ItemVectors, id: String = "item") throws -> ItemEmbedding {
        let image = try vectors.image.map { try VectorMath.checkedUnit($0, dimension: imageDimension, field: "\(id).image") }
        let text = try vectors.text.map { try VectorMath.checkedUnit($0, dimension: textDimension, field: "\(id).text") }
        switch (image, text) {
        case (nil, nil):
            throw VitrineCoreError.missingVectors(id: id)
        case let (image?, text?):
            return ItemEmbedding(vector: concatenate(image: image, text: text))
        case let (image?, nil):
            return ItemEmbedding(vector: concatenate(image: image, text: imputer.textVector(fromImage: image)), textImputed: true)
        case let (nil, text?):
            return ItemEmbedding(vector: concatenate(image: imputer.imageVector(fromText: text), text: text), imageImputed: true)
        }
    }

    /// A query vector in the fused space for the given space.
    ///
    /// - `.fused`: like `embed` (a missing half is imputed).
    /// - `.image` / `.text`: the other half is zero, so ranking is by that modality's cosine
    ///   against every item's (real or imputed) half. This is how a free-text onboarding
    ///   query searches the text half of the fused index.
    /// - Throws: `.missingVectors` when the space needs a modality the query lacks;
    ///   `.invalidOption` when that modality has weight zero.
    public func query(_ vectors: ItemVectors, space: Modality) throws -> [Float] {
        switch space {
        case .fused:
            return try embed(vectors, id: "query").vector
        case .image:
            guard let image = vectors.image else { throw VitrineCoreError.missingVectors(id: "image query") }
            guard weights.image > 0 else {
                throw VitrineCoreError.invalidOption(name: "space", reason: "image search with image weight 0")
            }
            let unit = try VectorMath.checkedUnit(image, dimension: imageDimension, field: "query.image")
            return unit + [Float](repeating: 0, count: textDimension)
        case .text:
            guard let text = vectors.text else { throw VitrineCoreError.missingVectors(id: "text query") }
            guard weights.text > 0 else {
                throw VitrineCoreError.invalidOption(name: "space", reason: "text search with text weight 0")
            }
            let unit = try VectorMath.checkedUnit(text, dimension: textDimension, field: "query.text")
            return [Float](repeating: 0, count: imageDimension) + unit
        }
    }

    /// `query` (a fused-space vector laid out with `weights`, like every item of this fusion) rescaled so
    /// that its dot product with an item is `target.image · (image-half dot) + target.text · (text-half dot)`
    /// — between unit halves, `target.image · cos_img + target.text · cos_txt` exactly. This is how a
    /// catalog's fitted weight, or a request's `imageWeight`, applies without re-fusing any item: the
    /// items keep their layout weights, only the query's halves are scaled (by target / layout weight).
    /// A half whose layout weight is zero has nothing to scale and stays zero.
    public func reweighted(_ query: [Float], to target: FusionWeights) -> [Float] {
        guard target != weights, query.count == fusedDimension else { return query }
        let imageScale = weights.image > 0 ? target.image / weights.image : 0
        let textScale = weights.text > 0 ? target.text / weights.text : 0
        var scaled = query
        for i in 0..<imageDimension { scaled[i] *= imageScale }
        for i in imageDimension..<fusedDimension { scaled[i] *= textScale }
        return scaled
    }

    /// Factor that turns a raw dot product in `space` into that space's cosine
    /// (item halves are scaled by √w, so image-space scores are divided by √w_img).
    public func scoreScale(for space: Modality) -> Float {
        switch space {
        case .fused: return 1
        case .image: return weights.image > 0 ? 1 / weights.image.squareRoot() : 0
        case .text: return weights.text > 0 ? 1 / weights.text.squareRoot() : 0
        }
    }

    /// Splits the fused score `query · item` into its image-half and text-half parts (they sum to the score).
    /// Precondition: both vectors have `fusedDimension` values (vectors from this fusion or its index).
    public func modalityContributions(query: [Float], item: [Float]) -> (image: Float, text: Float) {
        precondition(query.count == fusedDimension && item.count == fusedDimension, "modalityContributions: length")
        return query.withUnsafeBufferPointer { q in
            item.withUnsafeBufferPointer { v -> (image: Float, text: Float) in
                guard let q = q.baseAddress, let v = v.baseAddress else { return (0, 0) }
                return (Kernels.dot(count: imageDimension, q, v),
                        Kernels.dot(count: textDimension, q + imageDimension, v + imageDimension))
            }
        }
    }

    private func concatenate(image: [Float]?, text: [Float]?) -> [Float] {
        let imageScale = weights.image.squareRoot(), textScale = weights.text.squareRoot()
        var fused = [Float](repeating: 0, count: fusedDimension)
        if let image { for i in 0..<imageDimension { fused[i] = imageScale * image[i] } }
        if let text { for i in 0..<textDimension { fused[imageDimension + i] = textScale * text[i] } }
        return fused
    }
}
