import Foundation
import Testing
import VitrineModels

/// Every Unicode scalar, one at a time, against the reference's normalizer and pre-tokenizer
/// (fixture codepoints.json), and inputs that must not crash or go quadratic.
extension TokenizerTests {
    private struct ScalarTable {
        var normalized: [UInt32: String] = [:]  // only scalars that do not map to themselves
        var splitKind: [UInt32: String] = [:]  // only "whitespace" and "punctuation"

        init() throws {
            let data = try Data(contentsOf: TokenizerFixtures.url("codepoints"))
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let mapped = try #require(root["mapped"] as? [String: String])
            let normalizerRuns = try #require(root["normalizer_runs"] as? [[Any]])
            for run in normalizerRuns {
                let first = try #require(run[0] as? Int), last = try #require(run[1] as? Int)
                let kind = try #require(run[2] as? String)
                for value in first...last {
                    guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
                    normalized[scalar.value] = try Self.expected(scalar, kind: kind, mapped: mapped)
                }
            }
            for run in try #require(root["pretokenizer_runs"] as? [[Any]]) {
                let first = try #require(run[0] as? Int), last = try #require(run[1] as? Int)
                let kind = try #require(run[2] as? String)
                for value in first...last where Unicode.Scalar(UInt32(value)) != nil {
                    splitKind[UInt32(value)] = kind
                }
            }
        }

        static func expected(_ scalar: Unicode.Scalar, kind: String, mapped: [String: String]) throws -> String {
            switch kind {
            case "removed": return ""
            case "space": return " "
            case "chinese": return " \(scalar) "
            case "hangul":
                // Hangul syllable → conjoining jamo (Unicode §3.12), recomputed independently.
                let index = scalar.value - 0xAC00
                var jamo = [0x1100 + index / 588, 0x1161 + (index % 588) / 28]
                if index % 28 != 0 { jamo.append(0x11A7 + index % 28) }
                return String(String.UnicodeScalarView(jamo.compactMap(Unicode.Scalar.init)))
            case "mapped": return try #require(mapped[String(scalar.value)])
            default:
                Issue.record("unknown kind \(kind)")
                return ""
            }
        }
    }

    private static var allScalars: [Unicode.Scalar] {
        (0...0x10FFFF).compactMap { Unicode.Scalar(UInt32($0)) }
    }

    @Test func everyScalarNormalizesLikeReference() throws {
        let table = try ScalarTable()
        let normalizer = BertNormalizer()
        let scalars = Self.allScalars.filter { $0 != "|" }
        var mismatches = 0
        // '|'-joined blocks behave like single scalars ('|' is an unmapped ASCII starter).
        for blockStart in stride(from: 0, to: scalars.count, by: 2048) {
            let block = scalars[blockStart..<min(blockStart + 2048, scalars.count)]
            var input = String.UnicodeScalarView()
            for (offset, scalar) in block.enumerated() {
                if offset > 0 { input.append("|") }
                input.append(scalar)
            }
            let pieces = normalizer.normalize(String(input)).unicodeScalars.split(separator: "|", omittingEmptySubsequences: false)
            let expected = block.map { table.normalized[$0.value] ?? String($0) }
            if pieces.count == block.count && zip(pieces, expected).allSatisfy({ $0.elementsEqual($1.unicodeScalars) }) { continue }
            for scalar in block {
                let want = table.normalized[scalar.value] ?? String(scalar)
                let got = normalizer.normalize(String(scalar))
                if !got.unicodeScalars.elementsEqual(want.unicodeScalars) {
                    mismatches += 1
                    if mismatches <= 40 {
                        Issue.record("U+\(String(scalar.value, radix: 16, uppercase: true)): expected \(want.unicodeScalars.map(\.value)), got \(got.unicodeScalars.map(\.value))")
                    }
                }
            }
        }
        #expect(normalizer.normalize("|") == "|" && table.normalized[0x7C] == nil)
        #expect(mismatches == 0)
    }

    @Test func everyScalarSplitsLikeReference() throws {
        let table = try ScalarTable()
        let preTokenizer = BertPreTokenizer()
        var mismatches = 0
        let scalars = Self.allScalars
        for blockStart in stride(from: 0, to: scalars.count, by: 4096) {
            let block = scalars[blockStart..<min(blockStart + 4096, scalars.count)]
            // "a" s1 "a" s2 … "a": the expected words follow from the reference's classes.
            var input = String.UnicodeScalarView(["a"])
            var expected: [String] = []
            var word = String.UnicodeScalarView(["a"])
            for scalar in block {
                input.append(scalar)
                input.append("a")
                switch table.splitKind[scalar.value] {
                case "whitespace"?:
                    expected.append(String(word))
                    word = String.UnicodeScalarView(["a"])
                case "punctuation"?:
                    expected.append(String(word))
                    expected.append(String(scalar))
                    word = String.UnicodeScalarView(["a"])
                default:
                    word.append(scalar)
                    word.append("a")
                }
            }
            expected.append(String(word))
            let got = preTokenizer.split(String(input))
            if got.count == expected.count && zip(got, expected).allSatisfy({ $0.unicodeScalars.elementsEqual($1.unicodeScalars) }) { continue }
            for scalar in block {
                let kind = table.splitKind[scalar.value] ?? "word"
                let words = preTokenizer.split("a\(scalar)a").count
                if words != ["word": 1, "whitespace": 2, "punctuation": 3][kind] {
                    mismatches += 1
                    if mismatches <= 40 {
                        Issue.record("U+\(String(scalar.value, radix: 16, uppercase: true)): reference says \(kind), got \(words) words")
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func hundredKilobyteTextsTokenizeQuickly() throws {
        let tokenizer = try TokenizerFixtures.tokenizer()
        #if DEBUG
        let limitSeconds = 20.0  // unoptimised build: only guards against quadratic blow-ups
        #else
        let limitSeconds = 1.0
        #endif
        let unit = "Organic cold-pressed olive oil, 500ml — Product of Italy 🇮🇹 café 東京 한국어. "
        let repeats = 100_000 / unit.utf8.count + 1
        let inputs: [(name: String, text: String)] = [
            ("mixed", String(repeating: unit, count: repeats)),
            ("one word", String(repeating: "a", count: 100_000)),
            ("combining marks", String(repeating: "e\u{301}", count: 33_000)),
            ("ideographs", String(repeating: "中", count: 33_000)),
            ("emoji", String(repeating: "👩🏽‍💻", count: 7_000)),
            ("punctuation", String(repeating: "!?", count: 50_000)),
        ]
        for (name, text) in inputs {
            #expect(text.utf8.count >= 99_000)
            let clock = ContinuousClock()
            var pieces: [Int32] = []
            let elapsed = clock.measure { pieces = tokenizer.pieceIDs(text) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            print("TokenizerTests: 100 KB \(name): \(pieces.count) pieces in \(String(format: "%.3f", seconds)) s")
            #expect(seconds < limitSeconds, "\(name) took \(seconds) s")
            #expect(tokenizer.encode(text).count == min(pieces.count + 2, 256))
        }
        let unitPieces = tokenizer.pieceIDs(unit)
        #expect(tokenizer.pieceIDs(inputs[0].text).count == unitPieces.count * repeats)
        #expect(tokenizer.pieceIDs(inputs[1].text) == [tokenizer.unknownID])
    }
}
