import CVitrineImageShim

/// PNG decoding through libpng's simplified API in the C shim.
enum PNGDecoding {
    static func decode(_ bytes: [UInt8], name: String, options: ImageDecodingOptions) throws(ImageDecodingError) -> RGBImage {
        try ImageDecoder.withDecoder(over: bytes, name: name, open: vitrine_png_open, close: vitrine_png_close,
                                     message: { vitrine_png_message($0) }) { decoder, failure throws(ImageDecodingError) in
            try decode(decoder, failure: failure, name: name, options: options)
        }
    }

    private static func decode(_ decoder: OpaquePointer, failure: (Int32) -> ImageDecodingError, name: String,
                               options: ImageDecodingOptions) throws(ImageDecodingError) -> RGBImage {
        var width: Int32 = 0
        var height: Int32 = 0
        var hasAlpha: Int32 = 0
        var status = vitrine_png_read_header(decoder, &width, &height, &hasAlpha)
        guard status == 0 else { throw failure(status) }
        try ImageDecoder.checkPixelLimit(width: Int(width), height: Int(height), name: name, limit: options.pixelLimit)

        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        status = pixels.withUnsafeMutableBufferPointer { output in
            vitrine_png_decode_rgb(decoder, output.baseAddress, output.count)
        }
        guard status == 0 else { throw failure(status) }
        return RGBImage(uncheckedWidth: Int(width), height: Int(height), pixels: pixels)
    }
}
