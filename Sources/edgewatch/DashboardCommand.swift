import ArgumentParser
import EdgewatchKit
import Foundation

/// `edgewatch` with no arguments: the whole live demo in one process, on one screen.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard: middleware, CRM simulator and synthetic callers in one process (the default)."
    )

    @OptionGroup var options: LookupOptions
    @OptionGroup var metrics: MetricsOptions

    @OptionGroup(title: "Synthetic callers") var callers: TrafficOptions

    @OptionGroup(title: "Listener security") var security: ListenerSecurityOptions

    @OptionGroup(title: "Screen") var screen: ScreenOptions

    @OptionGroup(title: "Paging") var alerting: AlertingOptions

    @OptionGroup(title: "Recording") var recording: RecordingOptions

    @Option(help: "Where logs go while the dashboard is up (default: a file in the temporary folder).")
    var logFile: String?

    func validate() throws {
        try security.requireCredentials(host: options.host, [
            ("/lookup/customer", try options.access.load().credentials, LookupOptions.lookupCredentialNames),
        ])
        if security.tlsClientCa != nil && callers.rate > 0 {
            throw ValidationError("the synthetic callers have no client certificate for --tls-client-ca; add --rate 0")
        }
        if let logFile {
            let exists = FileManager.default.fileExists(atPath: logFile)
            let regular = (try? FileManager.default.attributesOfItem(atPath: logFile))?[.type] as? FileAttributeType == .typeRegular
            if exists && !regular {
                throw ValidationError("--log-file must be a regular file (logs must not reach the terminal): \(logFile)")
            }
        }
    }

    func run() async throws {
        try TerminalCheck.require(command: "dashboard")
        let log = Logs.file(label: "edgewatch", path: logFile ?? Logs.dashboardFile(), level: options.logLevel)
        defer { log.sayWhere() }
        let secrets = try options.access.load()
        var configuration = StackConfiguration(logger: log.logger)
        configuration.listener = try options.serverSettings(security: security)
        configuration.access = try options.accessPolicy(lookup: secrets.credentials, security: security)
        let traffic = callers.configuration(authorization: secrets.authorization)
        configuration.lookup = try options.lookupConfiguration(replicates: true, demoWorld: true, warmUp: traffic)
        configuration.metrics.monitor = try metrics.monitor()
        configuration.traffic = traffic
        configuration.alerting = try alerting.configuration()
        configuration.recording = try recording.configuration()
        for warning in security.warnings(host: options.host, access: configuration.access) { log.logger.warning("\(warning)") }
        try await screen.run(configuration, log: log)
    }
}
