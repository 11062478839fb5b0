import ArgumentParser

/// The `vitrine` command-line tool: one subcommand per file, each thin over the library.
@main
struct Vitrine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitrine",
        abstract: "Multimodal content-based recommendations from a folder of pictures and descriptions.",
        subcommands: [EventsCommand.self, RecommendCommand.self, TrainCommand.self, EvaluateCommand.self, ServeCommand.self, DemoCommand.self]
    )
}
