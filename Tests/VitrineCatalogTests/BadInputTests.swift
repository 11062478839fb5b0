import Foundation
import Testing
import VitrineCatalog
import VitrineCore

/// Every kind of bad input is reported with its file and reason, the item keeps what is usable, and the run goes on.
@Suite struct BadInputTests {
    @Test func corruptImageIsReportedAndTheItemKeepsItsText() throws {
        let folder = try TemporaryDirectory()
        var broken = try Fixtures.photo("cat")
        broken = broken.prefix(600) + Data(repeating: 0x5A, count: 600)
        try folder.write("catalog/broken.jpg", broken)
        try folder.write("catalog/broken.txt", "A cat photo whose file is damaged.")
        try folder.write("catalog/truncated.jpg", try Fixtures.photo("cat").prefix(300))
        try folder.write("catalog/good.jpg", try Fixtures.photo("rocket"))
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        let problem = try #require(summary.problems(about: "broken.jpg").first)
        #expect(problem.itemID == "broken" && problem.outcome == .partIgnored && !problem.reason.isEmpty)
        #expect(catalog.item("broken")?.hasText == true && catalog.item("broken")?.hasImage == false)
        // An image-only item whose only image is unusable is skipped.
        #expect(summary.problems(about: "truncated.jpg").count == 2, "\(summary.problems)")
        #expect(summary.problems.contains { $0.itemID == "truncated" && $0.outcome == .itemSkipped })
        #expect(catalog.item("truncated") == nil)
        #expect(summary.indexed == 2 && summary.skipped == 1)
    }

    @Test func unsupportedFormatIsReported() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/anim.gif", Data("GIF89a\u{1}\u{0}\u{1}\u{0}\u{0}\u{0}\u{0};".utf8))
        try folder.write("catalog/anim.txt", "An animated picture.")
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        let problem = try #require(summary.problems(about: "anim.gif").first)
        #expect(problem.reason.contains("unsupported"), "\(problem)")
        #expect(catalog.item("anim")?.hasText == true)
    }

    @Test func emptyAndNonUTF8TextAreReported() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/blank.jpg", try Fixtures.photo("helmet"))
        try folder.write("catalog/blank.txt", "  \n\n ")
        try folder.write("catalog/latin.txt", Data([0x43, 0x61, 0x66, 0xE9, 0x20, 0x61, 0x75, 0x20, 0x6C, 0x61, 0x69, 0x74]))  // "Café au lait" in Latin-1
        try folder.write("catalog/nothing.txt", "")
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.problems(about: "blank.txt").first?.reason == "text file is empty")
        #expect(catalog.item("blank")?.hasImage == true && catalog.item("blank")?.hasText == false)
        #expect(summary.problems(about: "latin.txt").first?.reason.contains("UTF-8") == true)
        #expect(catalog.item("latin")?.description == "Caf au lait")
        #expect(summary.problems(about: "nothing.txt").contains { $0.outcome == .itemSkipped })
        #expect(catalog.item("nothing") == nil)
    }

    // Root reads files regardless of permissions, so as root (CI) this one is skipped, visibly; the
    // folder and named-pipe tests below cover files that cannot be read for any user.
    @Test(.enabled(if: getuid() != 0, "root reads files regardless of their permissions"))
    func unreadableFileIsReported() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("catalog/locked.txt", "secret")
        try folder.write("catalog/locked.jpg", try Fixtures.photo("cat"))
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        let problem = try #require(summary.problems(about: "locked.txt").first, "\(summary.problems)")
        #expect(problem.reason.contains("cannot read") && problem.outcome == .partIgnored, "\(problem)")
        #expect(catalog.item("locked")?.hasImage == true && catalog.item("locked")?.hasText == false)
    }

    @Test func pictureThatIsAFolderIsReportedAndTheOtherItemsAreIndexed() throws {
        let folder = try TemporaryDirectory()
        // Pairs: `lamp.jpg` is a folder (with a real picture inside it, which is not the item's).
        try folder.write("catalog/lamp.jpg/inside.jpg", try Fixtures.photo("cat"))
        try folder.write("catalog/lamp.txt", "A lamp whose picture is a folder.")
        try folder.write("catalog/good.jpg", try Fixtures.photo("rocket"))
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        let problem = try #require(summary.problems(about: "lamp.jpg").first, "\(summary.problems)")
        #expect(problem.itemID == "lamp" && problem.outcome == .partIgnored && problem.reason.contains("folder"), "\(problem)")
        #expect(catalog.item("lamp")?.hasText == true && catalog.item("lamp")?.hasImage == false)
        #expect(catalog.item("good")?.hasImage == true)
        #expect(summary.indexed == 2 && summary.skipped == 0, "\(summary.problems)")

        // A manifest row whose picture is a folder.
        let listed = try TemporaryDirectory()
        try listed.write("catalog/photos/inside.jpg", try Fixtures.photo("cat"))
        try listed.write("catalog/good.jpg", try Fixtures.photo("rocket"))
        try listed.write("catalog/items.jsonl", """
            {"id": "lamp", "description": "picture is a folder", "image": "photos"}
            {"id": "only-folder", "images": ["photos"]}
            {"id": "good", "image": "good.jpg"}
            """)
        let listedCatalog = try Catalog.testing(in: listed)
        let listedSummary = try listedCatalog.index(folder: listed.path("catalog"))
        #expect(listedSummary.problems.contains { $0.itemID == "lamp" && $0.file == "photos" && $0.reason.contains("folder") },
                "\(listedSummary.problems)")
        #expect(listedCatalog.item("lamp")?.hasText == true && listedCatalog.item("lamp")?.hasImage == false)
        #expect(listedCatalog.item("only-folder") == nil && listedCatalog.item("good")?.hasImage == true)
        #expect(listedSummary.indexed == 2 && listedSummary.skipped == 1, "\(listedSummary.problems)")

        // One subfolder per item: `lamp/photo.jpg` is a folder.
        let nested = try TemporaryDirectory()
        try nested.write("catalog/lamp/photo.jpg/inside.jpg", try Fixtures.photo("cat"))
        try nested.write("catalog/lamp/description.txt", "A lamp whose picture is a folder.")
        try nested.write("catalog/good/photo.jpg", try Fixtures.photo("rocket"))
        let nestedCatalog = try Catalog.testing(in: nested)
        let nestedSummary = try nestedCatalog.index(folder: nested.path("catalog"))
        #expect(nestedSummary.problems.contains { $0.itemID == "lamp" && $0.file == "lamp/photo.jpg" && $0.reason.contains("folder") },
                "\(nestedSummary.problems)")
        #expect(nestedCatalog.item("lamp")?.hasText == true && nestedCatalog.item("lamp")?.hasImage == false)
        #expect(nestedCatalog.item("good")?.hasImage == true && nestedSummary.indexed == 2, "\(nestedSummary.problems)")
    }

    @Test func namedPipeIsReportedWithoutWaitingForAWriter() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/pipe.txt", "A picture that is a named pipe.")
        try folder.write("catalog/good.jpg", try Fixtures.photo("rocket"))
        let pipes = [folder.path("catalog/pipe.jpg").path, folder.path("catalog/lonely.txt").path]
        for pipe in pipes { try #require(mkfifo(pipe, 0o644) == 0, "mkfifo \(pipe): errno \(errno)") }
        let catalog = try Catalog.testing(in: folder)
        let watchdog = PipeWatchdog(pipes: pipes, patienceSeconds: 10)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(!watchdog.finish(), "the indexer waited for a writer on a named pipe (the watchdog had to open one)")
        let picture = try #require(summary.problems(about: "pipe.jpg").first, "\(summary.problems)")
        #expect(picture.itemID == "pipe" && picture.outcome == .partIgnored && picture.reason.contains("named pipe"), "\(picture)")
        #expect(catalog.item("pipe")?.hasText == true && catalog.item("pipe")?.hasImage == false)
        let text = try #require(summary.problems(about: "lonely.txt").first, "\(summary.problems)")
        #expect(text.itemID == "lonely" && text.reason.contains("named pipe"), "\(text)")
        #expect(catalog.item("lonely") == nil && catalog.item("good")?.hasImage == true)
        #expect(summary.indexed == 2 && summary.skipped == 1, "\(summary.problems)")
    }

    @Test func unreadableImageThroughADanglingLinkIsReported() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/ghost.txt", "A missing picture.")
        try FileManager.default.createSymbolicLink(atPath: folder.path("catalog/ghost.jpg").path, withDestinationPath: "/nonexistent/ghost.jpg")
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(summary.problems(about: "ghost.jpg").first?.reason.contains("missing") == true, "\(summary.problems)")
        #expect(catalog.item("ghost")?.hasText == true)
    }

    @Test func duplicateIdsKeepTheFirstAndReportTheRest() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/items.jsonl", """
            {"id": "a", "title": "First A", "description": "kept"}
            {"id": "a", "title": "Second A", "description": "dropped"}
            {"title": "no id"}
            not json at all
            """)
        let catalog = try Catalog.testing(in: folder)
        let summary = try catalog.index(folder: folder.path("catalog"))
        #expect(catalog.item("a")?.title == "First A")
        #expect(summary.problems.contains { $0.itemID == "a" && $0.reason.contains("duplicate") && $0.outcome == .itemSkipped })
        #expect(summary.problems.contains { $0.file == "items.jsonl:3" && $0.reason.contains("id") })
        #expect(summary.problems.contains { $0.file == "items.jsonl:4" && $0.reason.contains("JSON") })
        #expect(summary.indexed == 1)
    }

    @Test func manifestRowsPointingAtMissingOrEscapingFilesAreReported() throws {
        let parent = try TemporaryDirectory()
        try parent.write("outside.jpg", try Fixtures.photo("cat"))
        try parent.write("catalog/in.jpg", try Fixtures.photo("rocket"))
        try FileManager.default.createSymbolicLink(atPath: parent.path("catalog/link.jpg").path, withDestinationPath: parent.path("outside.jpg").path)
        try parent.write("catalog/items.jsonl", """
            {"id": "missing", "description": "points nowhere", "images": ["gone.jpg"]}
            {"id": "escape", "description": "dot dot", "images": ["../outside.jpg", "in.jpg"]}
            {"id": "absolute", "description": "absolute path", "image": "\(parent.path("outside.jpg").path)"}
            {"id": "symlink", "description": "link out", "image": "link.jpg"}
            {"id": "only-missing", "images": ["gone.jpg"]}
            """)
        let catalog = try Catalog.testing(in: parent)
        let summary = try catalog.index(folder: parent.path("catalog"))
        func reason(_ id: String) -> String { summary.problems.first { $0.itemID == id }?.reason ?? "" }
        #expect(reason("missing").contains("does not exist"))
        #expect(reason("escape").contains("escapes"))
        #expect(reason("absolute").contains("absolute"))
        #expect(reason("symlink").contains("outside the catalog folder"))
        #expect(catalog.item("escape")?.hasImage == true, "the usable image of the item is kept")
        #expect(catalog.item("missing")?.hasImage == false && catalog.item("missing")?.hasText == true)
        #expect(catalog.item("only-missing") == nil && summary.skipped == 1)
        #expect(summary.indexed == 4)
    }

    @Test func nothingIndexableStillReturnsASummary() throws {
        let folder = try TemporaryDirectory()
        try folder.write("catalog/bad.jpg", Data("not an image".utf8))
        let summary = try Catalog.testing(in: folder).index(folder: folder.path("catalog"))
        #expect(summary.usable == 0 && summary.skipped == 1)
    }

    @Test func missingFolderIsAnError() throws {
        let folder = try TemporaryDirectory()
        #expect(throws: CatalogError.self) { try Catalog.testing(in: folder).index(folder: folder.path("nope")) }
    }
}

/// Keeps a test that reads named pipes from hanging: if the code under test is still running after
/// `patienceSeconds`, it opens each pipe's write end (non-blocking, so only when someone is waiting
/// to read) and closes it, which hands a blocked reader end-of-file. `finish()` says whether it had to.
private final class PipeWatchdog: @unchecked Sendable {
    private let lock = NSLock()
    private var finished = false
    private var released = false

    init(pipes: [String], patienceSeconds: Double) {
        let deadline = Date().addingTimeInterval(patienceSeconds)
        Thread.detachNewThread { [self] in
            while !lock.withLock({ finished }) {
                if Date() > deadline {
                    for pipe in pipes {
                        let descriptor = open(pipe, O_WRONLY | O_NONBLOCK)
                        if descriptor >= 0 {
                            close(descriptor)
                            lock.withLock { released = true }
                        }
                    }
                }
                usleep(20_000)
            }
        }
    }

    /// Stops watching; true when a reader had been left waiting and was released.
    func finish() -> Bool {
        lock.withLock {
            finished = true
            return released
        }
    }
}
