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
