import Foundation
import VitrineCatalog

/// What an API key lets its holder change. Reads need no role (any valid key, and only with
/// `ServerConfiguration.requireKeyForReads`).
public enum APIKeyRole: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Adds and deletes items; may also do everything `ingest` may.
    case admin
    /// Records user events.
    case ingest

    /// Whether a key of this role may do what `needed` allows.
    public func grants(_ needed: APIKeyRole) -> Bool { self == .admin || self == needed }

    public var description: String { rawValue }
}

/// Why API keys could not be read. Messages name where the problem is but never quote a key.
public enum APIKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A line (in `VITRINE_API_KEYS`: an entry between `;` or newlines) is not `ROLE KEY`.
    case malformedLine(source: String, line: Int, reason: String)
    /// The file or variable holds no key at all.
    case noKeys(source: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "cannot read the API key file \(path): \(reason)"
        case let .malformedLine(source, line, reason): return "\(source) line \(line): \(reason)"
        case let .noKeys(source): return "\(source) holds no API keys (expected lines 'admin KEY' or 'ingest KEY')"
        }
    }
}

/// The server's API keys, kept only as SHA-256 digests: a key can never be logged, printed or echoed
/// from here, and every comparison is between two 32-byte digests in constant time.
///
/// Text form (a key file, or `VITRINE_API_KEYS` with `;` or newlines between entries): one key per line,
/// `ROLE KEY`, where ROLE is `admin` or `ingest` and KEY is 16 or more characters of `A–Z a–z 0–9 - . _ ~ + / =`
/// (what a `Bearer` token may hold). Blank lines and lines starting with `#` are ignored.
public struct APIKeys: Sendable, CustomStringConvertible {
    private var digests: [(role: APIKeyRole, digest: [UInt8])] = []

    /// Shortest key accepted: 16 characters (`openssl rand -hex 32` makes 64).
    public static let minimumKeyLength = 16
    /// Name of the environment variable `vitrine serve` reads keys from.
    public static let environmentVariable = "VITRINE_API_KEYS"

    /// No keys: every route is open (only allowed on a loopback address, see `ServerConfiguration.validate()`).
    public init() {}

    /// Keys parsed from the text form; `source` names the file or variable in error messages.
    /// - Parameter separatedBySemicolons: also split entries at `;` (the environment form).
    /// - Throws: `APIKeyError.malformedLine` naming `source` and the line, `.noKeys` when none is given.
    public init(parsing text: String, source: String, separatedBySemicolons: Bool = false) throws {
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || (separatedBySemicolons && $0 == ";") }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fail = { (reason: String) in APIKeyError.malformedLine(source: source, line: index + 1, reason: reason) }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 2 else {
                throw fail("expected 'ROLE KEY' (two words: admin or ingest, then the key), found \(fields.count) word\(fields.count == 1 ? "" : "s")")
            }
            // The first word is not quoted back: a line written the wrong way round would print the key.
            guard let role = APIKeyRole(rawValue: fields[0].lowercased()) else { throw fail("the first word must be 'admin' or 'ingest'") }
            let key = String(fields[1])
            guard key.count >= Self.minimumKeyLength else { throw fail("the key is shorter than \(Self.minimumKeyLength) characters") }
            guard key.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
                throw fail("the key may only hold letters, digits and - . _ ~ + / =")
            }
            let digest = Hashing.sha256(Array(key.utf8))
            guard matchingRole(digest) == nil else { throw fail("this key is already listed") }
            digests.append((role, digest))
        }
        guard !digests.isEmpty else { throw APIKeyError.noKeys(source: source) }
    }

    /// Keys from the key file at `url`.
    /// - Throws: `.unreadableFile`, or the parsing errors of `init(parsing:source:)` naming the file.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw APIKeyError.unreadableFile(path: url.path, reason: (error as NSError).localizedDescription)
        }
        try self.init(parsing: text, source: url.path)
    }

    /// The keys `vitrine serve` starts with: those of `file` (when given) and of `VITRINE_API_KEYS` in
    /// `environment` (when set and not empty), together.
    /// - Throws: `APIKeyError` from either source.
    public static func load(file: URL?, environment: [String: String]) throws -> APIKeys {
        var keys = try file.map(APIKeys.init(contentsOf:)) ?? APIKeys()
        if let text = environment[environmentVariable], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let fromEnvironment = try APIKeys(parsing: text, source: environmentVariable, separatedBySemicolons: true)
            keys.digests += fromEnvironment.digests
        }
        return keys
    }

    /// Adds one key (for programs and tests that build a configuration in code).
    public mutating func add(_ key: String, role: APIKeyRole) {
        digests.append((role, Hashing.sha256(Array(key.utf8))))
    }

    /// True when no key is configured.
    public var isEmpty: Bool { digests.isEmpty }

    /// The role of the key `token`, or nil when it is none of them.
    ///
    /// Every configured digest is compared in full, whatever matches, so the time taken says nothing
    /// about how close a guess was: the guess is hashed first, and digests are compared byte by byte
    /// without stopping at the first difference.
    public func role(of token: String) -> APIKeyRole? {
        matchingRole(Hashing.sha256(Array(token.utf8)))
    }

    private func matchingRole(_ digest: [UInt8]) -> APIKeyRole? {
        var found: APIKeyRole?
        for entry in digests where Self.constantTimeEqual(entry.digest, digest) { found = entry.role }
        return found
    }

    /// Equality of two byte strings of the same (public) length that looks at every byte.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// RFC 6750 `b64token` characters.
    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-._~+/=".unicodeScalars.contains(scalar))
    }

    /// "2 API keys (admin, ingest)": never the keys themselves.
    public var description: String {
        let roles = digests.map(\.role.rawValue).joined(separator: ", ")
        return digests.count == 1 ? "1 API key (\(roles))" : "\(digests.count) API keys" + (digests.isEmpty ? "" : " (\(roles))")
    }
}
