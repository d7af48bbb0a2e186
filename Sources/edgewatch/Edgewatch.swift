import EdgewatchKit
import ArgumentParser
import BuildInfo
import Foundation

@main
struct Edgewatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgewatch",
        abstract: "Operations dashboard and middleware for a Genesys Cloud customer-lookup Data Action at the edge.",
        version: "edgewatch \(BuildInfo.description)",
        subcommands: [DashboardCommand.self, ServeCommand.self, WatchCommand.self, AttachCommand.self, ReplayCommand.self, ReportCommand.self, RulesCommand.self, GrafanaCommand.self, RecordCommand.self, LoadgenCommand.self, CRMSimCommand.self, SampleMetricsCommand.self],
        defaultSubcommand: DashboardCommand.self
    )

    /// Runs the command line. A bad flag, value or file is a usage error: its message goes to
    /// stderr and the exit status is 2 (ArgumentParser's own would be 64), as for every tool
    /// whose callers script it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardError.write(fullMessage(for: error) + "\n")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
