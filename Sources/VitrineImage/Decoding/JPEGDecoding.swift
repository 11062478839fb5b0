import CVitrineImageShim

/// JPEG decoding through the C shim: header first (limit check, DCT scale choice), then pixels
/// straight into a Swift-owned buffer, then the EXIF orientation.
enum JPEGDecoding {
    static func decode(_ bytes: [UInt8], name: String, options: ImageDecodingOptions) throws(ImageDecodingError) -> DecodedImage {
        try withJPEGDecoder(over: bytes, name: name) { decoder, failure throws(ImageDecodingError) in
            try decode(decoder, failure: failure, name: name, options: options)
        }
    }

    private static func withJPEGDecoder<T>(over bytes: [UInt8], name: String,
                                           _ body: (OpaquePointer, (Int32) -> ImageDecodingError) throws(ImageDecodingError) -> T)
        throws(ImageDecodingError) -> T {
        try ImageDecoder.withDecoder(over: bytes, name: name, open: vitrine_jpeg_open, close: vitrine_jpeg_close,
                                     message: { vitrine_jpeg_message($0) }, body)
    }

    private static func decode(_ decoder: OpaquePointer, failure: (Int32) -> ImageDecodingError, name: String,
                               options: ImageDecodingOptions) throws(ImageDecodingError) -> DecodedImage {
        var info = vitrine_jpeg_info()
        var status = vitrine_jpeg_read_header(decoder, &info)
        guard status == 0 else { throw failure(status) }
        try ImageDecoder.checkPixelLimit(
            width: Int(info.width), height: Int(info.height), name: name, limit: options.pixelLimit)
        // Read now: libjpeg frees saved markers when the decompression finishes.
        var exifLength = 0
        let orientation = vitrine_jpeg_exif(decoder, &exifLength).map {
            EXIFOrientation(exifPayload: UnsafeBufferPointer(start: $0, count: exifLength))
        } ?? .up

        let numerator = try scaleNumerator(decoder, info: info, minimumShortSide: options.minimumShortSide, name: name)
        var width: Int32 = 0
        var height: Int32 = 0
        status = vitrine_jpeg_scaled_size(decoder, numerator, &width, &height)
        guard status == 0 else { throw failure(status) }

        let byteCount = Int(width) * Int(height) * 3
        // Uninitialized: libjpeg writes every byte or the decode fails and the array is dropped.
        let strict: Int32 = options.rejectsCorruptJPEGData ? 1 : 0
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { output, initialized in
            status = vitrine_jpeg_decode_rgb(decoder, numerator, output.baseAddress, output.count, strict)
            initialized = status == 0 ? byteCount : 0
        }
        guard status == 0 else { throw failure(status) }
        let image = RGBImage(uncheckedWidth: Int(width), height: Int(height), pixels: pixels)

        guard options.appliesEXIFOrientation else {
            return DecodedImage(image: image, sourceWidth: Int(info.width), sourceHeight: Int(info.height))
        }
        let swapsAxes = orientation.rawValue >= 5
        return DecodedImage(
            image: image.oriented(orientation),
            sourceWidth: Int(swapsAxes ? info.height : info.width),
            sourceHeight: Int(swapsAxes ? info.width : info.height))
    }

    /// Part of a decoded frame: the pixels of columns [x, x + width) and rows [y, y + height) of a
    /// `frameWidth × frameHeight` decode (N/8-scaled) of a file that declares `sourceWidth × sourceHeight`.
    struct Window {
        var pixels: [UInt8]
        var x, y, width, height: Int
        var frameWidth, frameHeight: Int
        var sourceWidth, sourceHeight: Int
    }

    /// Decodes only the part of the frame that `region` asks for, given the frame and source sizes;
    /// nil (decode the whole image instead) when the file needs EXIF rotation, is CMYK, or the
    /// system libjpeg cannot crop. Errors are those of a full decode.
    static func decodeWindow(
        _ bytes: [UInt8], name: String, options: ImageDecodingOptions,
        region: (_ frameWidth: Int, _ frameHeight: Int, _ sourceWidth: Int, _ sourceHeight: Int) -> (x: Int, y: Int, width: Int, height: Int)?
    ) throws(ImageDecodingError) -> Window? {
        try withJPEGDecoder(over: bytes, name: name) { decoder, failure throws(ImageDecodingError) -> Window? in
                var info = vitrine_jpeg_info()
                var status = vitrine_jpeg_read_header(decoder, &info)
                guard status == 0 else { throw failure(status) }
                try ImageDecoder.checkPixelLimit(width: Int(info.width), height: Int(info.height), name: name, limit: options.pixelLimit)
                var exifLength = 0
                let orientation = vitrine_jpeg_exif(decoder, &exifLength).map {
                    EXIFOrientation(exifPayload: UnsafeBufferPointer(start: $0, count: exifLength))
                } ?? .up
                guard info.color != Int32(VITRINE_JPEG_CMYK.rawValue), orientation == .up || !options.appliesEXIFOrientation else {
                    return nil
                }
                let numerator = try scaleNumerator(decoder, info: info, minimumShortSide: options.minimumShortSide, name: name)
                var frameWidth: Int32 = 0, frameHeight: Int32 = 0
                status = vitrine_jpeg_scaled_size(decoder, numerator, &frameWidth, &frameHeight)
                guard status == 0 else { throw failure(status) }
                guard let wanted = region(Int(frameWidth), Int(frameHeight), Int(info.width), Int(info.height)) else { return nil }
                // libjpeg widens the columns to whole iMCUs (at most 4·16 pixels each side).
                let capacity = (wanted.width + 128) * wanted.height * 3
                var decodedX: Int32 = 0, decodedWidth: Int32 = 0
                let strict: Int32 = options.rejectsCorruptJPEGData ? 1 : 0
                var pixels = [UInt8](unsafeUninitializedCapacity: capacity) { output, initialized in
                    status = vitrine_jpeg_decode_rgb_region(
                        decoder, numerator, Int32(wanted.x), Int32(wanted.y), Int32(wanted.width), Int32(wanted.height),
                        output.baseAddress, output.count, strict, &decodedX, &decodedWidth)
                    initialized = status == 0 ? Int(decodedWidth) * wanted.height * 3 : 0
                }
                if status == VITRINE_STATUS_UNSUPPORTED.rawValue { return nil }
                guard status == 0 else { throw failure(status) }
                pixels.removeLast(pixels.count - Int(decodedWidth) * wanted.height)
                return Window(pixels: pixels, x: Int(decodedX), y: wanted.y, width: Int(decodedWidth), height: wanted.height,
                              frameWidth: Int(frameWidth), frameHeight: Int(frameHeight),
                              sourceWidth: Int(info.width), sourceHeight: Int(info.height))
        }
    }

    /// The smallest N in 1...8 for which decoding at N/8 keeps the short side ≥ the minimum.
    /// Sizes come from libjpeg itself (it rounds up), so the guarantee holds exactly.
    private static func scaleNumerator(
        _ decoder: OpaquePointer, info: vitrine_jpeg_info, minimumShortSide: Int?, name: String
    ) throws(ImageDecodingError) -> Int32 {
        guard let minimum = minimumShortSide, minimum > 0 else { return 8 }
        for numerator: Int32 in 1...7 {
            var width: Int32 = 0
            var height: Int32 = 0
            let status = vitrine_jpeg_scaled_size(decoder, numerator, &width, &height)
            guard status == 0 else {
                throw ImageDecoder.error(
                    status: status, message: String(cString: vitrine_jpeg_message(decoder)), name: name)
            }
            if Int(min(width, height)) >= minimum { return numerator }
        }
        return 8
    }
}
