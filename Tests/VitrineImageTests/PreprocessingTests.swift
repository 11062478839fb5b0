import Foundation
import Testing
import VitrineImage

@Test(arguments: Fixtures.manifest.preprocess)
func preprocessingMatchesTorchvisionRecipe(_ fixture: PreprocessCase) throws {
    let recipe = Preprocessing(resizeShortSide: fixture.resizeShortSide, cropSize: fixture.cropSize)
    let tensor = try recipe.tensor(contentsOf: Fixtures.url(fixture.source))
    #expect(tensor.shape == [3, fixture.cropSize, fixture.cropSize])
    let raw = try Fixtures.bytes(fixture.expected)
    let expected = stride(from: 0, to: raw.count, by: 4).map { offset in
        Float(bitPattern: UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8
            | UInt32(raw[offset + 2]) << 16 | UInt32(raw[offset + 3]) << 24)
    }
    try #require(expected.count == tensor.values.count)
    let worst = zip(tensor.values, expected).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= fixture.tolerance, "max abs diff \(worst)")
}

@Test func defaultsAreTheImageNetRecipe() {
    let recipe = Preprocessing()
    #expect(recipe.resizeShortSide == 256 && recipe.cropSize == 224)
    #expect(recipe.mean == [0.485, 0.456, 0.406] && recipe.std == [0.229, 0.224, 0.225])
    #expect(recipe.filter == .bilinear && recipe.pixelLimit == 64_000_000)
    #expect(recipe.decodingOptions.minimumShortSide == 256)
}

@Test func normalizationIsPerChannelInCHWOrder() throws {
    // Two pixels: (255, 0, 51) and (0, 255, 102).
    let image = try RGBImage(width: 2, height: 1, pixels: [255, 0, 51, 0, 255, 102])
    let tensor = try image.normalizedTensor(mean: [0.5, 0, 0.2], std: [0.5, 1, 0.1])
    #expect(tensor.shape == [3, 1, 2])
    let expected: [Float] = [1, -1, 0, 1, 0, 2]
    #expect(zip(tensor.values, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(tensor.values)")
    #expect(throws: ImageProcessingError.self) { try image.normalizedTensor(mean: [0, 0], std: [1, 1]) }
    #expect(throws: ImageProcessingError.self) { try image.normalizedTensor(mean: [0, 0, 0], std: [1, 0, 1]) }
}

@Test func batchStacksSameShapedTensorsAndRejectsOthers() throws {
    let a = try ImageTensor(shape: [3, 1, 2], values: [1, 2, 3, 4, 5, 6])
    let b = try ImageTensor(shape: [3, 1, 2], values: [7, 8, 9, 10, 11, 12])
    let batch = try ImageTensor.batch([a, b])
    #expect(batch.shape == [2, 3, 1, 2])
    #expect(batch.values == Array(1...12).map(Float.init))
    let other = try ImageTensor(shape: [3, 2, 1], values: [1, 2, 3, 4, 5, 6])
    #expect(throws: ImageProcessingError.batchShapeMismatch(expected: [3, 1, 2], found: [3, 2, 1], index: 1)) {
        try ImageTensor.batch([a, other])
    }
    #expect(throws: ImageProcessingError.self) { try ImageTensor.batch([]) }
}

@Test func preprocessingAJPEGWithDCTScalingGivesTheCropShape() throws {
    let recipe = Preprocessing(resizeShortSide: 40, cropSize: 32)
    let tensor = try recipe.tensor(fromFileBytes: Fixtures.bytes("large.jpg"), name: "large.jpg")
    #expect(tensor.shape == [3, 32, 32])
    let unscaled = Preprocessing(resizeShortSide: 40, cropSize: 32, usesDCTScaling: false)
    let reference = try unscaled.tensor(fromFileBytes: Fixtures.bytes("large.jpg"), name: "large.jpg")
    let meanDifference = zip(tensor.values, reference.values).map { abs($0 - $1) }.reduce(0, +) / Float(tensor.values.count)
    #expect(meanDifference < 0.1, "mean |Δ| \(meanDifference) in normalized units")
    #expect(throws: ImageProcessingError.self) {
        try Preprocessing(resizeShortSide: 20, cropSize: 32).tensor(from: RGBImage(width: 1, height: 1, pixels: [0, 0, 0]))
    }
}

/// JPEGs are decoded only where the centre crop reads them; the tensor and any error must be those
/// of a whole decode. Recipes small enough that DCT scaling picks 1/8…8/8 on the fixtures; both filters.
@Test func croppedJPEGDecodingGivesTheWholeDecodesTensorAndErrors() throws {
    let names = ["baseline.jpg", "large.jpg", "gray.jpg", "progressive.jpg", "cmyk.jpg", "orientation-1.jpg",
                 "orientation-6.jpg", "truncated.jpg", "corrupt-entropy.jpg", "corrupt-entropy-extraneous.jpg",
                 "corrupt-entropy-undetectable.jpg"]
    for name in names {
        let bytes = try Fixtures.bytes(name)
        for (side, crop) in [(16, 12), (24, 20), (40, 33), (48, 48), (60, 31), (150, 120)] {
            for filter in [ResamplingFilter.bilinear, .bicubic] {
                let recipe = Preprocessing(resizeShortSide: side, cropSize: crop, filter: filter)
                let windowed = Result { try recipe.tensor(fromFileBytes: bytes, name: name) }
                let whole = Result { try recipe.tensor(from: ImageDecoder.decodeKeepingSourceSize(bytes, name: name,
                                                                                                 options: recipe.decodingOptions)) }
                switch (windowed, whole) {
                case let (.success(a), .success(b)):
                    #expect(a == b, "\(name) \(side)/\(crop) \(filter)")
                case let (.failure(a), .failure(b)):
                    #expect("\(a)" == "\(b)", "\(name) \(side)/\(crop) \(filter)")
                default:
                    Issue.record("\(name) \(side)/\(crop) \(filter): windowed \(windowed), whole \(whole)")
                }
            }
        }
    }
}
