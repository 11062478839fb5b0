import Testing
import VitrineImage

/// A smooth gradient with a sharp-edged square: what JPEG keeps well, and an edge to check placement.
private func testImage(width: Int, height: Int) throws -> RGBImage {
    var pixels: [UInt8] = []
    for y in 0..<height {
        for x in 0..<width {
            let inSquare = x >= width / 4 && x < width / 2 && y >= height / 4 && y < height / 2
            pixels += inSquare ? [20, 200, 40] : [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128]
        }
    }
    return try RGBImage(width: width, height: height, pixels: pixels)
}

private func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
    zip(a, b).reduce(0.0) { $0 + Double(abs(Int($1.0) - Int($1.1))) } / Double(max(1, a.count))
}

@Test func jpegEncodingRoundTripsThroughTheDecoder() throws {
    for (width, height) in [(64, 48), (17, 33), (1, 1)] {
        let image = try testImage(width: width, height: height)
        let file = try image.jpegData(quality: 90)
        #expect(ImageFormat.detect(in: file) == .jpeg)
        let decoded = try ImageDecoder.decode(file, name: "encoded")
        #expect(decoded.width == width && decoded.height == height)
        #expect(meanAbsoluteDifference(decoded.pixels, image.pixels) < 6, "\(width)×\(height)")
    }
}

@Test func lowerJPEGQualityMakesSmallerFiles() throws {
    let image = try testImage(width: 96, height: 96)
    #expect(try image.jpegData(quality: 30).count < image.jpegData(quality: 95).count)
}

@Test func jpegQualityOutsideOneToHundredIsAnError() throws {
    let image = try testImage(width: 4, height: 4)
    #expect(throws: ImageEncodingError.invalidQuality(0)) { try image.jpegData(quality: 0) }
    #expect(throws: ImageEncodingError.invalidQuality(101)) { try image.jpegData(quality: 101) }
}
