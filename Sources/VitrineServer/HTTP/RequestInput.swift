import Foundation
import Hummingbird
import NIOCore

/// Reading parameters and bodies with the server's validation rules, so every route fails the same way.
struct RequestInput {
    let request: Request
    let context: BasicRequestContext

    /// The path parameter `name`, percent-decoded.
    func pathParameter(_ name: String) throws -> String {
        guard let raw = context.parameters.get(name) else { throw ServerError.invalidParameter(name: name, reason: "missing from the path") }
        return raw.removingPercentEncoding ?? raw
    }

    /// The query parameter `name`, if present.
    func query(_ name: String) -> String? { request.uri.queryParameters.get(name) }

    /// An integer query parameter in `range`, `fallback` when absent.
    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query(name) else { return fallback }
        guard let value = Int(text) else { throw ServerError.invalidParameter(name: name, reason: "'\(text)' is not an integer") }
        guard range.contains(value) else {
            throw ServerError.invalidParameter(name: name, reason: "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A number query parameter in `range`, `fallback` when absent.
    func number(_ name: String, default fallback: Float, in range: ClosedRange<Float>) throws -> Float {
        guard let text = query(name) else { return fallback }
        guard let value = Float(text), value.isFinite else { throw ServerError.invalidParameter(name: name, reason: "'\(text)' is not a number") }
        guard range.contains(value) else {
            throw ServerError.invalidParameter(name: name, reason: "\(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A boolean query parameter (`true/false/1/0/yes/no`), `fallback` when absent.
    /// `exact` (scan every item instead of walking the HNSW graph) and `ef` (the graph's candidate
    /// list size, 1…4096), shared by every route that searches an index.
    func searchPrecision() throws -> (exact: Bool, efSearch: Int?) {
        let exact = try boolean("exact", default: false)
        let ef = query("ef") == nil ? nil : try integer("ef", default: 64, in: 1...4_096)
        return (exact, ef)
    }

    /// `image_weight` (0…1): the image weight of fused scores for this request; nil when absent (the catalog's weight).
    func imageWeight() throws -> Float? {
        query("image_weight") == nil ? nil : try number("image_weight", default: 0.5, in: 0...1)
    }

    func boolean(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = query(name) else { return fallback }
        switch text.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw ServerError.invalidParameter(name: name, reason: "'\(text)' is not true or false")
        }
    }

    /// A value of a `RawRepresentable` enum (e.g. `modality=image`), `fallback` when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T where T.RawValue == String {
        guard let text = query(name) else { return fallback }
        guard let value = T(rawValue: text.lowercased()) else {
            throw ServerError.invalidParameter(name: name, reason: "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// The media type of the body, lowercased, without parameters ("" when absent).
    var mediaType: String {
        let header = request.headers[.contentType] ?? ""
        return header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }

    /// The whole body, at most `limit` bytes.
    /// - Throws: `.bodyTooLarge` past the limit.
    func body(limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServerError.bodyTooLarge(limit: limit)
        }
    }

    /// The body parsed as `multipart/form-data`.
    /// - Throws: `.unsupportedMediaType` for another content type, `.bodyTooLarge`, `.malformedBody`.
    func multipartForm(limit: Int) async throws -> MultipartForm {
        let contentType = request.headers[.contentType] ?? ""
        guard mediaType == "multipart/form-data" else {
            throw ServerError.unsupportedMediaType(field: "request body", detected: contentType.isEmpty ? "no Content-Type" : contentType)
        }
        let bytes = try await body(limit: limit)
        do { return try MultipartForm(body: bytes, contentType: contentType) } catch let error as MultipartError {
            throw ServerError.malformedBody(reason: error.description)
        }
    }
}

/// Runs blocking, CPU-heavy work (the encoders) off Swift's cooperative pool so other requests keep flowing.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}
