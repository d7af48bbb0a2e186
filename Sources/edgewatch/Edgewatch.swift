import ArgumentParser

@main
struct Edgewatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgewatch",
        abstract: "Operations dashboard and middleware for a Genesys Cloud customer-lookup Data Action at the edge.",
        subcommands: [ServeCommand.self, ReportCommand.self, CRMSimCommand.self, SampleMetricsCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
