import ArgumentParser
import EdgeHTTP
import EdgewatchKit
import Foundation
import Logging

/// `edgewatch watch`: the dashboard fed only by `POST /ingest`, for real edge workers; with
/// `--headless`, the same receiver as a service that consoles attach to.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show only what real edge workers post to /ingest (--headless: receive as a service, for edgewatch attach)."
    )

    @Flag(help: "No terminal: receive /ingest as a service (the engine, /api/*, /metrics); consoles attach to it.")
    var headless = false

    @Option(help: "Log level with --headless: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for /ingest, /api/snapshot and /metrics.")
    var port = HTTPServerSettings.defaultPort

    @OptionGroup var metrics: MetricsOptions

    @OptionGroup(title: "Listener security") var security: ListenerSecurityOptions

    func validate() throws {
        try InputLimits.port(port, flag: "--port")
        _ = try InputLimits.logLevel(logLevel)
        try security.requireCredentials(host: host, [
            ("/ingest", try security.ingestCredentials(), "INGEST_TOKEN (or --ingest-token-file)"),
        ])
    }

    @OptionGroup(title: "Screen") var screen: ScreenOptions

    @OptionGroup(title: "Paging") var alerting: AlertingOptions

    @OptionGroup(title: "Recording") var recording: RecordingOptions

    func run() async throws {
        if headless { return try await runHeadless() }
        try TerminalCheck.require(command: "watch")
        let log = Logs.file(label: "edgewatch", path: Logs.dashboardFile(), level: logLevel)
        defer { log.sayWhere() }
        try await screen.run(try configuration(logger: log.logger), log: log)
    }

    func configuration(logger: Logger) throws -> StackConfiguration {
        var configuration = StackConfiguration(logger: logger)
        configuration.listener = HTTPServerSettings(host: host, port: port, tls: try security.tls())
        configuration.access = try security.accessPolicy()
        configuration.metrics.monitor = try metrics.monitor()
        configuration.alerting = try alerting.configuration()
        configuration.recording = try recording.configuration()
        return configuration
    }

    /// The receiver as a service, logging to stderr as `serve` does, until a signal stops it.
    func runHeadless() async throws {
        let logger = Logs.make(label: "edgewatch", level: logLevel)
        var configuration = try configuration(logger: logger)
        configuration.handlesSignals = true
        for warning in security.warnings(host: host, access: configuration.access) { logger.warning("\(warning)") }
        do {
            let stack = try await Stack.start(configuration)
            logger.notice("edgewatch watch receiving on \(stack.scheme)://\(host):\(stack.port ?? port)/ingest; consoles attach with: edgewatch attach \(stack.scheme)://\(host):\(stack.port ?? port)")
            try await stack.wait()
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        logger.notice("edgewatch watch stopped")
    }
}
