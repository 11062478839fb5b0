// libFuzzer target: the manifest reader (items.jsonl and items.csv rows into items).
import Foundation
@testable import VitrineCatalog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    var problems: [IndexingProblem] = []
    _ = ManifestReader.jsonlRows(text, file: "items.jsonl", problems: &problems)
    _ = ManifestReader.csvRows(text, file: "items.csv", problems: &problems)
    for record in ManifestReader.parseCSV(text) where record.line < 1 { fatalError("record without a line number") }
    return 0
}
