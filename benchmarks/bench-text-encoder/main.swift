// bench-text-encoder: all-MiniLM-L6-v2 sentences per second, Vitrine (fp32 and int8 dense layers) vs
// ONNX Runtime (fp32 and quantize_dynamic int8) vs sentence-transformers, on the same texts in the
// same run, rounds interleaved.
//
//   swift run -c release bench-text-encoder [--rounds 3] [--threads 2] [--python /tmp/venv/bin/python] [--no-peers]
//   (int8 against fp32 on real catalogs: bench-image-encoder --agreement)
//
// Inputs: 32 short (≈12 tokens) and 32 long (≈200 tokens) product descriptions, generated
// deterministically. Batch 1 embeds the first 8 texts one call each; batch 32 embeds all 32 in
// one call. Timings include tokenization for every framework. Peers run via
// benchmarks/peers_text_encoder.py (needs /tmp/vitrine-onnx/all-MiniLM-L6-v2.onnx from tools/export_onnx.py).
import Foundation
import VitrineModels
import VitrineTensor

struct Options {
    var rounds = 3
    var threads = 2
    var python = "/tmp/venv/bin/python"
    var peers = true
    var minSeconds = 0.5

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rounds": rounds = iterator.next().flatMap(Int.init) ?? rounds
            case "--threads": threads = iterator.next().flatMap(Int.init) ?? threads
            case "--python": python = iterator.next() ?? python
            case "--min-seconds": minSeconds = iterator.next().flatMap(Double.init) ?? minSeconds
            case "--no-peers": peers = false
            default: FileHandle.standardError.write(Data("ignoring unknown argument \(argument)\n".utf8))
            }
        }
    }
}

/// Deterministic product-like texts; `words` controls the length.
func makeTexts(count: Int, words: Int, seed: UInt64) -> [String] {
    let vocabulary = """
    oak walnut chair table lamp linen cotton wool ceramic glass steel brass handmade vintage modern \
    compact sturdy soft bright warm cozy durable elegant rustic minimalist kitchen garden bedroom \
    office outdoor travel bicycle helmet jacket boots scarf blanket pillow candle vase teapot mug \
    bowl knife pan oven coffee tea chocolate honey olive bread cheese apple camera lens tripod \
    speaker headphones keyboard monitor charger cable battery wireless portable waterproof adjustable \
    with and for the a of in on by from under over features includes designed perfect everyday gift
    """.split(separator: " ").map(String.init)
    var state = seed
    func next() -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int(truncatingIfNeeded: state >> 33)
    }
    return (0..<count).map { _ in
        (0..<words).map { _ in vocabulary[next() % vocabulary.count] }.joined(separator: " ") + "."
    }
}

/// Sentences per second for `embed` over `texts` in batches of `batch`, repeated for ≥ minSeconds.
func rate(_ encoder: TextEncoder, _ texts: [String], batch: Int, minSeconds: Double) -> Double {
    _ = encoder.embed(batch: Array(texts.prefix(batch)))  // warm-up
    var done = 0
    let start = Date()
    while true {
        for first in stride(from: 0, to: texts.count, by: batch) {
            let slice = Array(texts[first..<min(first + batch, texts.count)])
            if batch == 1 { _ = encoder.embed(slice[0]) } else { _ = encoder.embed(batch: slice) }
        }
        done += texts.count
        let elapsed = Date().timeIntervalSince(start)
        if elapsed >= minSeconds { return Double(done) / elapsed }
    }
}

func runPeers(_ options: Options, inputs: URL) -> [String: [String: Double]]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: options.python)
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("peers_text_encoder.py")
    process.arguments = [script.path, "--inputs", inputs.path, "--threads", String(options.threads),
                         "--min-seconds", String(options.minSeconds)]
    var environment = ProcessInfo.processInfo.environment
    environment["HF_HUB_OFFLINE"] = "1"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        print("peers: cannot start \(options.python): \(error)")
        return nil
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
          let parsed = try? JSONDecoder().decode([String: [String: Double]].self, from: Data(line.utf8)) else {
        print("peers: script failed (status \(process.terminationStatus))")
        return nil
    }
    return parsed
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func spread(_ values: [Double]) -> String {
    guard let low = values.min(), let high = values.max(), low > 0 else { return "-" }
    return String(format: "±%.0f%%", 50 * (high - low) / median(values))
}

let options = Options(arguments: CommandLine.arguments)
Kernels.threadCount = options.threads
var encoders: [(name: String, encoder: TextEncoder)] = []
do {
    encoders = [("vitrine", try TextEncoder.allMiniLML6v2()), ("vitrine-int8", try TextEncoder.allMiniLML6v2(precision: .int8))]
} catch {
    print("cannot load all-MiniLM-L6-v2: \(error)")
    exit(1)
}
let encoder = encoders[0].encoder
let inputs = ["short": makeTexts(count: 32, words: 9, seed: 1), "long": makeTexts(count: 32, words: 190, seed: 2)]
for kind in ["short", "long"] {
    let texts = inputs[kind]!
    let lengths = texts.map { encoder.tokenizer.encode($0).count }
    let fp32 = encoder.embed(batch: texts), int8 = encoders[1].encoder.embed(batch: texts)
    let cosine = zip(fp32, int8).map { a, b in zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.min()!
    print("\(kind): \(lengths.count) texts, tokens min \(lengths.min()!) median \(lengths.sorted()[lengths.count / 2]) max \(lengths.max()!); int8 vs fp32 min cosine \(cosine)")
}
let inputsURL = FileManager.default.temporaryDirectory.appendingPathComponent("vitrine-text-bench-inputs.json")
try JSONEncoder().encode(inputs).write(to: inputsURL)

let configurations = ["short/1", "short/32", "long/1", "long/32"]
var samples: [String: [String: [Double]]] = [:]  // framework → configuration → rates
for round in 1...options.rounds {
    for configuration in configurations {
        let parts = configuration.split(separator: "/")
        let texts = inputs[String(parts[0])]!, batch = Int(parts[1])!
        for (name, encoder) in encoders {
            let value = rate(encoder, batch == 1 ? Array(texts.prefix(8)) : texts, batch: batch, minSeconds: options.minSeconds)
            samples[name, default: [:]][configuration, default: []].append(value)
        }
    }
    if options.peers, let peers = runPeers(options, inputs: inputsURL) {
        for (framework, rates) in peers {
            for (configuration, value) in rates { samples[framework, default: [:]][configuration, default: []].append(value) }
        }
    }
    print("round \(round)/\(options.rounds) done")
}

print("\nall-MiniLM-L6-v2, sentences/s (median of \(options.rounds) interleaved rounds, ±half-range), \(options.threads) threads, kernels \(Kernels.variant.rawValue), int8 kernel \(Kernels.int8KernelName)")
print("| input / batch | Vitrine fp32 | Vitrine int8 | ORT fp32 | ORT int8 | sentence-transformers | int8 ÷ ORT fp32 | int8 ÷ ORT int8 | fp32 ÷ ORT fp32 |")
print("|---|---|---|---|---|---|---|---|---|")
for configuration in configurations {
    func values(_ framework: String) -> [Double] { samples[framework]?[configuration] ?? [] }
    func cell(_ values: [Double]) -> String { values.isEmpty ? "-" : String(format: "%.1f %@", median(values), spread(values)) }
    func ratio(_ mine: [Double], _ peer: [Double]) -> String { peer.isEmpty || mine.isEmpty ? "-" : String(format: "%.2f×", median(mine) / median(peer)) }
    let v = values("vitrine"), q = values("vitrine-int8"), o = values("onnxruntime"), oq = values("onnxruntime-int8")
    print("| \(configuration) | \(cell(v)) | \(cell(q)) | \(cell(o)) | \(cell(oq)) | \(cell(values("sentence-transformers"))) | \(ratio(q, o)) | \(ratio(q, oq)) | \(ratio(v, o)) |")
}
