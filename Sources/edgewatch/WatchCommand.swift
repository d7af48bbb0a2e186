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

    @OptionGroup(title: "Screen") var screen: ScreenOptions

    func run() async throws {
        try TerminalCheck.require(command: "watch")
        let log = Logs.file(label: "edgewatch", path: Logs.dashboardFile(), level: "info")
        defer { log.sayWhere() }
        var configuration = StackConfiguration(logger: log.logger)
        configuration.listener = HTTPServerSettings(host: host, port: port, tls: try security.tls())
        configuration.access = AccessPolicy(ingest: try security.ingestCredentials(), read: try security.readCredentials())
        configuration.metrics.monitor = try metrics.monitor()
        try await screen.run(configuration, log: log)
    }
}
