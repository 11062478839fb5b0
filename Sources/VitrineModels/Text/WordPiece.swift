/// A WordPiece vocabulary: token strings by id, looked up by their exact UTF-8 bytes.
///
/// Lookups compare bytes, not `String`s: Swift's `String` equality is canonical equivalence, so a
/// `[String: Int]` would wrongly find the precomposed "한" when the normalizer produced its NFD
/// jamo, which Hugging Face `tokenizers` (comparing bytes) does not.
public struct WordPieceVocabulary: Sendable {
    /// The tokens, indexed by id (line order of vocab.txt).
    public let tokens: [String]
    private let tokenBytes: [UInt8]
    private let tokenOffsets: [Int]  // tokens.count + 1 offsets into tokenBytes
    private let slots: [Int32]  // open addressing, -1 = empty
    private let slotMask: Int

    /// Builds a vocabulary from tokens in id order.
    /// - Throws: `TokenizerError.vocabularyMalformed` for an empty or repeated token.
    public init(tokens: [String], source: String = "vocabulary") throws(TokenizerError) {
        try self.init(lines: tokens.map { Array($0.utf8) }, file: source)
    }

    /// Parses the contents of a vocab.txt file: one token per line, `\n` or `\r\n` line ends.
    /// - Throws: `TokenizerError.vocabularyMalformed` naming `file` and the line.
    public init(fileContents: some Collection<UInt8>, file: String) throws(TokenizerError) {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in fileContents {
            if byte == 0x0A {
                lines.append(current)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { lines.append(current) }
        for index in lines.indices where lines[index].last == 0x0D {
            lines[index].removeLast()
        }
        try self.init(lines: lines, file: file)
    }

    private init(lines: [[UInt8]], file: String) throws(TokenizerError) {
        guard !lines.isEmpty else {
            throw .vocabularyMalformed(file: file, line: 1, problem: "the file holds no tokens")
        }
        var tokens: [String] = []
        var bytes: [UInt8] = []
        var offsets: [Int] = [0]
        tokens.reserveCapacity(lines.count)
        offsets.reserveCapacity(lines.count + 1)
        for (index, line) in lines.enumerated() {
            guard !line.isEmpty else {
                throw .vocabularyMalformed(file: file, line: index + 1, problem: "empty token")
            }
            guard let token = String(validating: line, as: UTF8.self) else {
                throw .vocabularyMalformed(file: file, line: index + 1, problem: "token is not valid UTF-8")
            }
            tokens.append(token)
            bytes.append(contentsOf: line)
            offsets.append(bytes.count)
        }
        var capacity = 16
        while capacity < lines.count * 2 { capacity <<= 1 }
        var slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for id in 0..<lines.count {
            let hash = bytes.withUnsafeBufferPointer { buffer in
                Self.hash(UnsafeBufferPointer(rebasing: buffer[offsets[id]..<offsets[id + 1]]), continuing: false)
            }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 {
                let other = Int(slots[slot])
                if bytes[offsets[other]..<offsets[other + 1]].elementsEqual(bytes[offsets[id]..<offsets[id + 1]]) {
                    throw .vocabularyMalformed(
                        file: file, line: id + 1, problem: "token \"\(tokens[id])\" repeats line \(other + 1)")
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = Int32(id)
        }
        self.tokens = tokens
        self.tokenBytes = bytes
        self.tokenOffsets = offsets
        self.slots = slots
        self.slotMask = mask
    }

    /// Number of tokens (the embedding table's row count).
    public var count: Int { tokens.count }

    /// The id of `token` (exact scalar sequence, not canonical equivalence), if present.
    public func id(for token: String) -> Int32? {
        let bytes = Array(token.utf8)
        return bytes.withUnsafeBufferPointer { id(utf8: $0, continuing: false) }
    }

    /// The token with identifier `id`, if in range.
    public func token(for id: Int32) -> String? {
        tokens.indices.contains(Int(id)) ? tokens[Int(id)] : nil
    }

    private static let continuationPrefix: [UInt8] = Array("##".utf8)

    /// FNV-1a over the bytes, preceded by "##" for a word-continuing piece.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, continuing: Bool) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        if continuing {
            for byte in continuationPrefix { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// The id of the token spelled by `bytes` (with a "##" prefix when `continuing`), if present.
    func id(utf8 bytes: UnsafeBufferPointer<UInt8>, continuing: Bool) -> Int32? {
        let prefixLength = continuing ? 2 : 0
        var slot = Int(truncatingIfNeeded: Self.hash(bytes, continuing: continuing)) & slotMask
        return tokenBytes.withUnsafeBufferPointer { stored -> Int32? in
            while true {
                let id = slots[slot]
                if id < 0 { return nil }
                let start = tokenOffsets[Int(id)], end = tokenOffsets[Int(id) + 1]
                if end - start == bytes.count + prefixLength
                    && (!continuing || (stored[start] == 0x23 && stored[start + 1] == 0x23))
                    && memoryEqual(stored, from: start + prefixLength, bytes) {
                    return id
                }
                slot = (slot + 1) & slotMask
            }
        }
    }

    @inline(__always)
    private func memoryEqual(_ stored: UnsafeBufferPointer<UInt8>, from start: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            if stored[start + index] != bytes[index] { return false }
            index += 1
        }
        return true
    }
}

/// Greedy longest-match-first WordPiece, as in Hugging Face `tokenizers`: a word longer than
/// `maxInputCharactersPerWord` scalars, or one with any part that matches no token, becomes a
/// single unknown token.
struct WordPieceModel: Sendable {
    let vocabulary: WordPieceVocabulary
    let unknownID: Int32
    let maxInputCharactersPerWord: Int

    /// Reusable buffers so a long text does not allocate per word.
    struct Scratch {
        var bytes: [UInt8] = []
        var boundaries: [Int] = []
    }

    /// Appends the piece ids of one pre-tokenized word to `ids`.
    func appendIDs(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int32], scratch: inout Scratch) {
        if word.count > maxInputCharactersPerWord {
            ids.append(unknownID)
            return
        }
        scratch.bytes.removeAll(keepingCapacity: true)
        scratch.boundaries.removeAll(keepingCapacity: true)
        scratch.boundaries.append(0)
        for scalar in word {
            UTF8.encode(scalar) { scratch.bytes.append($0) }
            scratch.boundaries.append(scratch.bytes.count)
        }
        let firstPiece = ids.count
        let boundaries = scratch.boundaries
        let matched = scratch.bytes.withUnsafeBufferPointer { bytes -> Bool in
            var start = 0
            let scalarCount = boundaries.count - 1
            while start < scalarCount {
                var end = scalarCount
                var found: Int32? = nil
                while end > start {
                    let piece = UnsafeBufferPointer(rebasing: bytes[boundaries[start]..<boundaries[end]])
                    if let id = vocabulary.id(utf8: piece, continuing: start > 0) {
                        found = id
                        break
                    }
                    end -= 1
                }
                guard let id = found else { return false }
                ids.append(id)
                start = end
            }
            return true
        }
        if !matched {
            ids.removeSubrange(firstPiece...)
            ids.append(unknownID)
        }
    }
}
