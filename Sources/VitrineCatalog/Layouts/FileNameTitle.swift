// Whether a title derived from a file name is text worth encoding.
//
// An item without a given title is titled after its file name ("red-lamp_02" → "red lamp 02").
// That helps when file names are words and hurts when they are ids: on catalogs with hashed,
// camera-numbered or SKU file names every text vector started with noise (text-only
// precision@10 0.618 → 0.542 on one such catalog). The derived title therefore enters the
// encoder text only when the name reads as words; a given title always does.
//
// The rule, on the name split into runs of letters and runs of digits (separators, case changes
// and letter/digit boundaries split; "IMG_2031" → IMG, 2031):
//   1. The whole name is not a UUID or a long hex hash (≥ 12 hex characters with a digit and a letter).
//   2. At least one run is a word: 3 or more letters, with a vowel (any non-ASCII letter counts as
//      one, so "crème" or "東京" pass), not an all-caps code of 3 letters or fewer ("AB", "XJ"), and
//      not a camera, scanner or generic file token
//      (img, dsc, pxl, gopr, dji, scan, screenshot, image, photo, untitled, copy, sku, item, …).
// Digits, dates and single letters never count as words but do not disqualify a name that has one.

public enum FileNameTitle {
    /// True when a title derived from `name` (a file's base name or an item id) reads as words.
    public static func readsAsWords(_ name: String) -> Bool {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !isUUID(trimmed), !isHexHash(trimmed) else { return false }
        return runs(of: trimmed).contains(where: isWord)
    }

    /// Tokens that name a device, a scan or a generic file rather than what is pictured.
    static let generic: Set<String> = [
        "img", "image", "images", "imag", "dsc", "dscn", "dscf", "dcim", "pxl", "mvimg", "gopr", "gph", "dji", "sam",
        "wp", "wa", "vid", "mov", "photo", "photos", "pic", "pict", "picture", "pics", "screenshot", "screen", "shot",
        "capture", "scan", "scanned", "scans", "untitled", "file", "copy", "final", "edit", "edited", "export",
        "frame", "thumb", "thumbnail", "raw", "hdr", "pano", "burst", "portrait", "sku", "item", "items", "product",
        "prod", "ref", "art", "nr", "num", "upload", "download", "temp", "tmp", "new", "old", "version", "rev",
        "jpeg", "jpg", "png", "heic", "webp", "the", "and", "for", "with", "from",
    ]

    /// Runs of letters and runs of digits, split at separators, lower→upper case changes and
    /// letter/digit boundaries.
    static func runs(of name: String) -> [String] {
        var runs: [String] = []
        var current = ""
        var previous: Character?
        for character in name {
            let boundary: Bool
            if let previous {
                boundary = previous.isLetter != character.isLetter || previous.isNumber != character.isNumber
                    || (previous.isLowercase && character.isUppercase)
            } else {
                boundary = false
            }
            if !(character.isLetter || character.isNumber) {
                if !current.isEmpty { runs.append(current) }
                current = ""
                previous = nil
                continue
            }
            if boundary, !current.isEmpty {
                runs.append(current)
                current = ""
            }
            current.append(character)
            previous = character
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    private static func isWord(_ run: String) -> Bool {
        guard run.count >= 3, run.allSatisfy(\.isLetter) else { return false }
        let lower = run.lowercased()
        if generic.contains(lower) { return false }
        let ascii = run.unicodeScalars.allSatisfy(\.isASCII)
        if !ascii { return true }
        if run.count <= 3 && run == run.uppercased() { return false }  // "SKU", "XJ", "TV"-like codes
        guard lower.contains(where: { "aeiouy".contains($0) }) else { return false }  // "bcdf", "xkcd"
        return true
    }

    /// 8-4-4-4-12 hex digits, with or without dashes.
    private static func isUUID(_ name: String) -> Bool {
        let hex = name.filter { $0 != "-" }
        let groups = name.split(separator: "-").map(\.count)
        return hex.count == 32 && hex.allSatisfy(\.isHexDigit) && (groups == [8, 4, 4, 4, 12] || groups == [32])
    }

    /// A content hash or hex id: 12 or more hex characters (separators aside) mixing digits and letters.
    private static func isHexHash(_ name: String) -> Bool {
        let compact = name.filter { $0.isLetter || $0.isNumber }
        return compact.count >= 12 && compact.allSatisfy(\.isHexDigit) && compact.contains(where: \.isNumber)
            && compact.contains(where: \.isLetter)
    }
}
