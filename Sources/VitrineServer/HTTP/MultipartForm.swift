import Foundation

/// Why a `multipart/form-data` body could not be parsed.
public enum MultipartError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `Content-Type` header has no usable `boundary` parameter.
    case missingBoundary
    /// The body does not start with the boundary delimiter.
    case missingFirstBoundary
    /// A part's headers are not terminated by an empty line.
    case unterminatedHeaders(part: Int)
    /// A part is not closed by a delimiter (the body was cut short).
    case unterminatedPart(part: Int)
    /// A part lacks `Content-Disposition: form-data; name="…"`.
    case missingName(part: Int)
    /// More parts than the parser accepts.
    case tooManyParts(limit: Int)

    /// What is wrong, for the 400 response.
    public var description: String {
        switch self {
        case .missingBoundary: return "multipart body: Content-Type has no boundary parameter"
        case .missingFirstBoundary: return "multipart body: does not start with the boundary"
        case let .unterminatedHeaders(part): return "multipart body: headers of part \(part) are not terminated by an empty line"
        case let .unterminatedPart(part): return "multipart body: part \(part) is not closed by a boundary (body cut short?)"
        case let .missingName(part): return "multipart body: part \(part) has no Content-Disposition form-data name"
        case let .tooManyParts(limit): return "multipart body: more than \(limit) parts"
        }
    }
}

/// One field of a `multipart/form-data` body (RFC 7578).
public struct MultipartPart: Sendable, Equatable {
    /// The form field name.
    public var name: String
    /// The uploaded file's name, when the part is a file.
    public var filename: String?
    /// The part's declared `Content-Type`, if any (informational: pictures are sniffed).
    public var contentType: String?
    /// The part's bytes.
    public var body: [UInt8]

    /// The body as UTF-8 text (invalid sequences repaired).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A parsed `multipart/form-data` body: a small parser over the whole (size-limited) body in memory.
public struct MultipartForm: Sendable {
    /// Parts in body order.
    public var parts: [MultipartPart]

    /// Parses `body` sent with `contentType` (which carries the boundary).
    /// - Throws: `MultipartError` naming the first problem.
    public init(body: [UInt8], contentType: String, maxParts: Int = 64) throws {
        guard let boundary = Self.boundary(in: contentType) else { throw MultipartError.missingBoundary }
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        // The first delimiter may be preceded by a preamble; RFC 2046 puts a CRLF before every later one.
        guard var cursor = Self.find(delimiter, in: body, from: 0) else { throw MultipartError.missingFirstBoundary }
        cursor += delimiter.count
        let nextDelimiter = crlf + delimiter
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" closes the body; otherwise skip transport padding and the CRLF.
            if body[cursor...].starts(with: [45, 45]) { break }
            while cursor < body.count, body[cursor] == 32 || body[cursor] == 9 { cursor += 1 }
            guard body[cursor...].starts(with: crlf) else { throw MultipartError.unterminatedPart(part: parts.count + 1) }
            cursor += 2
            guard parts.count < maxParts else { throw MultipartError.tooManyParts(limit: maxParts) }
            let number = parts.count + 1
            // A part without headers cannot name its field.
            if body[cursor...].starts(with: crlf) { throw MultipartError.missingName(part: number) }
            guard let headerEnd = Self.find(crlf + crlf, in: body, from: cursor) else {
                throw MultipartError.unterminatedHeaders(part: number)
            }
            let headerText = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard contentStart <= body.count, let contentEnd = Self.find(nextDelimiter, in: body, from: contentStart) else {
                throw MultipartError.unterminatedPart(part: number)
            }
            var part = try Self.headers(headerText, part: number)
            part.body = Array(body[contentStart..<contentEnd])
            parts.append(part)
            cursor = contentEnd + nextDelimiter.count
            guard cursor < body.count else { throw MultipartError.unterminatedPart(part: number) }
        }
        self.parts = parts
    }

    /// The first part named `name`.
    public func part(named name: String) -> MultipartPart? { parts.first { $0.name == name } }

    /// Every part named `name`, in order.
    public func parts(named name: String) -> [MultipartPart] { parts.filter { $0.name == name } }

    /// The `boundary` parameter of a `multipart/form-data` content type (quoted or not), or nil.
    public static func boundary(in contentType: String) -> String? {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = fields.first, type.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            let value = pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            // RFC 2046: 1–70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    /// Parses a part's header block into name, filename and content type.
    private static func headers(_ text: String, part: Int) throws -> MultipartPart {
        var name: String?, filename: String?, contentType: String?
        for line in text.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if key == "content-type" { contentType = value }
            guard key == "content-disposition" else { continue }
            for parameter in dispositionParameters(value) {
                if parameter.key == "name" { name = parameter.value }
                if parameter.key == "filename" { filename = parameter.value }
            }
        }
        guard let name, !name.isEmpty else { throw MultipartError.missingName(part: part) }
        return MultipartPart(name: name, filename: filename, contentType: contentType, body: [])
    }

    /// `form-data; name="a;b"; filename=x.png` → [(name, a;b), (filename, x.png)], honouring quotes and `\"`.
    static func dispositionParameters(_ value: String) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        var characters = Array(value)[...]
        // Skip the disposition type.
        while let first = characters.first, first != ";" { characters.removeFirst() }
        while !characters.isEmpty {
            characters.removeFirst() // ";"
            while characters.first == " " { characters.removeFirst() }
            var key = ""
            while let c = characters.first, c != "=", c != ";" { key.append(c); characters.removeFirst() }
            guard characters.first == "=" else { continue }
            characters.removeFirst()
            var parsed = ""
            if characters.first == "\"" {
                characters.removeFirst()
                while let c = characters.first, c != "\"" {
                    characters.removeFirst()
                    if c == "\\", let escaped = characters.first { parsed.append(escaped); characters.removeFirst() } else { parsed.append(c) }
                }
                if !characters.isEmpty { characters.removeFirst() }
                while let c = characters.first, c != ";" { characters.removeFirst() }
            } else {
                while let c = characters.first, c != ";" { parsed.append(c); characters.removeFirst() }
                parsed = parsed.trimmingCharacters(in: .whitespaces)
            }
            result.append((key.trimmingCharacters(in: .whitespaces).lowercased(), parsed))
        }
        return result
    }

    /// First index of `needle` in `haystack` at or after `start`, or nil.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                var i = start
                let last = hay.count - pin.count
                while i <= last {
                    if hay[i] == first {
                        var j = 1
                        while j < pin.count, hay[i + j] == pin[j] { j += 1 }
                        if j == pin.count { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }
}
