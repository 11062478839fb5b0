// The character classes BERT's normalizer and pre-tokenizer use, reproduced the way Hugging Face
// `tokenizers` (the reference for all-MiniLM-L6-v2) computes them, not the way the Unicode
// standard defines them today.
//
// `tokenizers` takes "other" (Cc/Cf/Co/Cs), "nonspacing mark" (Mn) and "punctuation" (P*) from
// the `unicode_categories` crate, whose tables are Unicode 8.0: a Cf or Mn scalar added later is
// kept, and a scalar whose category changed since 8.0 follows its 8.0 category. Whitespace and
// lowercasing come from Rust's std (current Unicode, like Swift's); NFD from tables of Unicode 9.0. Unassigned scalars (Cn) are
// NOT treated as control characters, whatever the crate's comment says. Every scalar's behaviour
// is checked against the reference in TokenizerTests (fixture codepoints.json).

enum BertCharacterClasses {
    /// The Unicode version of the category tables in the `unicode_categories` crate.
    static let categoryTablesVersion = (major: 8, minor: 0)

    /// The Unicode version of the NFD data in `unicode-normalization-alignments`, which
    /// `tokenizers` uses to strip accents: it does not decompose U+11938 (13.0) nor reorder
    /// U+1DF6/U+1DF7 (10.0), but reorders the Adlam marks of 9.0.
    static let normalizationTablesVersion = (major: 9, minor: 0)

    /// Whether the NFD tables predate `scalar`, so that it must pass through NFD as a starter
    /// (combining class 0, no decomposition), as an unknown scalar does there.
    @inline(__always)
    static func isNewerThanNormalizationTables(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x300, let age = scalar.properties.age else { return false }
        return age.major > normalizationTablesVersion.major
            || (age.major == normalizationTablesVersion.major && age.minor > normalizationTablesVersion.minor)
    }

    /// Scalars whose general category changed between Unicode 8.0 and Swift's Unicode version
    /// in a way that matters here, with their 8.0 category. Found by the exhaustive comparison
    /// against the reference (TokenizerTests.everyScalarNormalizesLikeReference and
    /// everyScalarSplitsLikeReference); the comparison fails if Swift's tables move again.
    @inline(__always)
    private static func unicode8Override(_ value: UInt32) -> Unicode.GeneralCategory? {
        switch value {
        case 0x1734, 0x1171E: return .nonspacingMark  // Mc now (Hanunoo pamudpod, Ahom medial ra)
        case 0x1885, 0x1886: return .otherLetter  // Mongolian ali gali baluda: Mn since 9.0
        case 0xA9BD: return .spacingMark  // Javanese keret: Mn since 12.0
        case 0x166D, 0x111C9: return .otherPunctuation  // Canadian chi sign (So), Sharada sandhi (Mn)
        default: return nil
        }
    }

    /// The general category as `unicode_categories` (Unicode 8.0) sees it; nil when unassigned there.
    @inline(__always)
    static func unicode8Category(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory? {
        let properties = scalar.properties
        guard let age = properties.age else { return nil }
        if age.major > categoryTablesVersion.major
            || (age.major == categoryTablesVersion.major && age.minor > categoryTablesVersion.minor) {
            return nil
        }
        return unicode8Override(scalar.value) ?? properties.generalCategory
    }

    /// Scalars the normalizer's clean-text step deletes: NUL, U+FFFD and "other" (Cc, Cf, Co, Cs)
    /// except tab, newline and carriage return, which count as whitespace.
    @inline(__always)
    static func isRemovedByCleanText(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            // ASCII fast path: C0 controls and DEL, but not \t \n \r.
            return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F
        }
        if value == 0xFFFD { return true }
        switch unicode8Category(scalar) {
        case .control?, .format?, .privateUse?, .surrogate?: return true
        default: return false
        }
    }

    /// Whitespace as Rust's `char::is_whitespace` (the White_Space property) plus \t \n \r.
    @inline(__always)
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return value == 0x20 || (value >= 0x09 && value <= 0x0D)
        }
        return scalar.properties.isWhitespace
    }

    /// BERT's "Chinese character": the CJK ideograph blocks, by code point range (assigned or not).
    /// Note the gap 0x2B820–0x2B91F, which `tokenizers` leaves out.
    @inline(__always)
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Nonspacing marks (Mn, Unicode 8.0 tables), which accent stripping drops after NFD.
    @inline(__always)
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x300 { return false }
        return unicode8Category(scalar) == .nonspacingMark
    }

    /// BERT punctuation: ASCII 33–47, 58–64, 91–96, 123–126, or a P* category (Unicode 8.0 tables).
    @inline(__always)
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value >= 33 && value <= 47) || (value >= 58 && value <= 64)
                || (value >= 91 && value <= 96) || (value >= 123 && value <= 126)
        }
        switch unicode8Category(scalar) {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return true
        default:
            return false
        }
    }
}
