import ArgumentParser
import EdgewatchKit

/// `edgewatch serve`: the middleware with no terminal UI, for production.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the lookup middleware without a terminal UI."
    )

    @OptionGroup var options: LookupOptions
    @OptionGroup var metrics: MetricsOptions

    @Flag(help: "Also run the synthetic callers (as the dashboard does), with no UI.")
    var traffic = false

    @OptionGroup(title: "Synthetic callers (with --traffic)") var callers: TrafficOptions

    @OptionGroup(title: "Listener security") var security: ListenerSecurityOptions

    @OptionGroup(title: "A fleet in one console") var report: ReportOptions

    @OptionGroup(title: "Paging") var alerting: AlertingOptions

    @OptionGroup(title: "Recording") var recording: RecordingOptions

    func validate() throws {
        try security.requireCredentials(host: options.host, [
            ("/lookup/customer", try options.access.load().credentials, LookupOptions.lookupCredentialNames),
        ])
        if traffic && security.tlsClientCa != nil {
            throw ValidationError("--traffic callers have no client certificate for --tls-client-ca; drop one of them")
        }
    }

    func run() async throws {
        let logger = Logs.make(label: "edgewatch", level: options.logLevel)
        let secrets = try options.access.load()
        var configuration = StackConfiguration(logger: logger)
        let settings = try options.serverSettings(security: security)
        configuration.listener = settings
        configuration.access = try options.accessPolicy(lookup: secrets.credentials, security: security)
        configuration.lookup = try options.lookupConfiguration(replicates: traffic)
        configuration.metrics.monitor = try metrics.monitor()
        configuration.reporter = try report.configuration()
        configuration.alerting = try alerting.configuration()
        configuration.recording = try recording.configuration()
        configuration.traffic = traffic ? callers.configuration(authorization: secrets.authorization) : nil
        configuration.handlesSignals = true
        for warning in security.warnings(host: options.host, access: configuration.access) + report.warnings() { logger.warning("\(warning)") }
        let stack: Stack
        do {
            stack = try await Stack.start(configuration)
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let summary = "colo \(options.lookupSettings.serverColo), CRM \(LookupHost.displayed(url: stack.lookup?.crmURL ?? "")), lookup auth \(configuration.access.lookup)"
        logger.notice("edgewatch serving the lookup API on \(stack.scheme)://\(options.host):\(stack.port ?? options.port) (\(summary))")
        if let url = configuration.reporter?.url { logger.notice("reporting metric events to \(url)") }
        if let driver = stack.traffic { logger.notice("synthetic callers: \(callers.rate)/s from \(driver.colos.joined(separator: ", "))") }
        do {
            try await stack.wait()
        } catch {
            logger.critical("\(error)")
            throw ExitCode.failure
        }
        let events = stack.metrics.events
        logger.notice("edgewatch stopped", metadata: ["events": "\(events.emitted)", "eventsDropped": "\(events.dropped)"])
    }
}
