// libFuzzer target: the BERT tokenizer (normalizer, pre-tokenizer, WordPiece) of all-MiniLM-L6-v2 on arbitrary
// bytes, decoded as UTF-8 with replacement like every text the catalog reads.
import Foundation
import VitrineModels

let tokenizer: BertTokenizer = {
    let vocabulary = ProcessInfo.processInfo.environment["VITRINE_FUZZ_VOCAB"] ?? "assets/models/all-MiniLM-L6-v2/vocab.txt"
    do { return try BertTokenizer(vocabularyURL: URL(fileURLWithPath: vocabulary)) } catch {
        fatalError("tokenizer fuzz target: cannot load \(vocabulary) (run from the repository root): \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let ids = tokenizer.encode(text, maxLength: 64)
    if ids.count > 64 { fatalError("encode(maxLength: 64) returned \(ids.count) ids") }
    _ = tokenizer.tokenize(text)
    let batch = tokenizer.encodeBatch([text, "a"], maxLength: 32)
    _ = batch.inputIDs(row: 0)
    return 0
}
