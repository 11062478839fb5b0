// libFuzzer target: JPEG and PNG decoding, the model's preprocessing (DCT-scaled window decode, resize,
// crop, normalize) and the server's thumbnail path (decode, resize, JPEG encode) on arbitrary bytes.
import VitrineImage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // A small pixel limit: any header may declare 60 000 × 60 000, and the limit check is what must hold;
    // below it a decode must either succeed or throw, never crash or read out of bounds.
    let limit = 2_000_000
    _ = try? Preprocessing(pixelLimit: limit).tensor(fromFileBytes: bytes, name: "fuzz")
    _ = try? Preprocessing(resizeShortSide: 40, cropSize: 32, filter: .bicubic, usesDCTScaling: false, pixelLimit: limit)
        .tensor(fromFileBytes: bytes, name: "fuzz")
    if let decoded = try? ImageDecoder.decodeKeepingSourceSize(bytes, name: "fuzz",
                                                              options: ImageDecodingOptions(pixelLimit: limit, minimumShortSide: 64,
                                                                                            rejectsCorruptJPEGData: false)) {
        let image = decoded.image
        let long = max(image.width, image.height)
        let width = max(1, image.width * 64 / long), height = max(1, image.height * 64 / long)
        if let small = try? image.resized(width: width, height: height, filter: .bicubic) {
            let file = try? small.jpegData(quality: 80)
            if let file, (try? ImageDecoder.decode(file, name: "re-encoded")) == nil {
                fatalError("a JPEG the encoder wrote does not decode")
            }
        }
    }
    return 0
}
