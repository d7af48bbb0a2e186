import AccessControl
import ArgumentParser
import Logging
import LookupServer
import ServiceLifecycle
import Traffic

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
        let access = try options.accessPolicy(lookup: secrets.credentials, security: security)
        let settings = try options.serverSettings(security: security)
        let host = try await LookupHost.make(
            options: options, access: access, logger: logger, replicationMillis: traffic ? LookupOptions.demoReplicationMillis : 0
        ) { logger.notice("\($0)") }
        let metricsHost = MetricsHost(monitor: try metrics.monitor(), events: host.events, calls: host.lookup.calls)
        let boundPort = SharedPort()
        let reporter = try report.reporter(port: boundPort, logger: logger)
        metricsHost.addRoutes(to: host.routes, access: access, reporter: reporter)
        let summary = "colo \(options.lookupSettings.serverColo), CRM \(LookupHost.displayed(url: host.crmURL)), lookup auth \(access.lookup)"
        let address = options.host
        let scheme = settings.scheme
        for warning in security.warnings(host: address, access: access) + report.warnings() { logger.warning("\(warning)") }
        let driver = traffic
            ? callers.driver(authorization: secrets.authorization, tls: settings.tls == nil ? nil : TrafficOptions.selfCallTLS)
            : nil
        let started = AsyncStream.makeStream(of: Int.self)
        let app: any Service
        do {
            app = try host.application(settings: settings, logger: logger) { port in
                boundPort.set(port)
                started.continuation.yield(port)
                started.continuation.finish()
                logger.notice("edgewatch serving the lookup API on \(scheme)://\(address):\(port) (\(summary))")
            }
        } catch {
            // Its HTTP client must be shut down before it goes.
            await reporter?.shutdown()
            await driver?.shutdown()
            await host.shutdown()
            throw error
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app),
            .init(service: metricsHost.pump(reporter: reporter)),
            .init(service: host.janitor),
            .init(service: metricsHost.ticker(logger: logger, gate: access.gate)),
        ]
        if let reporter {
            // First in, so last to stop: it sends what the pump drained on the way out.
            services.insert(.init(service: reporter), at: 0)
            logger.notice("reporting metric events to \(reporter.settings.url)")
        }
        if let driver {
            services.append(.init(service: TrafficService(driver: driver, scheme: scheme, started: started.stream)))
            logger.notice("synthetic callers: \(callers.rate)/s from \(driver.colos.joined(separator: ", "))")
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await driver?.shutdown()
            await host.shutdown()
            logger.critical("\(StartupErrors.describe(error, host: options.host, port: options.port))")
            throw ExitCode.failure
        }
        await driver?.shutdown()
        await host.shutdown()
        logger.notice("edgewatch stopped", metadata: ["events": "\(host.events.emitted)", "eventsDropped": "\(host.events.dropped)"])
    }
}
