import ArgumentParser
import Foundation
import VitrineCatalog

/// `vitrine events import FILE`: stores interaction events, reporting bad rows by line.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Interaction events (views, clicks, likes, purchases, dislikes, ratings).",
        subcommands: [EventsImportCommand.self])
}

/// `vitrine events import FILE [--store PATH] [--format csv|jsonl]`.
struct EventsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import events from CSV or JSONL (user,item,event,value,timestamp); bad rows are reported, not fatal.")

    @Argument(help: "CSV or JSONL file.") var file: String
    @OptionGroup var store: CatalogStoreOption
    @Option(help: "csv or jsonl (default: from the file extension).") var format: String?
    @Option(help: "Report at most this many problems.") var maxProblems: Int = 50

    func run() throws {
        var fileFormat: EventFileFormat?
        if let format {
            guard let parsed = EventFileFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be csv or jsonl, got '\(format)'")
            }
            fileFormat = parsed
        }
        let catalog = try store.openCatalog()
        let started = Date()
        let summary = try catalog.importEvents(from: URL(fileURLWithPath: file), format: fileFormat)
        print("recorded \(summary.recorded) events from \(file) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(summary.problems.count) rows skipped")
        for problem in summary.problems.prefix(maxProblems) { print("  \(file):\(problem.line): \(problem.reason)") }
        if summary.problems.count > maxProblems { print("  … and \(summary.problems.count - maxProblems) more") }
    }
}
