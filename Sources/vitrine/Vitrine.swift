import ArgumentParser

/// The `vitrine` command-line tool: one subcommand per file, each thin over the library.
@main
struct Vitrine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vitrine",
        abstract: "Multimodal content-based recommendations from a folder of pictures and descriptions.",
        subcommands: [
            DemoCommand.self, IndexCommand.self, SimilarCommand.self, SearchCommand.self, InfoCommand.self,
            EventsCommand.self, RecommendCommand.self, TrainCommand.self, EvaluateCommand.self, ServeCommand.self,
        ]
    )
}
