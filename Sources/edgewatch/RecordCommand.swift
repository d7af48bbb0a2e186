import ArgumentParser
import EdgeHTTP
import EdgewatchKit
import Foundation
import Logging

/// `edgewatch record`: a headless receiver that only writes what is posted to `/ingest` to disk,
/// for teams that want their Workers' raw events kept.
struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Receive /ingest and write every event to a recording folder, nothing else (no engine, no screen); stop with SIGINT or SIGTERM."
    )

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for /ingest and /metrics.")
    var port = HTTPServerSettings.defaultPort

    @OptionGroup(title: "Listener security") var security: ListenerSecurityOptions

    @OptionGroup(title: "Recording") var recording: RecordingOptions

    func validate() throws {
        try InputLimits.port(port, flag: "--port")
        _ = try InputLimits.logLevel(logLevel)
        guard recording.record != nil else { throw ValidationError("record needs --record DIR: the folder to write to") }
        try security.requireCredentials(host: host, [
            ("/ingest", try security.ingestCredentials(), "INGEST_TOKEN (or --ingest-token-file)"),
        ])
    }

    func run() async throws {
        let logger = Logs.make(label: "edgewatch", level: logLevel)
        var configuration = StackConfiguration(logger: logger)
        configuration.listener = HTTPServerSettings(host: host, port: port, tls: try security.tls())
        configuration.access = try security.accessPolicy()
        configuration.metrics.engine = false
        configuration.recording = try recording.configuration()
        configuration.handlesSignals = true
        for warning in security.warnings(host: host, access: configuration.access) { logger.warning("\(warning)") }
        do {
            let stack = try await Stack.start(configuration)
            let folder = configuration.recording?.settings.folder ?? ""
            logger.notice("edgewatch record receiving on \(stack.scheme)://\(host):\(stack.port ?? port)/ingest, writing to \(folder)")
            try await stack.wait()
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        logger.notice("edgewatch record stopped")
    }
}
