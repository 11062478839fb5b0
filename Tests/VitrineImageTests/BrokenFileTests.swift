import Foundation
import Testing
import VitrineImage

/// The error case's name, to compare with the manifest's expectation.
private func caseName(_ error: ImageDecodingError) -> String {
    switch error {
    case .unreadable: return "unreadable"
    case .empty: return "empty"
    case .truncated: return "truncated"
    case .corrupt: return "corrupt"
    case .unsupportedFormat: return "unsupportedFormat"
    case .tooLarge: return "tooLarge"
    case .outOfMemory: return "outOfMemory"
    }
}

@Test(arguments: Fixtures.manifest.broken)
func brokenFileIsReportedWithItsNameAndProblem(_ fixture: BrokenCase) throws {
    let url = try Fixtures.url(fixture.source)
    do {
        let image = try ImageDecoder.decode(contentsOf: url)
        Issue.record("\(fixture.source) decoded to \(image.width)×\(image.height) instead of failing")
    } catch {
        #expect(caseName(error) == fixture.error, "\(fixture.source): \(error)")
        #expect(error.file == url.path)
        #expect(error.description.contains(fixture.source), "\(error.description)")
        #expect(error.description.contains(fixture.messageContains), "\(error.description)")
    }
}

@Test func unsupportedFormatsAreNamed() throws {
    let expectations: [(String, ImageFormat)] = [
        ("image.gif", .gif), ("image.webp", .webp), ("image.bmp", .bmp), ("image.tiff", .tiff),
        ("image.heic", .heic), ("not-an-image.jpg", .unknown),
    ]
    for (name, format) in expectations {
        #expect(throws: ImageDecodingError.unsupportedFormat(file: name, detected: format)) {
            try ImageDecoder.decode(Fixtures.bytes(name), name: name)
        }
    }
}

@Test func truncatedJPEGIsNotPaddedIntoAnImage() throws {
    // libjpeg would pad the missing half with grey and only warn; that must surface as an error.
    let bytes = try Fixtures.bytes("truncated.jpg")
    for minimum in [nil, 8] as [Int?] {
        #expect(throws: ImageDecodingError.self) {
            try ImageDecoder.decode(bytes, name: "cut.jpg", options: ImageDecodingOptions(minimumShortSide: minimum))
        }
    }
}

@Test func corruptEntropyDataCanBeAcceptedWhenAskedAndNeverCrashes() throws {
    let bytes = try Fixtures.bytes("corrupt-entropy.jpg")
    let lenient = ImageDecodingOptions(rejectsCorruptJPEGData: false)
    // Lenient mode: libjpeg's repaired image, or an error it could not repair; either is fine.
    if let image = try? ImageDecoder.decode(bytes, name: "corrupt-entropy.jpg", options: lenient) {
        #expect(image.width == 64 && image.height == 48)
    }
}

@Test func everyPrefixOfAJPEGAndAPNGFailsCleanly() throws {
    // Cutting a file at every length exercises every point where libjpeg/libpng can run dry.
    for name in ["progressive.jpg", "palette-trns.png"] {
        let bytes = try Fixtures.bytes(name)
        for length in stride(from: 0, to: bytes.count - 2, by: 7) {
            #expect(throws: ImageDecodingError.self, "\(name) cut at \(length)") {
                try ImageDecoder.decode(Array(bytes.prefix(length)), name: name)
            }
        }
    }
}
