import Foundation
import Hummingbird
import NIOCore

/// Building JSON responses and reading JSON bodies with the server's limits and error messages.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// `value` as a JSON response.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The error envelope `{"error": {"message": ...}}`.
    static func error(status: HTTPResponse.Status, message: String) -> Response {
        let body = ErrorBody(error: ErrorBody.Detail(message: message, status: Int(status.code)))
        let data = (try? encoder.encode(body)) ?? Data("{\"error\":{\"message\":\"error\"}}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a JSON body, turning every decoding failure into `.malformedBody` naming the field.
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard !bytes.isEmpty else { throw ServerError.malformedBody(reason: "the body is empty; expected JSON") }
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch let error as DecodingError {
            throw ServerError.malformedBody(reason: describe(error))
        }
    }

    /// A short sentence for a decoding error: which field, what was wrong.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return keys.isEmpty ? "the body" : "'\(keys)'"
        }
        switch error {
        case let .dataCorrupted(context): return "\(path(context)) is not valid JSON"
        case let .keyNotFound(key, context): return "missing field '\(key.stringValue)' in \(path(context))"
        case let .typeMismatch(type, context): return "\(path(context)) should be \(type)"
        case let .valueNotFound(type, context): return "\(path(context)) should be \(type), found null"
        @unknown default: return "\(error)"
        }
    }
}

/// JSON shape of every error response.
struct ErrorBody: Codable {
    struct Detail: Codable {
        var message: String
        var status: Int
    }
    var error: Detail
}
