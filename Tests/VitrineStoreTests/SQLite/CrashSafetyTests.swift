import Foundation
import Testing
import VitrineCore
import VitrineStore
import VitrineTensor

/// Kills a real writer process (`vitrine-store-probe`) at random moments and checks that every
/// batch it reported committed survived intact, that no batch survived in part, and that the
/// file passes SQLite's integrity check and accepts new writes.
@Suite struct CrashSafetyTests {
    /// The probe's item formulas (a copy of `ProbeItem` in Tests/StoreProbe/main.swift).
    enum ProbeItem {
        static func id(_ index: Int) -> String { "probe-" + String(index + 100_000_000).dropFirst() }
        static func textValues(_ index: Int) -> [Float] { (0 ..< 16).map { sin(Float(index * 16 + $0)) } }
        static func imageValues(_ index: Int) -> [Float] { (0 ..< 8).map { Float($0) - Float(index % 7) + 0.25 } }
        static func hash(title: String, text: [Float]) -> String {
            var hasher = SHA256()
            hasher.update(Data(title.utf8))
            hasher.update(text.withUnsafeBytes { Data($0) })
            return hasher.finalizeHex()
        }
    }

    /// The probe executable sits next to the test bundle in the build products directory.
    static func probeURL() -> URL? {
        let name = "vitrine-store-probe"
        if let override = ProcessInfo.processInfo.environment["VITRINE_STORE_PROBE"] { return URL(fileURLWithPath: override) }
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        if let executable = Bundle.main.executableURL { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0 ..< 4 {   // the bundle's own directory, then up out of a macOS .xctest bundle
                let candidate = directory.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// Reads the child's stdout until a line starting with `prefix` appears (or the pipe closes).
    private static func waitForLine(_ handle: FileHandle, prefix: String, buffer: inout String) -> Bool {
        while !buffer.split(separator: "\n").contains(where: { $0.hasPrefix(prefix) }) {
            let chunk = handle.availableData
            if chunk.isEmpty { return false }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    /// Checks probe item `index` is present and exactly what the probe wrote.
    private static func checkItem(_ store: CatalogStore, _ index: Int) throws {
        let id = ProbeItem.id(index)
        let item = try #require(try store.item(id: id), "committed item \(id) is missing")
        let text = try #require(try store.vector(for: id, modality: .text), "text vector of \(id) is missing")
        let image = try #require(try store.vector(for: id, modality: .image), "image vector of \(id) is missing")
        #expect(item.title == "Probe item \(index)" && item.metadata == ["index": String(index)])
        #expect(text.values == ProbeItem.textValues(index), "text vector of \(id) changed")
        #expect(image.values == ProbeItem.imageValues(index).map(HalfPrecision.rounded), "image vector of \(id) changed")
        #expect(item.contentHash == ProbeItem.hash(title: item.title, text: text.values), "hash of \(id) does not match its content")
    }

    @Test func committedBatchesSurviveSIGKILL() throws {
        guard let probe = Self.probeURL() else {
            // Only reachable when the build products are not laid out as SwiftPM does it.
            Issue.record("vitrine-store-probe not found next to the test bundle (\(Bundle.main.bundleURL.path)); set VITRINE_STORE_PROBE")
            return
        }
        let directory = try TemporaryDirectory()
        let path = directory.path("crash.sqlite")
        let batchSize = 5
        var generator = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        var reportedCommitted = -1   // highest index any probe run reported committed
        var killedMidRun = 0

        for trial in 0 ..< 12 {
            let process = Process()
            process.executableURL = probe
            process.arguments = [path, String(batchSize)]
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            var text = ""
            let ready = Self.waitForLine(output.fileHandleForReading, prefix: "ready", buffer: &text)
            // Up to ~6 commits' worth of time: kills land before, between and inside transactions.
            usleep(UInt32.random(in: 0 ... 40_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            try #require(ready, "probe exited before opening the store: \(stderr)")
            try #require(process.terminationReason == .uncaughtSignal, "probe exited by itself (trial \(trial)): \(stderr)")
            killedMidRun += 1

            for line in text.split(separator: "\n") where line.hasPrefix("committed ") {
                reportedCommitted = max(reportedCommitted, Int(line.dropFirst("committed ".count)) ?? -1)
            }

            let store = try SQLiteStore(path: path)
            #expect(try store.integrityCheck() == [], "trial \(trial)")
            let count = try store.itemCount()
            // Every acknowledged item is there; nothing beyond the acknowledged ones is half-written:
            // batches are all-or-nothing, and the progress marker moved with them in the same transaction.
            #expect(count >= reportedCommitted + 1, "trial \(trial): \(count) items but \(reportedCommitted + 1) acknowledged")
            #expect(count % batchSize == 0, "trial \(trial): \(count) items is not whole batches")
            #expect(try store.metaValue(for: "probe.next") == (count == 0 ? nil : String(count)))
            #expect(try store.eventCount(for: "probe-user") == count)
            for index in 0 ..< count { try Self.checkItem(store, index) }
            // The store takes writes after the crash; the next probe run then resumes after these items.
            #expect(try store.metaValue(for: "checker.trial") == (trial == 0 ? nil : String(trial - 1)))
            try store.write { tx in try tx.setMetaValue(String(trial), for: "checker.trial") }
        }
        #expect(killedMidRun == 12)
        if ProcessInfo.processInfo.environment["VITRINE_STORE_CRASH_VERBOSE"] != nil {
            print("crash test: \(reportedCommitted + 1) items acknowledged over 12 kills, \(try SQLiteStore(path: path).itemCount()) stored")
        }
        #expect(reportedCommitted >= batchSize, "no probe run got to commit anything; the kill points were all too early")
    }
}
