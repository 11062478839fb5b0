import Foundation

// ISO 8601 / RFC 3339 timestamps of events, read by hand. Foundation's ISO8601DateFormatter was
// used before and had three problems: ICU died with a floating-point exception (SIGFPE, the whole
// process) on a fraction of ~40 digits, mis-read one of 10 digits by a second (both found by fuzzing
// the events reader, tools/fuzz `events`), and it was slow — a formatter per call cost ~0.3 ms, 62 %
// of `vitrine evaluate`'s time on MovieLens-100K and most of `vitrine events import`'s. The grammar is
// small, so it is parsed here: digits are checked, ranges too, and the date becomes seconds with the
// days-from-civil formula (proleptic Gregorian, as Foundation uses).

/// Parses event timestamps without a date formatter.
public enum EventTimestamp {
    /// Longest text considered (a full date-time with an offset and nanoseconds is 35 characters).
    static let maximumLength = 128

    /// An ISO 8601 date-time `YYYY-MM-DDTHH:MM:SS`, with or without a fraction of a second (any number of
    /// digits; the first nine count), then `Z` or an offset `±HH:MM` (also `±HHMM`, `±HH`); `t` and `z`
    /// may be lower case. Nil when the text is not one or names a day or time that does not exist.
    public static func parseISO8601(_ text: String) -> Date? {
        guard text.utf8.count <= maximumLength else { return nil }
        var text = text
        return text.withUTF8 { bytes in parse(bytes).map { Date(timeIntervalSince1970: $0) } }
    }

    /// Seconds since 1970 for `bytes`, or nil.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var position = 0
        /// Reads exactly `count` digits as a number.
        func number(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<count {
                let digit = Int(bytes[position + offset]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            position += count
            return value
        }
        /// Steps over one of the given characters.
        func skip(_ characters: Unicode.Scalar...) -> Bool {
            guard position < bytes.count, characters.contains(where: { UInt8(ascii: $0) == bytes[position] }) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), skip("-"), let month = number(2), skip("-"), let day = number(2),
              skip("T", "t"), let hour = number(2), skip(":"), let minute = number(2), skip(":"), let second = number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour <= 23, minute <= 59, second <= 60  // 60: a leap second, counted into the next minute
        else { return nil }

        var fraction = 0.0
        if skip(".") {
            var kept = 0, keptDigits = 0, digits = 0
            while position < bytes.count, (48...57).contains(bytes[position]) {
                if digits < 9 { kept = kept * 10 + Int(bytes[position] - 48); keptDigits += 1 }
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            fraction = Double(kept) / pow(10, Double(keptDigits))
        }

        var offsetSeconds = 0
        if !skip("Z", "z") {
            guard skip("+", "-") else { return nil }
            let sign = bytes[position - 1] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number(2), hours <= 23 else { return nil }
            var minutes = 0
            if position < bytes.count {
                _ = skip(":")
                guard let parsed = number(2), parsed <= 59 else { return nil }
                minutes = parsed
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        guard position == bytes.count else { return nil }

        let seconds = daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Double(seconds) + fraction
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
