import Testing
import VitrineImage

@Test(arguments: Fixtures.manifest.resize)
func resizeMatchesPillow(_ fixture: PixelCase) throws {
    let source = try ImageDecoder.decode(contentsOf: Fixtures.url(fixture.source))
    let filter = try #require(ResamplingFilter(rawValue: fixture.filter ?? ""))
    let resized = try source.resized(width: fixture.width, height: fixture.height, filter: filter)
    let difference = differences(resized.pixels, try Fixtures.bytes(fixture.expected))
    #expect(difference.max <= fixture.tolerance, "\(fixture.note): max diff \(difference.max)")
}

@Test func resizeToTheSameSizeIsIdentity() throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("resize-source.png"))
    #expect(try image.resized(width: image.width, height: image.height) == image)
}

@Test func invalidSizesAreErrors() throws {
    let image = try RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
    #expect(throws: ImageProcessingError.self) { try image.resized(width: 0, height: 3) }
    #expect(throws: ImageProcessingError.self) { try image.centerCropped(width: 3, height: 1) }
    #expect(throws: ImageProcessingError.self) { try RGBImage(width: 2, height: 2, pixels: [1, 2, 3]) }
}

@Test func shortSideResizeTruncatesTheLongSideLikeTorchvision() throws {
    let landscape = try RGBImage(width: 97, height: 61, pixels: [UInt8](repeating: 9, count: 97 * 61 * 3))
    #expect(landscape.size(forShortSide: 256) == (width: 407, height: 256))  // 256·97/61 = 407.08
    let portrait = try RGBImage(width: 3, height: 7, pixels: [UInt8](repeating: 9, count: 63))
    #expect(portrait.size(forShortSide: 10) == (width: 10, height: 23))       // 23.33
}

@Test func centerCropRoundsHalfOffsetsToEvenLikePython() throws {
    // Width 7, crop 2: offset round(2.5) = 2 in Python (banker's rounding), not 3.
    let pixels: [UInt8] = (0..<7).flatMap { x -> [UInt8] in [UInt8(x), 0, 0] }
    let row = try RGBImage(width: 7, height: 1, pixels: pixels)
    #expect(try row.centerCropped(width: 2, height: 1).pixels == [2, 0, 0, 3, 0, 0])
    // Width 6, crop 3: round(1.5) = 2.
    let six = try RGBImage(width: 6, height: 1, pixels: Array(pixels.prefix(18)))
    #expect(try six.centerCropped(width: 3, height: 1).pixels == [2, 0, 0, 3, 0, 0, 4, 0, 0])
}

/// The window-only resize must give the same bytes as a full resize and a centre crop: downscales
/// either pass order (tall images shrunk mostly in height run vertical-first), upscales, one axis
/// unchanged, odd crop offsets, both filters.
@Test func resizedCenterCropEqualsResizeThenCrop() throws {
    var state: UInt64 = 7
    func byte() -> UInt8 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
    let shapes: [(source: (Int, Int), target: (Int, Int), crop: (Int, Int))] = [
        ((480, 300), (409, 256), (224, 224)),
        ((120, 700), (80, 300), (64, 201)),   // height shrinks much more: vertical pass first
        ((50, 40), (130, 101), (99, 100)),     // upscale
        ((64, 90), (64, 45), (33, 20)),        // width unchanged
        ((90, 64), (45, 64), (20, 33)),        // height unchanged
        ((33, 33), (33, 33), (11, 12)),        // no resize: a plain crop
    ]
    for shape in shapes {
        let (w, h) = shape.source
        let image = try RGBImage(width: w, height: h, pixels: (0..<(w * h * 3)).map { _ in byte() })
        for filter in [ResamplingFilter.bilinear, .bicubic] {
            let full = try image.resized(width: shape.target.0, height: shape.target.1, filter: filter)
                .centerCropped(width: shape.crop.0, height: shape.crop.1)
            let window = try image.resizedCenterCrop(width: shape.target.0, height: shape.target.1, cropWidth: shape.crop.0,
                                                     cropHeight: shape.crop.1, filter: filter)
            #expect(window == full, "\(shape) \(filter)")
        }
    }
    #expect(throws: ImageProcessingError.self) { try RGBImage(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 48))
        .resizedCenterCrop(width: 8, height: 8, cropWidth: 9, cropHeight: 2) }
}
