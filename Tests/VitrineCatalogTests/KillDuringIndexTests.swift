import Foundation
import Testing
import VitrineCatalog
import VitrineCore
import VitrineStore

/// Kills a real `vitrine index` process at random moments: every batch it reported committed is still
/// there after reopening (through the index snapshot or not), the store is sound, and the next run
/// resumes (reuses them) and completes.
@Suite(.serialized) struct KillDuringIndexTests {
    /// The `vitrine` executable sits next to the test bundle in the build products directory.
    static func executableURL() -> URL? {
        if let override = ProcessInfo.processInfo.environment["VITRINE_EXECUTABLE"] { return URL(fileURLWithPath: override) }
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        starts += Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        if let executable = Bundle.main.executableURL { starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0 ..< 4 {
                let candidate = directory.appendingPathComponent("vitrine")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// 30 items (pairs layout): the fixture photos in turn, each with its own description.
    static func makeCatalog(in directory: TemporaryDirectory) throws -> URL {
        for index in 0..<30 {
            let photo = Fixtures.photoNames[index % Fixtures.photoNames.count]
            let id = String(format: "item-%02d", index)
            try directory.write("catalog/\(id).jpg", try Fixtures.photo(photo))
            try directory.write("catalog/\(id).txt", "Item \(index): a picture of \(photo.replacingOccurrences(of: "_", with: " ")), number \(index).")
        }
        return directory.path("catalog")
    }

    /// Runs `vitrine index`; with `killAfter`, SIGKILLs it that many microseconds after it starts scanning.
    /// Returns the highest committed count it reported and whether it was killed.
    static func runIndexer(_ executable: URL, folder: URL, store: URL, killAfter: UInt32?,
                           shard: String? = nil) throws -> (acknowledged: Int, killed: Bool, stdout: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["index", folder.path, "--store", store.path, "--batch-size", "3", "--json"] + (shard.map { ["--shard", $0] } ?? [])
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var text = ""
        if let killAfter {
            while !text.contains("scanning") {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            usleep(killAfter)
            kill(process.processIdentifier, SIGKILL)
        }
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        text += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        var acknowledged = 0
        for line in text.split(separator: "\n") where line.hasPrefix("embedded ") {
            let count = line.dropFirst("embedded ".count).split(separator: "/").first.flatMap { Int($0) } ?? 0
            acknowledged = max(acknowledged, count)
        }
        return (acknowledged, process.terminationReason == .uncaughtSignal, stdout)
    }

    @Test func killedIndexerLosesNoCommittedItemAndResumes() throws {
        guard let executable = Self.executableURL() else {
            Issue.record("the vitrine executable was not found next to the test bundle; set VITRINE_EXECUTABLE")
            return
        }
        let directory = try TemporaryDirectory()
        let folder = try Self.makeCatalog(in: directory)
        let storeURL = directory.path("store/catalog.sqlite")
        var generator = SystemRandomNumberGenerator()
        var stored: Set<String> = []
        // Kill delays adapt to the machine: a run that finishes before its kill halves the longest delay,
        // so a fast machine still gets at least 10 mid-run kills (at most 40 runs).
        var kills = 0
        var longestDelay: UInt32 = 2_500_000
        for trial in 0..<40 where kills < 10 {
            if stored.count >= 24 {
                // Nearly complete: start over so the next trials still have work to interrupt.
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storeURL.path + suffix) }
                stored = []
            }
            let run = try Self.runIndexer(executable, folder: folder, store: storeURL, killAfter: UInt32.random(in: 0...longestDelay, using: &generator))
            if run.killed { kills += 1 } else { longestDelay = max(longestDelay / 2, 20_000) }
            let store = try SQLiteStore(path: storeURL.path)
            #expect(try store.integrityCheck() == [], "trial \(trial)")
            let now = try Set(store.items(offset: 0, limit: 1000).map(\.id))
            #expect(stored.isSubset(of: now), "trial \(trial): committed items were lost: \(stored.subtracting(now).sorted())")
            #expect(now.count >= stored.count + run.acknowledged, "trial \(trial): \(run.acknowledged) acknowledged, \(now.count - stored.count) new")
            // Items and their vectors commit together: no item without its fused vector.
            #expect(try store.itemsMissingVectors(modality: .fused).isEmpty, "trial \(trial)")
            // The next open is consistent whatever the kill interrupted (a batch, the graphs, the index
            // snapshot): a stale or torn snapshot is refused and the store's rows are loaded instead.
            let reopened = try Catalog(storeURL: storeURL)
            let reopenedFused = try reopened.info().fusedVectorCount
            #expect(reopened.count == now.count && reopenedFused == now.count,
                    "trial \(trial): reopened with \(reopened.count) items (\(reopened.opening)), the store has \(now.count)")
            stored = now
        }
        #expect(kills >= 10, "only \(kills) runs were killed mid-way")
        // The last run completes, reusing everything committed before.
        let before = stored.count
        let final = try Self.runIndexer(executable, folder: folder, store: storeURL, killAfter: nil)
        #expect(!final.killed)
        let summary = try JSONDecoder().decode(IndexingSummary.self, from: Data(final.stdout.utf8))
        #expect(summary.reused == before && summary.indexed == 30 - before && summary.found == 30)
        let catalog = try Catalog(storeURL: storeURL)
        let fusedCount = try catalog.info().fusedVectorCount
        #expect(catalog.count == 30 && fusedCount == 30)
        // The completed run saved the index snapshot, and the open used it.
        #expect(catalog.opening == .snapshot, "\(catalog.opening)")
    }

    /// `index --shard 1/2` killed part-way, the other share run, then the killed share run again: the
    /// store ends with exactly the items and vectors one unsharded run makes, and the share that
    /// finished last finalized it.
    @Test func aKilledShardIsRunAgainAndTheShardsMakeTheCatalogOneRunMakes() throws {
        guard let executable = Self.executableURL() else {
            Issue.record("the vitrine executable was not found next to the test bundle; set VITRINE_EXECUTABLE")
            return
        }
        let directory = try TemporaryDirectory()
        let folder = try Self.makeCatalog(in: directory)
        let singleURL = directory.path("single/catalog.sqlite"), shardedURL = directory.path("sharded/catalog.sqlite")
        #expect(try !Self.runIndexer(executable, folder: folder, store: singleURL, killAfter: nil).killed)

        // Kill share 1 until one kill lands after a commit and before the share is done.
        // A run that finished halves the delay, a kill before the first commit lengthens it by half. A kill
        // after the share's last commit (while it builds graphs or saves the snapshot) is not "part-way".
        let shareSize = try (0..<30).filter { try IndexShard(1, of: 2).contains(String(format: "item-%02d", $0)) }.count
        var killedMidway = false
        var delay: UInt32 = 1_500_000
        var trials: [String] = []
        for _ in 0..<20 where !killedMidway {
            for suffix in ["", "-wal", "-shm", "-index"] { try? FileManager.default.removeItem(atPath: shardedURL.path + suffix) }
            let run = try Self.runIndexer(executable, folder: folder, store: shardedURL, killAfter: UInt32.random(in: delay / 2 ... delay), shard: "1/2")
            let committed = try FileManager.default.fileExists(atPath: shardedURL.path) ? SQLiteStore(path: shardedURL.path).itemCount() : 0
            trials.append("≤\(delay / 1000) ms: \(run.killed ? "killed" : "finished"), \(committed) committed")
            if run.killed && committed > 0 && committed < shareSize {
                killedMidway = true
            } else if run.killed && committed == 0 {
                delay = min(delay + delay / 2, 4_000_000)
            } else {
                delay = max(delay / 2, 20_000)
            }
        }
        #expect(killedMidway, "no kill of share 1/2 landed between its first commit and its end: \(trials)")

        let second = try Self.runIndexer(executable, folder: folder, store: shardedURL, killAfter: nil, shard: "2/2")
        let again = try Self.runIndexer(executable, folder: folder, store: shardedURL, killAfter: nil, shard: "1/2")
        #expect(!second.killed && !again.killed)
        let secondSummary = try JSONDecoder().decode(IndexingSummary.self, from: Data(second.stdout.utf8))
        let againSummary = try JSONDecoder().decode(IndexingSummary.self, from: Data(again.stdout.utf8))
        #expect(!secondSummary.finalized && againSummary.finalized, "the share that finished last finalizes")
        #expect(againSummary.reused > 0, "the re-run share reused what its killed run committed")

        let single = try SQLiteStore(path: singleURL.path), sharded = try SQLiteStore(path: shardedURL.path)
        let ids = try single.items(offset: 0, limit: 1000).map(\.id)
        let shardedIDs = try sharded.items(offset: 0, limit: 1000).map(\.id)
        #expect(ids.count == 30 && shardedIDs == ids)
        for id in ids {
            let want = try single.vectors(for: id).sorted { $0.modality.rawValue < $1.modality.rawValue }
            let got = try sharded.vectors(for: id).sorted { $0.modality.rawValue < $1.modality.rawValue }
            #expect(got.map(\.modality) == want.map(\.modality) && got.map(\.values) == want.map(\.values), "\(id)")
        }
    }
}
