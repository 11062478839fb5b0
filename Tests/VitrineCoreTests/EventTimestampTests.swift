import Foundation
import Testing
import VitrineCore

/// ISO 8601 event timestamps, including the text that crashed the process through ICU (found by the
/// `events` fuzz target; the whole input is tools/fuzz/corpus/events/regression-icu-fraction-fpe.csv).
@Suite struct EventTimestampTests {
    @Test func longFractionsAreCutInsteadOfCrashingTheDateFormatter() throws {
        // 43 fraction digits: ISO8601DateFormatter raised SIGFPE inside ICU on this.
        let crashing = "2026-09-04T16:03:12.2522222222222222222222222222222222222222222220Z"
        let date = try #require(EventTimestamp.parseISO8601(crashing))
        #expect(abs(date.timeIntervalSince1970 - 1_788_537_792.252) < 0.001)
        // 10 digits: the formatter read this a second early.
        let ten = try #require(EventTimestamp.parseISO8601("2026-09-04T16:03:12.2522222222Z"))
        #expect(abs(ten.timeIntervalSince1970 - 1_788_537_792.252) < 0.001)
    }

    @Test func ordinaryFormsParseAndOthersAreRejected() {
        #expect(EventTimestamp.parseISO8601("2026-11-29T10:00:00Z")?.timeIntervalSince1970 == 1_795_946_400)
        #expect(EventTimestamp.parseISO8601("2026-11-29T11:00:00+01:00")?.timeIntervalSince1970 == 1_795_946_400)
        #expect(EventTimestamp.parseISO8601("2026-11-29T10:00:00.5Z")?.timeIntervalSince1970 == 1_795_946_400.5)
        #expect(EventTimestamp.parseISO8601("2026-11-29t10:00:00z")?.timeIntervalSince1970 == 1_795_946_400)
        #expect(EventTimestamp.parseISO8601("2026-11-29T05:30:00-0430")?.timeIntervalSince1970 == 1_795_946_400)
        #expect(EventTimestamp.parseISO8601("2026-11-29T12:00:00+02")?.timeIntervalSince1970 == 1_795_946_400)
        #expect(EventTimestamp.parseISO8601("2024-02-29T00:00:00Z")?.timeIntervalSince1970 == 1_709_164_800)
        #expect(EventTimestamp.parseISO8601("1969-12-31T23:59:59Z")?.timeIntervalSince1970 == -1)
        for bad in ["", "26\t-09-04T16:03:12Z", "yesterday", "2026-11-29 10:00:00", String(repeating: "1", count: 200),
                    "2026-11-29T10:00:00", "2026-11-29T10:00:00.Z", "2026-11-29T10:00:00Z ", "2026-11-29T10:00Z",
                    "2026-02-29T10:00:00Z", "2026-04-31T10:00:00Z", "2026-13-01T10:00:00Z", "2026-00-10T10:00:00Z",
                    "2026-11-29T24:00:00Z", "2026-11-29T10:60:00Z", "2026-11-29T10:00:61Z", "2026-11-29T10:00:00+24:00",
                    "2026-11-29T10:00:00+01:6", "2026-11-29T10:00:00+1", "+2026-11-29T10:00:00Z", "2026-1-29T10:00:00Z",
                    "２０２６-11-29T10:00:00Z"] {
            #expect(EventTimestamp.parseISO8601(bad) == nil, "\(bad)")
        }
    }

    /// Foundation's formatter is the reference for well-formed text: 2,000 random date-times from
    /// 1900 to 2100, with and without fractions (milliseconds, which it keeps) and offsets.
    @Test func agreesWithFoundationsFormatterOnWellFormedText() throws {
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = TrainingRandomGenerator(seed: 8601)
        for _ in 0..<2000 {
            let year = Int.random(in: 1900...2100, using: &generator), month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let time = (Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator), Int.random(in: 0...59, using: &generator))
            let offset = Int.random(in: -14...14, using: &generator)
            let zone = offset == 0 && Bool.random(using: &generator)
                ? "Z" : (offset < 0 ? "-" : "+") + String(format: "%02d:%02d", abs(offset), [0, 30, 45].randomElement(using: &generator) ?? 0)
            let millis = Bool.random(using: &generator) ? String(format: ".%03d", Int.random(in: 0...999, using: &generator)) : ""
            let text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, time.0, time.1, time.2) + millis + zone
            let expected = try #require((millis.isEmpty ? plain : fractional).date(from: text), "\(text)")
            let parsed = try #require(EventTimestamp.parseISO8601(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince1970 - expected.timeIntervalSince1970) < 1e-6, "\(text)")
        }
    }
}
