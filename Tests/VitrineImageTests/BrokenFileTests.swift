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

/// The broken-file corpus (fixture README): every file of it must have an expectation in the manifest,
/// or `brokenFileIsReportedWithItsNameAndProblem` would quietly not test it. The one file that decodes
/// on purpose is pinned by `garbageThatResynchronisesIsUndetectableButHarmless`.
@Test func everyBrokenFixtureHasAnExpectedError() throws {
    let directory = try #require(Fixtures.directory, "Fixtures folder missing from the test bundle")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    let corpus = Set(names.filter { name in
        ["empty.", "truncated.", "not-an-image.", "image.", "bomb.", "corrupt-"].contains { name.hasPrefix($0) }
    }).subtracting(["corrupt-entropy-undetectable.jpg"])
    let manifest = try Fixtures.loadManifest()
    let expected = Set(manifest.broken.map(\.source))
    #expect(corpus.count >= 14, "\(corpus.sorted())")
    #expect(corpus.subtracting(expected).isEmpty, "broken fixtures without an expected error: \(corpus.subtracting(expected).sorted())")
    #expect(expected.subtracting(corpus).isEmpty, "expectations for missing fixtures: \(expected.subtracting(corpus).sorted())")
    #expect(manifest.broken.allSatisfy { !$0.messageContains.isEmpty })
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
        let error = #expect(throws: ImageDecodingError.self) {
            try ImageDecoder.decode(bytes, name: "cut.jpg", options: ImageDecodingOptions(minimumShortSide: minimum))
        }
        #expect(error.map(caseName) == "truncated", "minimumShortSide \(String(describing: minimum)): \(String(describing: error))")
    }
}

@Test func leftoverEntropyBytesAreRepairedWhenAskedButAStrayMarkerStaysAnError() throws {
    // Both files are rejected as corrupt by default (the manifest's broken cases); these are the
    // outcomes when corrupt JPEG data is tolerated.
    let lenient = ImageDecodingOptions(rejectsCorruptJPEGData: false)
    let intact = try ImageDecoder.decode(contentsOf: Fixtures.url("baseline.jpg"))
    // Extraneous bytes before the end marker: libjpeg recovers, and its repaired image is handed back.
    let extraneous = "corrupt-entropy-extraneous.jpg"
    let repaired = try ImageDecoder.decode(Fixtures.bytes(extraneous), name: extraneous, options: lenient)
    #expect(repaired.width == intact.width && repaired.height == intact.height, "\(repaired.width)×\(repaired.height)")
    #expect(repaired != intact, "\(extraneous) decoded to the intact picture")
    // A stray marker in the garbage ends the scan early and libjpeg then runs off the end of the
    // file: like truncation, that stays an error rather than a padded image.
    let stray = "corrupt-entropy.jpg"
    let error = #expect(throws: ImageDecodingError.self) {
        try ImageDecoder.decode(Fixtures.bytes(stray), name: stray, options: lenient)
    }
    #expect(error.map(caseName) == "corrupt", "\(String(describing: error))")
    #expect(error?.file == stray)
}

@Test func garbageThatResynchronisesIsUndetectableButHarmless() throws {
    // Baseline JPEG carries no checksum. When the Huffman decoder happens to resynchronise after
    // the garbage, libjpeg reports nothing: the result is a full-size image with a damaged band.
    // This pins that known limit (Pillow behaves the same) so a change in it is noticed.
    let damaged = try ImageDecoder.decode(contentsOf: Fixtures.url("corrupt-entropy-undetectable.jpg"))
    let intact = try ImageDecoder.decode(contentsOf: Fixtures.url("baseline.jpg"))
    #expect(damaged.width == intact.width && damaged.height == intact.height)
    #expect(damaged != intact)
}

@Test func everyPrefixOfAJPEGAndAPNGFailsCleanly() throws {
    // Cutting a file at every length exercises every point where libjpeg/libpng can run dry.
    for name in ["progressive.jpg", "palette-trns.png"] {
        let bytes = try Fixtures.bytes(name)
        for length in Array(stride(from: 0, to: bytes.count, by: 7)) + [bytes.count - 1] {
            // Report only the outcome: a returned image would flood the log.
            let outcome = Result { () throws(ImageDecodingError) -> RGBImage in
                try ImageDecoder.decode(Array(bytes.prefix(length)), name: name)
            }
            if case .success(let image) = outcome {
                Issue.record("\(name) cut at \(length) of \(bytes.count) bytes decoded to \(image.width)×\(image.height)")
            }
        }
    }
}
