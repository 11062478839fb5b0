// bench-image-encoder: EfficientNet-Lite0 images/s in Vitrine vs ONNX Runtime, same weights, same inputs.
//
// Usage: swift run -c release bench-image-encoder [--repetitions N] [--images N] [--threads N] [--no-onnx] [--no-int8]
//        swift run -c release bench-image-encoder --agreement CATALOG[,CATALOG…]
//
// --agreement: int8 against fp32 on real catalogs, no timing. A catalog is a manifest (items.jsonl with
// "images" and "title"/"description") or a folder of photo.jpg + photo.txt pairs. For the image and text
// vectors of every item: cosine int8 vs fp32 (min, median), and for image, text and fused (0.5·cos_img +
// 0.5·cos_txt) top-10 neighbour agreement, mean |N_int8 ∩ N_fp32| / 10 with neighbours by exact score
// over the whole catalog, the item itself excluded.
// Each repetition times Vitrine at batch 1 and batch 16 (both batch strategies), fp32 and int8 1×1 convs,
// then runs benchmarks/onnx_image_encoder.py (ONNX Runtime in /tmp/venv, model from tools/export_onnx.py,
// and its quantize_dynamic int8 twin) once each, so the sides alternate on a shared machine. Prints medians and Vitrine/ORT ratios of
// wall-clock images/s and of images per CPU-second (process CPU time, all threads: steadier than
// wall time when other jobs share the cores, though it charges ORT's spin-waiting threads).
import Foundation
import VitrineImage
import VitrineModels
import VitrineTensor

struct Options {
    var repetitions = 5
    var images = 32
    var threads = 2
    var runsONNX = true
    var int8 = true
    var agreement: [String] = []
    var python = "/tmp/venv/bin/python"

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--repetitions": repetitions = iterator.next().flatMap(Int.init) ?? repetitions
            case "--images": images = iterator.next().flatMap(Int.init) ?? images
            case "--threads": threads = iterator.next().flatMap(Int.init) ?? threads
            case "--python": python = iterator.next() ?? python
            case "--no-onnx": runsONNX = false
            case "--no-int8": int8 = false
            case "--agreement": agreement = (iterator.next() ?? "").split(separator: ",").map(String.init)
            default:
                print("unknown argument \(argument)")
                exit(2)
            }
        }
    }
}

func packageRoot() -> URL {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<2 { directory.deleteLastPathComponent() }
    return directory
}

func fixtureCrops(encoder: ImageEncoder) throws -> [ImageTensor] {
    let folder = packageRoot().appendingPathComponent("Tests/VitrineModelsTests/Fixtures/efficientnet")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".rgb") }.sorted()
    return try names.map { name in
        let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
        return try RGBImage(width: 224, height: 224, pixels: bytes)
            .normalizedTensor(mean: encoder.preprocessing.mean, std: encoder.preprocessing.std)
    }
}

/// CPU seconds used by this process so far (all threads).
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Images per wall-clock second and per CPU-second encoding `images` images in batches of `batch`.
func measure(_ encoder: ImageEncoder, pool: [ImageTensor], batch: Int, images: Int) throws -> (wall: Double, cpu: Double) {
    let inputs = (0..<batch).map { pool[$0 % pool.count] }
    _ = try encoder.encode(batch: inputs) // warm-up
    let rounds = max(1, images / batch)
    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
    for _ in 0..<rounds { _ = try encoder.encode(batch: inputs) }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    return (Double(rounds * batch) / seconds, Double(rounds * batch) / cpuSeconds)
}

func runONNX(_ options: Options, int8: Bool) throws -> (wall: [String: Double], cpu: [String: Double]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: options.python)
    process.arguments = [packageRoot().appendingPathComponent("benchmarks/onnx_image_encoder.py").path,
                         "--threads", "\(options.threads)", "--batches", "1,16", "--images", "\(options.images)"]
        + (int8 ? ["--int8"] : [])
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
          let rates = json["images_per_second"] as? [String: Double],
          let cpuRates = json["images_per_cpu_second"] as? [String: Double] else {
        throw NSError(domain: "bench", code: 1, userInfo: [NSLocalizedDescriptionKey: "onnx_image_encoder.py failed: \(String(decoding: data, as: UTF8.self))"])
    }
    return (rates, cpuRates)
}

/// A real catalog's items: image file and encoder text ("title. description"), from a manifest or a pairs folder.
func catalogItems(_ path: String) throws -> [(image: URL, text: String)] {
    let url = URL(fileURLWithPath: path)
    if path.hasSuffix(".jsonl") {
        let folder = url.deletingLastPathComponent()
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let image = (object["images"] as? [String])?.first else { return nil }
            let text = [object["title"] as? String, object["description"] as? String].compactMap { $0 }.filter { !$0.isEmpty }
            return (folder.appendingPathComponent(image), text.joined(separator: ". "))
        }
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".jpg") }.sorted()
    return try names.map { name in
        let caption = url.appendingPathComponent(String(name.dropLast(4)) + ".txt")
        return (url.appendingPathComponent(name), try String(contentsOf: caption, encoding: .utf8))
    }
}

/// Top-10 neighbour sets by `score(i, j)`, the item itself excluded, ties by index.
func neighbourSets(count: Int, _ score: (Int, Int) -> Float) -> [Set<Int>] {
    (0..<count).map { i in
        let scores = (0..<count).map { j in j == i ? -Float.infinity : score(i, j) }
        return Set(scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(10))
    }
}

func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

/// All pairwise dot products of `vectors` (row-major n × n), through the GEMM.
func similarities(_ vectors: [[Float]]) -> [Float] {
    let matrix = Tensor(shape: [vectors.count, vectors[0].count], scalars: vectors.flatMap { $0 })
    return matmul(matrix, matrix, transposeB: true).scalars
}

func reportAgreement(_ path: String, image: (fp32: ImageEncoder, int8: ImageEncoder), text: (fp32: TextEncoder, int8: TextEncoder)) throws {
    let items = try catalogItems(path)
    let tensors = try items.map { try image.fp32.preprocessing.tensor(contentsOf: $0.image) }
    let texts = items.map(\.text)
    let images = (try image.fp32.embed(batch: tensors), try image.int8.embed(batch: tensors))
    let captions = (text.fp32.embed(batch: texts), text.int8.embed(batch: texts))
    func cosines(_ pair: ([[Float]], [[Float]])) -> String {
        let values = zip(pair.0, pair.1).map { dot($0, $1) }.sorted()
        return String(format: "min %.5f median %.5f", values[0], values[values.count / 2])
    }
    let n = items.count
    let imageScores = (similarities(images.0), similarities(images.1)), textScores = (similarities(captions.0), similarities(captions.1))
    func agreement(_ fp32: [Float], _ int8: [Float]) -> Double {
        let a = neighbourSets(count: n) { fp32[$0 * n + $1] }, b = neighbourSets(count: n) { int8[$0 * n + $1] }
        return Double(zip(a, b).map { $0.intersection($1).count }.reduce(0, +)) / Double(10 * n)
    }
    func fused(_ image: [Float], _ text: [Float]) -> [Float] { zip(image, text).map { 0.5 * $0 + 0.5 * $1 } }
    print("\(path): \(n) items; int8 vs fp32 cosine image \(cosines(images)), text \(cosines(captions))")
    print(String(format: "  top-10 agreement image %.4f, text %.4f, fused %.4f", agreement(imageScores.0, imageScores.1),
                 agreement(textScores.0, textScores.1),
                 agreement(fused(imageScores.0, textScores.0), fused(imageScores.1, textScores.1))))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func spread(_ values: [Double]) -> String {
    guard let low = values.min(), let high = values.max() else { return "" }
    return String(format: "%.1f–%.1f", low, high)
}

let options = Options(arguments: CommandLine.arguments)
Kernels.threadCount = options.threads
do {
    if !options.agreement.isEmpty {
        let image = (try ImageEncoder(), try ImageEncoder(precision: .int8))
        let text = (try TextEncoder.allMiniLML6v2(), try TextEncoder.allMiniLML6v2(precision: .int8))
        print("int8 against fp32, kernels \(Kernels.variant), int8 kernel \(Kernels.int8KernelName)")
        for path in options.agreement { try reportAgreement(path, image: image, text: text) }
        exit(0)
    }
    var encoders = [("", try ImageEncoder())]
    if options.int8 { encoders.append(("int8 ", try ImageEncoder(precision: .int8))) }
    let pool = try fixtureCrops(encoder: encoders[0].1)
    print("EfficientNet-Lite0, \(options.threads) threads, kernels \(Kernels.variant), int8 kernel \(Kernels.int8KernelName), \(options.repetitions) repetitions × \(options.images) images per case")
    if options.int8 {
        let fp32 = try encoders[0].1.embed(batch: pool), int8 = try encoders[1].1.embed(batch: pool)
        let cosine = zip(fp32, int8).map { a, b in zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.min() ?? .nan
        print("int8 vs fp32 min feature cosine over the \(pool.count) fixture crops: \(cosine)")
    }
    let shapes: [(String, Int, BatchParallelism)] = [
        ("batch 1", 1, .kernelsAcrossThreads),
        ("batch 16 images∥", 16, .imagesAcrossThreads),
        ("batch 16 kernels∥", 16, .kernelsAcrossThreads),
    ]
    let cases = encoders.flatMap { prefix, _ in shapes.map { (prefix + $0.0, $0.1, $0.2, prefix) } }
    var vitrine: [String: [Double]] = [:], vitrineCPU: [String: [Double]] = [:]
    var onnx: [String: [Double]] = [:], onnxCPU: [String: [Double]] = [:]
    for repetition in 1...options.repetitions {
        var line = "rep \(repetition):"
        for (name, batch, strategy, prefix) in cases {
            var encoder = encoders.first { $0.0 == prefix }!.1
            encoder.batchParallelism = strategy
            let rate = try measure(encoder, pool: pool, batch: batch, images: options.images)
            vitrine[name, default: []].append(rate.wall)
            vitrineCPU[name, default: []].append(rate.cpu)
            line += String(format: " vitrine %@ %.1f/s", name, rate.wall)
        }
        if options.runsONNX {
            for prefix in encoders.map(\.0) {
                let rates = try runONNX(options, int8: !prefix.isEmpty)
                for (batch, rate) in rates.cpu { onnxCPU["\(prefix)batch \(batch)", default: []].append(rate) }
                for (batch, rate) in rates.wall.sorted(by: { $0.key < $1.key }) {
                    onnx["\(prefix)batch \(batch)", default: []].append(rate)
                    line += String(format: " ort %@batch %@ %.1f/s", prefix, batch, rate)
                }
            }
        }
        print(line)
    }
    for (title, mine, peers) in [("images per wall-clock second", vitrine, onnx),
                                 ("images per CPU-second (process, all threads)", vitrineCPU, onnxCPU)] {
        print("\n\(title)\n| case | Vitrine (median, range) | ORT fp32 (median, range) | ORT int8 (median, range) | Vitrine / ORT fp32 | Vitrine / ORT int8 |")
        print("|---|---|---|---|---|---|")
        for (name, batch, _, _) in cases {
            let values = mine[name] ?? []
            func cell(_ peer: [Double]) -> String { peer.isEmpty ? "–" : String(format: "%.1f (%@)", median(peer), spread(peer)) }
            func ratio(_ peer: [Double]) -> String { peer.isEmpty ? "–" : String(format: "%.2f×", median(values) / median(peer)) }
            let fp32 = peers["batch \(batch)"] ?? [], int8 = peers["int8 batch \(batch)"] ?? []
            print(String(format: "| %@ | %.1f (%@) | %@ | %@ | %@ | %@ |", name, median(values), spread(values), cell(fp32), cell(int8),
                         ratio(fp32), ratio(int8)))
        }
    }
} catch {
    print("bench-image-encoder: \(error)")
    exit(1)
}
