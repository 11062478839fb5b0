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
        for bad in ["", "26\t-09-04T16:03:12Z", "yesterday", "2026-11-29 10:00:00", String(repeating: "1", count: 200)] {
            #expect(EventTimestamp.parseISO8601(bad) == nil, "\(bad)")
        }
    }
}
