// bench-image-encoder: EfficientNet-Lite0 images/s in Vitrine vs ONNX Runtime, same weights, same inputs.
//
// Usage: swift run -c release bench-image-encoder [--repetitions N] [--images N] [--threads N] [--no-onnx]
// Each repetition times Vitrine at batch 1 and batch 16 (both batch strategies), then runs
// benchmarks/onnx_image_encoder.py (ONNX Runtime in /tmp/venv, model from tools/export_onnx.py)
// once, so the two sides alternate on a shared machine. Prints medians and Vitrine/ORT ratios of
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

func runONNX(_ options: Options) throws -> (wall: [String: Double], cpu: [String: Double]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: options.python)
    process.arguments = [packageRoot().appendingPathComponent("benchmarks/onnx_image_encoder.py").path,
                         "--threads", "\(options.threads)", "--batches", "1,16", "--images", "\(options.images)"]
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
    var encoder = try ImageEncoder()
    let pool = try fixtureCrops(encoder: encoder)
    print("EfficientNet-Lite0, \(options.threads) threads, kernels \(Kernels.variant), \(options.repetitions) repetitions × \(options.images) images per case")
    let cases: [(String, Int, BatchParallelism)] = [
        ("batch 1", 1, .kernelsAcrossThreads),
        ("batch 16 images∥", 16, .imagesAcrossThreads),
        ("batch 16 kernels∥", 16, .kernelsAcrossThreads),
    ]
    var vitrine: [String: [Double]] = [:], vitrineCPU: [String: [Double]] = [:]
    var onnx: [String: [Double]] = [:], onnxCPU: [String: [Double]] = [:]
    for repetition in 1...options.repetitions {
        var line = "rep \(repetition):"
        for (name, batch, strategy) in cases {
            encoder.batchParallelism = strategy
            let rate = try measure(encoder, pool: pool, batch: batch, images: options.images)
            vitrine[name, default: []].append(rate.wall)
            vitrineCPU[name, default: []].append(rate.cpu)
            line += String(format: " vitrine %@ %.1f/s", name, rate.wall)
        }
        if options.runsONNX {
            let rates = try runONNX(options)
            for (batch, rate) in rates.cpu { onnxCPU["batch \(batch)", default: []].append(rate) }
            for (batch, rate) in rates.wall.sorted(by: { $0.key < $1.key }) {
                onnx["batch \(batch)", default: []].append(rate)
                line += String(format: " ort batch %@ %.1f/s", batch, rate)
            }
        }
        print(line)
    }
    for (title, mine, peers) in [("images per wall-clock second", vitrine, onnx),
                                 ("images per CPU-second (process, all threads)", vitrineCPU, onnxCPU)] {
        print("\n\(title)\n| case | Vitrine (median, range) | ORT (median, range) | Vitrine / ORT |")
        print("|---|---|---|---|")
        for (name, batch, _) in cases {
            let values = mine[name] ?? []
            let peer = peers["batch \(batch)"] ?? []
            let ratio = peer.isEmpty ? "–" : String(format: "%.2f×", median(values) / median(peer))
            print(String(format: "| %@ | %.1f (%@) | %@ | %@ |", name, median(values), spread(values),
                         peer.isEmpty ? "–" : String(format: "%.1f (%@)", median(peer), spread(peer)), ratio))
        }
    }
} catch {
    print("bench-image-encoder: \(error)")
    exit(1)
}
