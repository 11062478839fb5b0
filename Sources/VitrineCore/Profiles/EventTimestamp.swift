import Foundation

// ISO 8601 timestamps of events. Foundation's ISO8601DateFormatter hands the text to ICU, and ICU
// dies with a floating-point exception (SIGFPE, the whole process) on a fraction of ~40 digits and
// mis-reads one of 10 digits by a second — found by fuzzing the events reader (tools/fuzz, `events`).
// So the text is checked and the fraction cut to 6 digits (microseconds; the formatter keeps
// milliseconds) before Foundation sees it.

/// Parses event timestamps without handing hostile text to the date formatter.
public enum EventTimestamp {
    /// Longest text considered (a full date-time with an offset and microseconds is 32 characters).
    static let maximumLength = 128

    /// An ISO 8601 date-time (`2026-11-29T10:00:00Z`, with or without fractional seconds, `Z` or an
    /// offset), or nil when the text is not one.
    public static func parseISO8601(_ text: String) -> Date? {
        guard text.utf8.count <= maximumLength,
              text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.decimalDigits.contains($0) || "-:.+TZtz".unicodeScalars.contains($0)) })
        else { return nil }
        var cleaned = text
        if let dot = cleaned.firstIndex(of: ".") {
            let digits = cleaned[cleaned.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            if digits.count > 6 {
                cleaned.replaceSubrange(digits.startIndex ..< digits.endIndex, with: digits.prefix(6))
            }
        }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: cleaned) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: cleaned)
    }
}
