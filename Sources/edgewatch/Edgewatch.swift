import ArgumentParser

@main
struct Edgewatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgewatch",
        abstract: "Operations dashboard and middleware for a Genesys Cloud customer-lookup Data Action at the edge.",
        subcommands: [DashboardCommand.self, ServeCommand.self, WatchCommand.self, ReplayCommand.self, ReportCommand.self, LoadgenCommand.self, CRMSimCommand.self, SampleMetricsCommand.self],
        defaultSubcommand: DashboardCommand.self
    )
}
