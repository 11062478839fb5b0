import VitrineTensor

// Cross-modal imputation: when an item lacks a picture (or a description), its missing
// half of the fused vector is predicted from the half it has, with a ridge-regression
// linear map fitted on the catalog items that have both. A text-only item then sits
// where a similar picture "would" put it, so it stays comparable with picture-only items
// instead of being stranded in the text half of the space.
//
// The maps are closed-form: W = (XᵀX + λI)⁻¹ XᵀY on centered data (primal, when there are
// more pairs than input dimensions) or W = Xᵀ(XXᵀ + λI)⁻¹Y (dual, otherwise) — both give
// the same W; we pick the smaller system. λ = regularization × trace(XᵀX) / inputDimension
// so the knob is scale-free.

/// A linear map `y = outputMean + (x − inputMean) · W` fitted by ridge regression.
public struct RidgeMap: Sendable, Codable, Equatable {
    /// Length of the input vectors.
    public let inputDimension: Int
    /// Length of the predicted vectors.
    public let outputDimension: Int
    let inputMean: [Float]
    let outputMean: [Float]
    /// Row-major `inputDimension × outputDimension`.
    let weights: [Float]

    /// Fits the map on paired rows (each input row predicts the output row at the same index).
    /// - Throws: `VitrineCoreError.notPositiveDefinite` only for a degenerate system.
    static func fit(inputs: [[Float]], outputs: [[Float]], inputDimension: Int, outputDimension: Int,
                    regularization: Double) throws -> RidgeMap {
        let n = inputs.count
        precondition(n == outputs.count && n > 0, "RidgeMap.fit: paired rows required")
        var inputMean = [Double](repeating: 0, count: inputDimension)
        var outputMean = [Double](repeating: 0, count: outputDimension)
        for row in inputs { for a in 0..<inputDimension { inputMean[a] += Double(row[a]) } }
        for row in outputs { for b in 0..<outputDimension { outputMean[b] += Double(row[b]) } }
        for a in 0..<inputDimension { inputMean[a] /= Double(n) }
        for b in 0..<outputDimension { outputMean[b] /= Double(n) }
        let x = inputs.map { row in (0..<inputDimension).map { Double(row[$0]) - inputMean[$0] } }
        let y = outputs.map { row in (0..<outputDimension).map { Double(row[$0]) - outputMean[$0] } }
        let trace = x.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1 * $1 } }
        let lambda = max(regularization * trace / Double(inputDimension), 1e-9)

        var w = [Double](repeating: 0, count: inputDimension * outputDimension)
        if n >= inputDimension {
            // Primal: (XᵀX + λI) W = XᵀY, an inputDimension-sized system.
            let d = inputDimension
            var gram = [Double](repeating: 0, count: d * d)
            var cross = [Double](repeating: 0, count: d * outputDimension)
            for s in 0..<n {
                let xs = x[s], ys = y[s]
                for a in 0..<d where xs[a] != 0 {
                    let xa = xs[a]
                    for b in 0...a { gram[a * d + b] += xa * xs[b] }
                    for c in 0..<outputDimension { cross[a * outputDimension + c] += xa * ys[c] }
                }
            }
            for a in 0..<d { gram[a * d + a] += lambda }
            w = try CholeskySolver(matrix: gram, size: d).solve(cross, columns: outputDimension)
        } else {
            // Dual: A = (XXᵀ + λI)⁻¹ Y, then W = Xᵀ A — an n-sized system.
            var kernel = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0...i {
                    var sum = 0.0
                    for a in 0..<inputDimension { sum += x[i][a] * x[j][a] }
                    kernel[i * n + j] = sum
                }
                kernel[i * n + i] += lambda
            }
            let rhs = y.flatMap { $0 }
            let alpha = try CholeskySolver(matrix: kernel, size: n).solve(rhs, columns: outputDimension)
            for s in 0..<n {
                for a in 0..<inputDimension where x[s][a] != 0 {
                    let xa = x[s][a]
                    for c in 0..<outputDimension { w[a * outputDimension + c] += xa * alpha[s * outputDimension + c] }
                }
            }
        }
        return RidgeMap(inputDimension: inputDimension, outputDimension: outputDimension,
                        inputMean: inputMean.map { Float($0) }, outputMean: outputMean.map { Float($0) },
                        weights: w.map { Float($0) })
    }

    /// Applies the map to one input vector (no normalization).
    /// Precondition: `input.count == inputDimension`.
    public func apply(_ input: [Float]) -> [Float] {
        precondition(input.count == inputDimension, "RidgeMap.apply: input length")
        var out = outputMean
        for a in 0..<inputDimension {
            let xa = input[a] - inputMean[a]
            if xa == 0 { continue }
            let base = a * outputDimension
            for c in 0..<outputDimension { out[c] += xa * weights[base + c] }
        }
        return out
    }
}

/// Predicts a missing image (or text) vector from the modality an item does have.
public struct CrossModalImputer: Sendable, Codable, Equatable {
    /// Width of image vectors (1280 for EfficientNet-Lite0).
    public let imageDimension: Int
    /// Width of text vectors (384 for MiniLM).
    public let textDimension: Int
    /// Number of complete items the maps were fitted on (0 = no maps; imputation yields zeros).
    public let fittedPairCount: Int
    let textToImage: RidgeMap?
    let imageToText: RidgeMap?

    /// Fewest complete items needed to fit the maps; below this the imputer leaves halves at zero.
    public static let minimumPairs = 2

    /// Fits both maps on the catalog items that have both modalities.
    /// - Parameters:
    ///   - vectors: the catalog's raw vectors; incomplete items are ignored.
    ///   - regularization: ridge strength relative to the mean input variance (default 0.1).
    ///   - maxPairs: cap on fitting rows; beyond it an evenly spaced subset is used so fitting
    ///     stays O(maxPairs · d²) on large catalogs.
    /// - Throws: `VitrineCoreError.dimensionMismatch` / `.nonFiniteVector` / `.zeroVector` for bad vectors.
    public init(fitting vectors: [ItemVectors], imageDimension: Int, textDimension: Int,
                regularization: Double = 0.1, maxPairs: Int = 4000) throws {
        self.imageDimension = imageDimension
        self.textDimension = textDimension
        var images: [[Float]] = [], texts: [[Float]] = []
        for (index, v) in vectors.enumerated() {
            guard let image = v.image, let text = v.text else { continue }
            images.append(try VectorMath.checkedUnit(image, dimension: imageDimension, field: "vectors[\(index)].image"))
            texts.append(try VectorMath.checkedUnit(text, dimension: textDimension, field: "vectors[\(index)].text"))
        }
        if images.count > maxPairs, maxPairs > 0 {
            let step = Double(images.count) / Double(maxPairs)
            let picks = (0..<maxPairs).map { Int(Double($0) * step) }
            images = picks.map { images[$0] }
            texts = picks.map { texts[$0] }
        }
        guard images.count >= Self.minimumPairs else {
            fittedPairCount = 0
            textToImage = nil
            imageToText = nil
            return
        }
        fittedPairCount = images.count
        textToImage = try RidgeMap.fit(inputs: texts, outputs: images, inputDimension: textDimension,
                                       outputDimension: imageDimension, regularization: regularization)
        imageToText = try RidgeMap.fit(inputs: images, outputs: texts, inputDimension: imageDimension,
                                       outputDimension: textDimension, regularization: regularization)
    }

    /// An imputer with no maps: missing halves are left at zero.
    public init(imageDimension: Int, textDimension: Int) {
        self.imageDimension = imageDimension
        self.textDimension = textDimension
        fittedPairCount = 0
        textToImage = nil
        imageToText = nil
    }

    /// Predicted unit image vector for a text vector (normalized first, as in fitting), or nil when no map is fitted.
    public func imageVector(fromText text: [Float]) -> [Float]? {
        guard let map = textToImage, text.count == textDimension, let unit = l2Normalized(text) else { return nil }
        return l2Normalized(map.apply(unit))
    }

    /// Predicted unit text vector for an image vector (normalized first, as in fitting), or nil when no map is fitted.
    public func textVector(fromImage image: [Float]) -> [Float]? {
        guard let map = imageToText, image.count == imageDimension, let unit = l2Normalized(image) else { return nil }
        return l2Normalized(map.apply(unit))
    }
}
