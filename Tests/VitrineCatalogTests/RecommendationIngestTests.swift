import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

@Test func malformedRowsAndUnknownItemsAreReportedNotFatal() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    let csv = """
    user,item,event,value,timestamp
    alice,sweater-red,like,,2026-01-01T10:00:00Z
    alice,scarf,rating,5,1767261600
    alice,chair,hug,,2026-01-01T10:00:00Z
    bob,sweater-blue,rating,,2026-01-01T10:00:00Z
    bob,no-such-item,view,,2026-01-01T10:00:00Z
    bob,lamp,click,,yesterday
    bob,lamp
    "bob",table,"purchase",,2026-01-02T10:00:00Z
    carol,lamp,rating,9,2026-01-02T10:00:00Z
    """
    let file = catalog.storeURL.deletingLastPathComponent().appendingPathComponent("events.csv")
    try csv.write(to: file, atomically: true, encoding: .utf8)
    let summary = try catalog.importEvents(from: file)
    #expect(summary.recorded == 3)
    #expect(summary.problems.map(\.line) == [4, 5, 6, 7, 8, 10])
    #expect(summary.problems[0].reason.contains("unknown event 'hug'"))
    #expect(summary.problems[1].reason.contains("rating needs a numeric value"))
    #expect(summary.problems[2].reason.contains("unknown item 'no-such-item'"))
    #expect(summary.problems[3].reason.contains("timestamp 'yesterday'"))
    #expect(summary.problems[4].reason.contains("expected 5 fields"))
    #expect(summary.problems[5].reason.contains("rating 9 is outside 1–5"))
    #expect(try catalog.history(for: "alice").count == 2)
    #expect(try catalog.history(for: "bob").map(\.item) == ["table"])
}

@Test func jsonlEventsAreParsedWithLineNumbers() {
    let text = """
    {"user": "u", "item": "a", "event": "view", "timestamp": "2026-01-01T00:00:00Z"}
    not json
    {"user": "u", "item": "b", "event": "rating", "value": 4}
    """
    let parsed = EventParser.parse(text, format: .jsonl)
    #expect(parsed.events.map(\.line) == [1, 3])
    #expect(parsed.events[1].event.value == 4)
    #expect(parsed.problems == [EventProblem(line: 2, reason: "not a JSON object")])
}

@Test func recordedEventsAreOnDiskAfterReopening() throws {
    let catalog = try makeTestCatalog()
    try addTestItems(catalog)
    let summary = try catalog.record(events: [
        Interaction(user: "carol", item: "lamp", kind: .like),
        Interaction(user: "carol", item: "ghost", kind: .like),
        Interaction(user: "carol", item: "desk", kind: .rating, value: nil),
    ])
    #expect(summary.recorded == 1)
    #expect(summary.problems.map(\.line) == [2, 3])
    let reopened = try makeTestCatalog(at: catalog.storeURL)
    #expect(try reopened.history(for: "carol").map(\.item) == ["lamp"])
}

/// Fuzz finding (events target): a CSV row whose timestamp has a 43-digit fraction killed the process
/// with SIGFPE inside ICU. The whole input is replayed through every event format.
@Test func eventRowWithAHugeTimestampFractionIsReadNotFatal() throws {
    let file = Fixtures.testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/fuzz/corpus/events/regression-icu-fraction-fpe.csv")
    let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
    for format in EventFileFormat.allCases {
        let parsed = EventParser.parse(text, format: format, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(parsed.events.count + parsed.problems.count > 0, "\(format)")
    }
}
