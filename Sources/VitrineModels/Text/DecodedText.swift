/// Text decoded from bytes that should be UTF-8, with invalid sequences repaired.
///
/// Each maximal invalid subsequence becomes U+FFFD (Swift's `String(decoding:as:)`); the
/// tokenizer's clean-text step then deletes every U+FFFD, as Hugging Face `tokenizers` does, so
/// repaired bytes simply vanish from the token sequence. `repairedInvalidUTF8` lets a caller
/// report the repair (for example as an indexing warning) instead of it passing silently.
public struct DecodedText: Sendable, Equatable {
    /// The decoded text.
    public let text: String
    /// True when the bytes were not valid UTF-8 and replacement characters were inserted.
    public let repairedInvalidUTF8: Bool

    /// Decodes `bytes` as UTF-8, replacing invalid sequences with U+FFFD.
    public init(utf8 bytes: some Collection<UInt8>) {
        if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
            repairedInvalidUTF8 = false
        } else {
            text = String(decoding: bytes, as: UTF8.self)
            repairedInvalidUTF8 = true
        }
    }
}
