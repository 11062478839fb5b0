import Foundation
import Testing
import VitrineServer

@Suite struct MultipartFormTests {
    let type = "multipart/form-data; boundary=XyZ"

    func parse(_ text: String) throws -> MultipartForm { try MultipartForm(body: Array(text.utf8), contentType: type) }

    @Test func fieldsAndFilesWithBinaryContent() throws {
        // File content holds CR, LF, NUL, "--XyZ" without the leading CRLF and "CRLF--Xy" (a cut-short delimiter).
        let binary: [UInt8] = [0, 45, 45, 88, 121, 90, 13, 10, 45, 45, 88, 121, 255, 13]
        var body = Array("preamble ignored\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nRed bike\r\n".utf8)
        body += Array("--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a;b.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
        body += binary + Array("\r\n--XyZ--\r\nepilogue".utf8)
        let form = try MultipartForm(body: body, contentType: type)
        #expect(form.parts.count == 2)
        #expect(form.part(named: "title")?.text == "Red bike")
        #expect(form.part(named: "title")?.filename == nil)
        let image = try #require(form.part(named: "image"))
        #expect(image.filename == "a;b.png")
        #expect(image.contentType == "image/png")
        #expect(image.body == binary)
    }

    @Test func emptyValueAndRepeatedNames() throws {
        let form = try parse("--XyZ\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n\r\n--XyZ\r\ncontent-disposition: form-data; name=images; filename=x\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"images\"\r\n\r\n2\r\n--XyZ--")
        #expect(form.part(named: "tags")?.body == [])
        #expect(form.parts(named: "images").map(\.text) == ["1", "2"])
        #expect(form.part(named: "images")?.filename == "x")
    }

    @Test func boundaryIsReadFromQuotedOrPlainParameter() {
        #expect(MultipartForm.boundary(in: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartForm.boundary(in: "Multipart/Form-Data;charset=utf-8; boundary=\"a b:c\"") == "a b:c")
        #expect(MultipartForm.boundary(in: "multipart/form-data") == nil)
        #expect(MultipartForm.boundary(in: "application/json; boundary=abc") == nil)
        #expect(MultipartForm.boundary(in: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
    }

    @Test func escapedQuotesInNames() throws {
        let form = try parse("--XyZ\r\nContent-Disposition: form-data; name=\"say \\\"hi\\\"\"\r\n\r\nv\r\n--XyZ--\r\n")
        #expect(form.parts.first?.name == "say \"hi\"")
    }

    @Test func malformedBodiesAreReportedNotCrashed() {
        #expect(throws: MultipartError.missingBoundary) { try MultipartForm(body: [], contentType: "multipart/form-data") }
        #expect(throws: MultipartError.missingFirstBoundary) { try parse("no boundary here") }
        #expect(throws: MultipartError.unterminatedHeaders(part: 1)) { try parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\"") }
        #expect(throws: MultipartError.unterminatedPart(part: 1)) { try parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue without end") }
        #expect(throws: MultipartError.unterminatedPart(part: 1)) { try parse("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ") }
        #expect(throws: MultipartError.missingName(part: 1)) { try parse("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--") }
        #expect(throws: MultipartError.missingName(part: 1)) { try parse("--XyZ\r\n\r\nv\r\n--XyZ--") }
        #expect(throws: MultipartError.unterminatedPart(part: 1)) { try parse("--XyZ") }
        #expect(throws: MultipartError.tooManyParts(limit: 2)) {
            try MultipartForm(body: Array(String(repeating: "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n", count: 3).utf8) + Array("--XyZ--".utf8),
                              contentType: type, maxParts: 2)
        }
    }

    @Test func everyTruncationOfAValidBodyFailsCleanly() throws {
        let full = Array("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"f\"\r\n\r\n\u{0}\u{1}\r\n--XyZ--\r\n".utf8)
        #expect(try MultipartForm(body: full, contentType: type).parts.count == 2)
        // Only a prefix that still holds the closing "--XyZ--" is complete.
        for length in 0..<(full.count - 2) {
            #expect(throws: MultipartError.self, "prefix of \(length) bytes") { try MultipartForm(body: Array(full.prefix(length)), contentType: type) }
        }
    }
}
