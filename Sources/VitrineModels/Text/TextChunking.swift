/// One window of a text too long for a single model pass: `[CLS] pieces [SEP]`.
public struct TextChunk: Sendable, Equatable {
    /// The window's ids, starting with [CLS] and ending with [SEP].
    public let inputIDs: [Int32]
    /// Where the window's pieces sit in the text's untruncated piece sequence (`pieceIDs(text)`).
    public let pieceRange: Range<Int>
}

extension BertTokenizer {
    /// Cuts a long text into overlapping windows so that no part of it is lost to truncation.
    ///
    /// Each window holds up to `windowTokens - 2` consecutive pieces between [CLS] and [SEP];
    /// window *k* starts at piece `k × strideTokens`, so neighbours share
    /// `windowTokens - 2 - strideTokens` pieces (62 with the defaults). Windows are added until one
    /// reaches the last piece. An empty text gives one window `[CLS] [SEP]`. The first window is
    /// always `encode(text, maxLength: windowTokens)`, so a text that fits gives exactly one chunk
    /// with the same ids as `encode`.
    ///
    /// Pooling rule (used by the MiniLM text encoder): embed each window on its own with the
    /// model's masked mean pooling, average the window vectors weighted by `pieceRange.count`
    /// (an empty text's single window gets weight 1), then L2-normalise. With one window this is
    /// exactly sentence-transformers' vector; overlapping pieces are counted in every window that
    /// holds them, which keeps the rule independent of the stride.
    ///
    /// - Throws: `TokenizerError.invalidChunking` unless `windowTokens ≥ 3` and
    ///   `1 ≤ strideTokens ≤ windowTokens - 2` (a larger stride would skip pieces).
    public func encodeChunks(_ text: String, windowTokens: Int = BertTokenizer.defaultMaxLength, strideTokens: Int = 192) throws(TokenizerError) -> [TextChunk] {
        guard windowTokens >= 3 else {
            throw .invalidChunking(windowTokens: windowTokens, strideTokens: strideTokens, problem: "a window needs room for [CLS], [SEP] and one piece")
        }
        let capacity = windowTokens - 2
        guard strideTokens >= 1, strideTokens <= capacity else {
            throw .invalidChunking(windowTokens: windowTokens, strideTokens: strideTokens, problem: "the stride must be between 1 and windowTokens - 2 = \(capacity)")
        }
        let pieces = pieceIDs(text)
        var chunks: [TextChunk] = []
        var start = 0
        repeat {
            let end = min(start + capacity, pieces.count)
            var ids: [Int32] = [classifierID]
            ids.append(contentsOf: pieces[start..<end])
            ids.append(separatorID)
            chunks.append(TextChunk(inputIDs: ids, pieceRange: start..<end))
            if end == pieces.count { break }
            start += strideTokens
        } while true
        return chunks
    }
}
