import ArgumentParser
import Logging
import LookupServer
import ServiceLifecycle

/// `edgewatch serve`: the middleware with no terminal UI, for production.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the lookup middleware without a terminal UI."
    )

    @OptionGroup var options: LookupOptions
    @OptionGroup var metrics: MetricsOptions

    func run() async throws {
        let logger = Logs.make(label: "edgewatch", level: options.logLevel)
        let host = try await LookupHost.make(options: options, logger: logger) { logger.notice("\($0)") }
        let metricsHost = MetricsHost(monitor: try metrics.monitor(), events: host.events)
        metricsHost.addRoutes(to: host.routes)
        let summary = "colo \(options.lookupSettings.serverColo), CRM \(host.crmURL)"
        let address = options.host
        let app = host.application(settings: options.serverSettings, logger: logger) { port in
            logger.notice("edgewatch serving the lookup API on http://\(address):\(port) (\(summary))")
        }
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: MetricsHost.Pump(host: metricsHost)),
                .init(service: MetricsHost.AlertLog(host: metricsHost, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await host.shutdown()
            throw error
        }
        await host.shutdown()
        logger.notice("edgewatch stopped", metadata: ["events": "\(host.events.emitted)", "eventsDropped": "\(host.events.dropped)"])
    }
}
