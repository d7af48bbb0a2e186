import ArgumentParser
import Console
import Foundation
import Hummingbird
import LookupServer
import MetricsEngine
import ServiceLifecycle

/// `edgewatch watch`: the dashboard fed only by `POST /ingest`, for real edge workers.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show only what real edge workers post to /ingest."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for /ingest, /api/snapshot and /metrics.")
    var port = 8787

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
        let logPath = Logs.dashboardFile()
        let logFile = Logs.file(label: "edgewatch", path: logPath, level: "info")
        defer { logFile.sayWhere() }
        let logger = logFile.logger
        let events = MetricEventStream()
        let metricsHost = MetricsHost(monitor: try metrics.monitor(), events: events)
        let routes = JSONRouter(logger: logger)
        let access = AccessPolicy(ingest: try security.ingestCredentials(), read: try security.readCredentials())
        metricsHost.addRoutes(to: routes, access: access)
        let shared = SharedPort()
        let settings = HTTPServerSettings(host: host, port: port, tls: try security.tls())
        let app = try settings.application(router: routes.router, logger: logger) { shared.set($0) }
        let host = host
        let scheme = settings.scheme
        let console = ConsoleService(
            mode: .watch, monitor: metricsHost.monitor,
            executor: EffectExecutor(caches: nil, simulator: nil, monitor: metricsHost.monitor, traffic: nil, dumpFolder: dump.folder),
            port: shared, logFile: logPath, noColor: noColor || ProcessInfo.processInfo.environment["NO_COLOR"] != nil,
            ingestURL: { port in "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port.map(String.init) ?? "…")/ingest" }
        )
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app),
                .init(service: metricsHost.pump()),
                .init(service: metricsHost.ticker(logger: logger, gate: access.gate)),
                .init(service: console, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
    }
}
