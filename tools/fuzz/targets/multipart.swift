// libFuzzer target: the server's multipart/form-data parser (compiled in from Sources/VitrineServer/HTTP/
// MultipartForm.swift, which needs only Foundation). The first line of the input is the Content-Type.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMultipart(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
    let contentType = String(decoding: bytes[..<newline], as: UTF8.self)
    let body = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
    if let form = try? MultipartForm(body: body, contentType: contentType, maxParts: 16) {
        // Every part's body lies inside the request body.
        for part in form.parts where part.body.count > body.count { fatalError("part larger than the body") }
        _ = form.part(named: "image")?.text
    }
    return 0
}
