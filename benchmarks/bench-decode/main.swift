// bench-decode: time JPEG decoding of a large photo with and without libjpeg DCT scaling,
// and the whole file → normalized tensor path. Run in release:
//
//   /tmp/venv/bin/python tools/make_image_fixtures.py --bench-photo /tmp/photo-12mp.jpg
//   swift run -c release bench-decode /tmp/photo-12mp.jpg [iterations]
//   /tmp/venv/bin/python tools/bench_decode_pillow.py /tmp/photo-12mp.jpg [iterations]   # Pillow peer
//
// Prints the median milliseconds per image over the iterations (default 15) for each path.
import Foundation
import VitrineImage

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func measure(_ label: String, iterations: Int, _ body: () throws -> String) rethrows {
    var times: [Double] = []
    var detail = ""
    for _ in 0..<iterations {
        let start = DispatchTime.now().uptimeNanoseconds
        detail = try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    let line = "\(label.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(String(format: "%8.2f", median(times))) ms"
        + "  min \(String(format: "%8.2f", times.min() ?? 0)) ms  (\(detail))"
    print(line)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: bench-decode PHOTO.jpg [iterations]")
    exit(2)
}
let url = URL(fileURLWithPath: arguments[1])
let iterations = arguments.count >= 3 ? max(1, Int(arguments[2]) ?? 15) : 15

do {
    let bytes = [UInt8](try Data(contentsOf: url))
    let full = try ImageDecoder.decode(bytes, name: url.path)
    print("photo: \(url.path), \(bytes.count) bytes, \(full.width)×\(full.height) = "
        + String(format: "%.1f", Double(full.width * full.height) / 1e6) + " MP; \(iterations) iterations")

    try measure("decode full size", iterations: iterations) {
        let image = try ImageDecoder.decode(bytes, name: url.path)
        return "\(image.width)×\(image.height)"
    }
    try measure("decode DCT-scaled to short side ≥ 256", iterations: iterations) {
        let image = try ImageDecoder.decode(bytes, name: url.path, options: ImageDecodingOptions(minimumShortSide: 256))
        return "\(image.width)×\(image.height)"
    }
    let recipe = Preprocessing()
    try measure("preprocess → [3,224,224] with DCT scaling", iterations: iterations) {
        let tensor = try recipe.tensor(fromFileBytes: bytes, name: url.path)
        return "shape \(tensor.shape)"
    }
    var unscaled = recipe
    unscaled.usesDCTScaling = false
    try measure("preprocess → [3,224,224] full decode", iterations: iterations) {
        let tensor = try unscaled.tensor(fromFileBytes: bytes, name: url.path)
        return "shape \(tensor.shape)"
    }
    try measure("resize full image to short side 256 only", iterations: iterations) {
        let image = try full.resized(shortSide: 256)
        return "\(image.width)×\(image.height)"
    }
} catch {
    print("bench-decode: \(error)")
    exit(1)
}
