import ArgumentParser
import EdgeHTTP
import EdgewatchKit
import Foundation

/// `edgewatch watch`: the dashboard fed only by `POST /ingest`, for real edge workers.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show only what real edge workers post to /ingest."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for /ingest, /api/snapshot and /metrics.")
    var port = HTTPServerSettings.defaultPort

    @OptionGroup var metrics: MetricsOptions

    @OptionGroup(title: "Listener security") var security: ListenerSecurityOptions

    func validate() throws {
        try InputLimits.port(port, flag: "--port")
        try security.requireCredentials(host: host, [
            ("/ingest", try security.ingestCredentials(), "INGEST_TOKEN (or --ingest-token-file)"),
        ])
    }

    @Flag(help: "No colours (also set by NO_COLOR).")
    var noColor = false

    @OptionGroup(title: "Screen dumps") var dump: DumpOptions

    func run() async throws {
        try TerminalCheck.require(command: "watch")
        let log = Logs.file(label: "edgewatch", path: Logs.dashboardFile(), level: "info")
        defer { log.sayWhere() }
        var configuration = StackConfiguration(logger: log.logger)
        configuration.listener = HTTPServerSettings(host: host, port: port, tls: try security.tls())
        configuration.access = AccessPolicy(ingest: try security.ingestCredentials(), read: try security.readCredentials())
        configuration.metrics.monitor = try metrics.monitor()
        var console = ConsoleConfiguration(logFile: log)
        console.noColor = noColor || ProcessInfo.processInfo.environment["NO_COLOR"] != nil
        console.dumpFolder = dump.folder
        configuration.console = console
        configuration.handlesSignals = true
        do {
            try await Stack.start(configuration).wait()
        } catch {
            StandardError.write("edgewatch: \(error)\n")
            throw ExitCode.failure
        }
    }
}
