/// BERT's pre-tokenizer: splits normalized text into words on whitespace (dropped) and
/// punctuation (each punctuation scalar becomes a word of its own), like Hugging Face
/// `tokenizers`' `BertPreTokenizer`.
public struct BertPreTokenizer: Sendable, Equatable {
    /// Creates the pre-tokenizer (it has no settings).
    public init() {}

    /// Splits `text` into words; apply it to normalized text.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return wordRanges(in: scalars[...]).map { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
    }

    /// The index ranges of the words in `scalars`, in order.
    func wordRanges(in scalars: ArraySlice<Unicode.Scalar>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var wordStart: Int? = nil
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if BertCharacterClasses.isWhitespace(scalar) {
                if let start = wordStart { ranges.append(start..<index) }
                wordStart = nil
            } else if BertCharacterClasses.isPunctuation(scalar) {
                if let start = wordStart { ranges.append(start..<index) }
                ranges.append(index..<(index + 1))
                wordStart = nil
            } else if wordStart == nil {
                wordStart = index
            }
            index += 1
        }
        if let start = wordStart { ranges.append(start..<scalars.endIndex) }
        return ranges
    }
}
