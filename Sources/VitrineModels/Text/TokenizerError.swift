/// Why a tokenizer could not be built or could not do what it was asked.
public enum TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The vocabulary file does not exist.
    case vocabularyMissing(file: String)
    /// The vocabulary file exists but could not be read.
    case vocabularyUnreadable(file: String, reason: String)
    /// A line of the vocabulary file is not a usable token (1-based line number).
    case vocabularyMalformed(file: String, line: Int, problem: String)
    /// The vocabulary lacks a special token the tokenizer needs.
    case missingSpecialToken(file: String, token: String)
    /// `encodeChunks` was given a window/stride pair that cannot tile a text.
    case invalidChunking(windowTokens: Int, strideTokens: Int, problem: String)

    public var description: String {
        switch self {
        case .vocabularyMissing(let file):
            return "tokenizer vocabulary \(file) does not exist"
        case .vocabularyUnreadable(let file, let reason):
            return "tokenizer vocabulary \(file) could not be read: \(reason)"
        case .vocabularyMalformed(let file, let line, let problem):
            return "tokenizer vocabulary \(file), line \(line): \(problem)"
        case .missingSpecialToken(let file, let token):
            return "tokenizer vocabulary \(file) has no \(token) token"
        case .invalidChunking(let windowTokens, let strideTokens, let problem):
            return "cannot chunk text with windowTokens \(windowTokens) and strideTokens \(strideTokens): \(problem)"
        }
    }
}
