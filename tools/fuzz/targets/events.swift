// libFuzzer target: the events reader (CSV and JSONL rows of user,item,event,value,timestamp).
import Foundation
import VitrineCatalog

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    for format in EventFileFormat.allCases {
        let (events, problems) = EventParser.parse(text, format: format, now: now)
        for (line, _) in events where line < 1 { fatalError("event without a line number") }
        for problem in problems where problem.line < 1 { fatalError("problem without a line number") }
    }
    return 0
}
