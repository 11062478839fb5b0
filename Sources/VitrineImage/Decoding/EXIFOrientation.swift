/// The EXIF Orientation tag (0x0112): how the stored pixels must be flipped/rotated for display.
/// Raw values 1–8 follow the EXIF specification; anything unreadable counts as `.up`.
public enum EXIFOrientation: Int, Sendable, Equatable, CaseIterable {
    case up = 1, upMirrored, down, downMirrored, leftMirrored, right, leftMirroredRotated, left

    /// Parses the payload of an APP1 marker ("Exif\0\0" + TIFF structure) and returns IFD0's
    /// Orientation. Malformed or missing data gives `.up`: orientation is advisory, and a
    /// broken EXIF block must not make an otherwise good image undecodable.
    public init(exifPayload payload: UnsafeBufferPointer<UInt8>) {
        self = EXIFOrientation.parse(payload) ?? .up
    }

    private static func parse(_ payload: UnsafeBufferPointer<UInt8>) -> EXIFOrientation? {
        let tiffStart = 6  // after "Exif\0\0"
        guard payload.count >= tiffStart + 8 else { return nil }
        let bigEndian: Bool
        switch (payload[tiffStart], payload[tiffStart + 1]) {
        case (0x4D, 0x4D): bigEndian = true   // "MM"
        case (0x49, 0x49): bigEndian = false  // "II"
        default: return nil
        }
        func u16(_ offset: Int) -> Int? {
            let at = tiffStart + offset
            guard offset >= 0, at + 2 <= payload.count else { return nil }
            let (a, b) = (Int(payload[at]), Int(payload[at + 1]))
            return bigEndian ? a << 8 | b : b << 8 | a
        }
        func u32(_ offset: Int) -> Int? {
            guard let high = u16(bigEndian ? offset : offset + 2),
                  let low = u16(bigEndian ? offset + 2 : offset) else { return nil }
            return high << 16 | low
        }
        guard u16(2) == 42, let ifd = u32(4), let entryCount = u16(ifd) else { return nil }
        for entry in 0..<entryCount {
            let base = ifd + 2 + entry * 12
            guard let tag = u16(base) else { return nil }
            guard tag == 0x0112 else { continue }
            // Type SHORT (3), count 1: the value sits in the first two bytes of the value field.
            guard u16(base + 2) == 3, let value = u16(base + 8) else { return nil }
            return EXIFOrientation(rawValue: value)
        }
        return nil
    }
}

extension RGBImage {
    /// The image as it should be displayed given `orientation` (the transform Pillow's
    /// `ImageOps.exif_transpose` applies). Orientations 5–8 swap width and height.
    public func oriented(_ orientation: EXIFOrientation) -> RGBImage {
        if orientation == .up { return self }
        let swapsAxes = orientation.rawValue >= 5
        let outWidth = swapsAxes ? height : width
        let outHeight = swapsAxes ? width : height
        let (w, h) = (width, height)
        // Source coordinate for each output coordinate (x, y).
        let source: (Int, Int) -> (Int, Int)
        switch orientation {
        case .up: source = { ($0, $1) }
        case .upMirrored: source = { (w - 1 - $0, $1) }
        case .down: source = { (w - 1 - $0, h - 1 - $1) }
        case .downMirrored: source = { ($0, h - 1 - $1) }
        case .leftMirrored: source = { ($1, $0) }                         // transpose
        case .right: source = { ($1, h - 1 - $0) }                        // rotate 90° clockwise
        case .leftMirroredRotated: source = { (w - 1 - $1, h - 1 - $0) }  // transverse
        case .left: source = { (w - 1 - $1, $0) }                         // rotate 90° counter-clockwise
        }
        let count = outWidth * outHeight * 3
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            pixels.withUnsafeBufferPointer { input in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = source(x, y)
                        let from = (sy * w + sx) * 3
                        let to = (y * outWidth + x) * 3
                        output[to] = input[from]
                        output[to + 1] = input[from + 1]
                        output[to + 2] = input[from + 2]
                    }
                }
            }
            initialized = count
        }
        return RGBImage(uncheckedWidth: outWidth, height: outHeight, pixels: result)
    }
}
