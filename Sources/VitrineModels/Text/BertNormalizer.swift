import Foundation

/// BERT's text normalizer, matching Hugging Face `tokenizers`' `BertNormalizer` scalar for scalar.
///
/// Steps, in the reference's order: clean text (delete NUL, U+FFFD and control/format/private-use
/// scalars; turn whitespace into a space), put spaces around CJK ideographs, strip accents (NFD,
/// then drop nonspacing marks), lowercase (each scalar's full lowercase mapping, with no context:
/// "Σ" always becomes "σ", never the final "ς"). Accent stripping runs before lowercasing, so
/// "İ" becomes "i" (its NFD is I + U+0307), while "ß" stays "ß". NFD and the category tables
/// follow the reference's old Unicode data (see `BertCharacterClasses`), not Swift's own.
public struct BertNormalizer: Sendable, Equatable {
    /// Delete control characters and map whitespace to spaces.
    public var cleanText: Bool
    /// Surround each CJK ideograph with spaces so it becomes its own word.
    public var handleChineseCharacters: Bool
    /// Decompose (NFD) and drop nonspacing marks.
    public var stripAccents: Bool
    /// Replace each scalar by its full lowercase mapping.
    public var lowercase: Bool

    /// The all-MiniLM-L6-v2 settings: everything on (`strip_accents: null` follows `lowercase`).
    public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool = true, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Normalizes `text` as the reference tokenizer does before splitting it into words.
    public func normalize(_ text: String) -> String {
        var output: [Unicode.Scalar] = []
        let scalars = Array(text.unicodeScalars)
        normalize(scalars[...], into: &output)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: output)
        return String(view)
    }

    /// Appends the normalized form of `scalars` to `output`.
    func normalize(_ scalars: ArraySlice<Unicode.Scalar>, into output: inout [Unicode.Scalar]) {
        // Pass 1: clean text and isolate ideographs. Remember whether anything could decompose:
        // nothing below U+00C0 has a canonical decomposition, so ASCII-ish text skips NFD.
        var staged = String.UnicodeScalarView()
        var mayDecompose = false
        var hasScalarsNewerThanNFDTables = false
        for scalar in scalars {
            if cleanText {
                if BertCharacterClasses.isRemovedByCleanText(scalar) { continue }
                if BertCharacterClasses.isWhitespace(scalar) {
                    staged.append(" ")
                    continue
                }
            }
            if scalar.value >= 0xC0 {
                mayDecompose = true
                if BertCharacterClasses.isNewerThanNormalizationTables(scalar) { hasScalarsNewerThanNFDTables = true }
            }
            if handleChineseCharacters && BertCharacterClasses.isChineseCharacter(scalar) {
                staged.append(" ")
                staged.append(scalar)
                staged.append(" ")
            } else {
                staged.append(scalar)
            }
        }
        if stripAccents && mayDecompose {
            let decomposed = hasScalarsNewerThanNFDTables
                ? Self.decomposeWithUnicode9Tables(staged)
                : String(staged).decomposedStringWithCanonicalMapping.unicodeScalars
            appendStrippedAndLowercased(decomposed, to: &output)
        } else {
            appendStrippedAndLowercased(staged, to: &output)
        }
    }

    /// NFD as the reference's Unicode 9.0 tables do it: scalars added later are starters with no
    /// decomposition, so the text is decomposed in stretches between them.
    private static func decomposeWithUnicode9Tables(_ scalars: String.UnicodeScalarView) -> String.UnicodeScalarView {
        var result = String.UnicodeScalarView()
        var stretch = String.UnicodeScalarView()
        for scalar in scalars {
            if BertCharacterClasses.isNewerThanNormalizationTables(scalar) {
                result.append(contentsOf: String(stretch).decomposedStringWithCanonicalMapping.unicodeScalars)
                stretch = String.UnicodeScalarView()
                result.append(scalar)
            } else {
                stretch.append(scalar)
            }
        }
        result.append(contentsOf: String(stretch).decomposedStringWithCanonicalMapping.unicodeScalars)
        return result
    }

    /// Pass 2: drop nonspacing marks (if stripping accents) and lowercase.
    private func appendStrippedAndLowercased(_ scalars: String.UnicodeScalarView, to output: inout [Unicode.Scalar]) {
        output.reserveCapacity(output.count + scalars.count)
        for scalar in scalars {
            let value = scalar.value
            if value < 0x80 {
                if lowercase && value >= 0x41 && value <= 0x5A {
                    output.append(Unicode.Scalar(UInt8(value + 0x20)))
                } else {
                    output.append(scalar)
                }
                continue
            }
            if stripAccents && BertCharacterClasses.isNonspacingMark(scalar) { continue }
            if lowercase && scalar.properties.changesWhenLowercased {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
        }
    }
}
