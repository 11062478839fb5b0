import Foundation
import Testing
import VitrineImage

@Test(arguments: Fixtures.manifest.decode)
func decodedPixelsMatchPillow(_ fixture: PixelCase) throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url(fixture.source))
    #expect(image.width == fixture.width)
    #expect(image.height == fixture.height)
    let expected = try Fixtures.bytes(fixture.expected)
    try #require(image.pixels.count == expected.count)
    let difference = differences(image.pixels, expected)
    #expect(difference.max <= fixture.tolerance, "\(fixture.source): max diff \(difference.max), \(fixture.note)")
}

@Test func dctScalingMatchesPillowDraftAtQuarterScale() throws {
    let fixture = try #require(Fixtures.manifest.scaled.first)
    let options = ImageDecodingOptions(minimumShortSide: fixture.minimumShortSide)
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url(fixture.source), options: options)
    #expect(image.width == fixture.width && image.height == fixture.height)
    let difference = differences(image.pixels, try Fixtures.bytes(fixture.expected))
    // Pillow's draft mode uses the fast IDCT and plain upsampling, ours the accurate ones.
    #expect(difference.max <= fixture.tolerance)
    let meanTolerance = try #require(fixture.meanTolerance)
    #expect(difference.mean <= meanTolerance)
}

@Test func dctScalingPicksTheSmallestScaleThatCoversTheShortSide() throws {
    let url = try Fixtures.url("large.jpg")  // 200×150
    func size(_ minimum: Int?) throws -> [Int] {
        let image = try ImageDecoder.decode(contentsOf: url, options: ImageDecodingOptions(minimumShortSide: minimum))
        return [image.width, image.height]
    }
    #expect(try size(nil) == [200, 150])
    #expect(try size(19) == [25, 19])     // 1/8
    #expect(try size(20) == [50, 38])     // 2/8: 1/8 gives 19 rows
    #expect(try size(40) == [75, 57])     // 3/8: 2/8 gives 38 rows
    #expect(try size(149) == [200, 150])  // 7/8 gives 132 rows, so full size
    #expect(try size(1000) == [200, 150]) // never upscales
}

@Test func dctScaledDecodeStaysCloseToFullDecodeResized() throws {
    let url = try Fixtures.url("large.jpg")
    let scaled = try ImageDecoder.decode(contentsOf: url, options: ImageDecodingOptions(minimumShortSide: 40))
    let full = try RGBImage(width: 200, height: 150, pixels: Fixtures.bytes("large.jpg.full.rgb"))
    let reference = try full.resized(width: scaled.width, height: scaled.height)
    let difference = differences(scaled.pixels, reference.pixels)
    // The fixture is a noisy pattern: DCT scaling and Pillow's triangle filter low-pass it
    // differently, so a few levels on average are expected; a wrong scale, shift or channel
    // order gives tens.
    #expect(difference.mean < 8, "mean diff \(difference.mean)")
}

@Test func orientationCanBeIgnored() throws {
    let options = ImageDecodingOptions(appliesEXIFOrientation: false)
    let rotated = try ImageDecoder.decode(contentsOf: Fixtures.url("orientation-6.jpg"), options: options)
    let upright = try ImageDecoder.decode(contentsOf: Fixtures.url("orientation-1.jpg"))
    #expect(rotated == upright)
    let applied = try ImageDecoder.decode(contentsOf: Fixtures.url("orientation-6.jpg"))
    #expect(applied.width == upright.height && applied.height == upright.width)
}

@Test func formatComesFromMagicBytesNotTheName() throws {
    let png = try Fixtures.bytes("gray-8bit.png")
    let image = try ImageDecoder.decode(png, name: "misnamed-photo.jpg")
    #expect(image.width == 37 && image.height == 29)
    #expect(ImageFormat.detect(in: png) == .png)
    #expect(ImageFormat.detect(in: try Fixtures.bytes("baseline.jpg")) == .jpeg)
    #expect(ImageFormat.detect(in: [UInt8]("hello".utf8)) == .unknown)
}

@Test func pixelLimitIsConfigurable() throws {
    let options = ImageDecodingOptions(pixelLimit: 64 * 48 - 1)
    #expect(throws: ImageDecodingError.tooLarge(file: "baseline.jpg", width: 64, height: 48, limit: 64 * 48 - 1)) {
        try ImageDecoder.decode(Fixtures.bytes("baseline.jpg"), name: "baseline.jpg", options: options)
    }
    let exact = ImageDecodingOptions(pixelLimit: 64 * 48)
    #expect(try ImageDecoder.decode(Fixtures.bytes("baseline.jpg"), name: "baseline.jpg", options: exact).width == 64)
}

@Test func missingFileIsUnreadableAndNamed() throws {
    let path = "/nonexistent/vitrine/missing-photo.jpg"
    do {
        _ = try ImageDecoder.decode(contentsOf: URL(fileURLWithPath: path))
        Issue.record("decoding a missing file succeeded")
    } catch {
        guard case .unreadable(let file, _) = error else {
            Issue.record("expected .unreadable, got \(error)")
            return
        }
        #expect(file == path)
        #expect(error.description.contains("missing-photo.jpg"))
    }
}

@Test func exifOrientationParsesBothByteOrdersAndToleratesGarbage() {
    func payload(bigEndian: Bool, orientation: UInt16) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        let order: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        let entryOther = u16(0x010F) + u16(2) + u32(4) + u32(0)           // Make, ignored
        let entryOrientation = u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        return Array("Exif\0\0".utf8) + order + u16(42) + u32(8) + u16(2) + entryOther + entryOrientation + u32(0)
    }
    for orientation in EXIFOrientation.allCases {
        for bigEndian in [true, false] {
            let bytes = payload(bigEndian: bigEndian, orientation: UInt16(orientation.rawValue))
            #expect(bytes.withUnsafeBufferPointer(EXIFOrientation.init(exifPayload:)) == orientation)
        }
    }
    var truncated = payload(bigEndian: true, orientation: 6)
    truncated.removeLast(12)
    #expect(truncated.withUnsafeBufferPointer(EXIFOrientation.init(exifPayload:)) == .up)
    let invalid = payload(bigEndian: false, orientation: 9)
    #expect(invalid.withUnsafeBufferPointer(EXIFOrientation.init(exifPayload:)) == .up)
    let garbage: [UInt8] = Array("Exif\0\0XX".utf8) + [UInt8](repeating: 0xFF, count: 20)
    #expect(garbage.withUnsafeBufferPointer(EXIFOrientation.init(exifPayload:)) == .up)
}
