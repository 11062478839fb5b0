import Foundation
import Testing
import VitrineImage

/// One golden comparison from manifest.json (written by tools/make_image_fixtures.py).
struct PixelCase: Codable, Sendable, CustomTestStringConvertible {
    let source: String
    let expected: String
    let width: Int
    let height: Int
    let tolerance: Int
    let note: String
    var orientation: Int?
    var minimumShortSide: Int?
    var meanTolerance: Double?
    var filter: String?
    var testDescription: String { "\(source) → \(expected)" }
}

/// A broken file and the error it must produce.
struct BrokenCase: Codable, Sendable, CustomTestStringConvertible {
    let source: String
    let error: String
    let messageContains: String
    var testDescription: String { source }
}

/// A full preprocessing golden: file → tensor.
struct PreprocessCase: Codable, Sendable, CustomTestStringConvertible {
    let source: String
    let expected: String
    let resizeShortSide: Int
    let cropSize: Int
    let tolerance: Float
    var testDescription: String { source }
}

struct Manifest: Codable, Sendable {
    var decode: [PixelCase] = []
    var resize: [PixelCase] = []
    var scaled: [PixelCase] = []
    var preprocess: [PreprocessCase] = []
    var broken: [BrokenCase] = []
}

enum Fixtures {
    static var directory: URL? { Bundle.module.url(forResource: "Fixtures", withExtension: nil) }

    static func url(_ name: String) throws -> URL {
        let directory = try #require(directory, "Fixtures folder missing from the test bundle")
        return directory.appendingPathComponent(name)
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    static func loadManifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json")))
    }

    /// Parameterized tests read their cases from here; an unreadable manifest yields no cases,
    /// which `manifestListsEveryFixtureFamily` turns into a failure.
    static let manifest: Manifest = (try? loadManifest()) ?? Manifest()
}

/// Largest and mean absolute difference between two equally long byte arrays.
func differences(_ a: [UInt8], _ b: [UInt8]) -> (max: Int, mean: Double) {
    precondition(a.count == b.count, "compared arrays differ in length")
    var largest = 0
    var total = 0
    for index in a.indices {
        let difference = abs(Int(a[index]) - Int(b[index]))
        largest = max(largest, difference)
        total += difference
    }
    return (largest, a.isEmpty ? 0 : Double(total) / Double(a.count))
}

@Test func manifestListsEveryFixtureFamily() throws {
    let manifest = try Fixtures.loadManifest()
    #expect(manifest.decode.count >= 20)
    #expect(manifest.resize.count >= 6)
    #expect(manifest.scaled.count >= 1)
    #expect(manifest.preprocess.count >= 2)
    #expect(manifest.broken.count >= 12)
}
