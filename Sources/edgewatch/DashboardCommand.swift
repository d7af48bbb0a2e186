import ArgumentParser
import CRMSimulator
import Console
import Foundation
import Logging
import LookupCore
import LookupServer
import ServiceLifecycle
import Traffic

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

    @Flag(help: "No colours (also set by the NO_COLOR environment variable).")
    var noColor = false

    @OptionGroup(title: "Screen dumps") var dump: DumpOptions

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
        let logPath = logFile ?? Logs.dashboardFile()
        let logFile = Logs.file(label: "edgewatch", path: logPath, level: options.logLevel)
        defer { logFile.sayWhere() }
        let logger = logFile.logger
        let secrets = try options.access.load()
        let access = try options.accessPolicy(lookup: secrets.credentials, security: security)
        let settings = try options.serverSettings(security: security)
        for warning in security.warnings(host: options.host, access: access) { logger.warning("\(warning)") }
        let host = try await LookupHost.make(
            options: options, access: access, logger: logger, defaultDistances: NetworkDistance.demo,
            replicationMillis: LookupOptions.demoReplicationMillis
        ) {
            logger.notice("\($0)")
        }
        if host.simulator != nil, callers.rate > 0 {
            // The demo starts as a service that has been running does, its regular callers cached.
            let book = CustomerBook()
            let warm = CacheWarmUp.fill(
                host.caches, settings: host.lookup.settings, model: callers.model, colos: callers.coloList, rate: callers.rate,
                seconds: Int(host.lookup.settings.foundTTLSeconds), now: SystemClocks().monotonicMillis
            ) { (0..<CustomerBook.size).contains($0) ? book.customer($0).record : nil }
            logger.notice("demo: caches warmed with the last \(host.lookup.settings.foundTTLSeconds) s of \(Int(callers.rate)) callers a second (\(warm) entries)")
        }
        let metricsHost = MetricsHost(monitor: try metrics.monitor(), events: host.events, calls: host.lookup.calls)
        metricsHost.addRoutes(to: host.routes, access: access)
        let port = SharedPort()
        let traffic = callers.driver(
            authorization: secrets.authorization, tls: settings.tls == nil ? nil : TrafficOptions.selfCallTLS
        )
        let started = AsyncStream.makeStream(of: Int.self)
        let app = try host.application(settings: settings, logger: logger) { bound in
            port.set(bound)
            started.continuation.yield(bound)
            started.continuation.finish()
        }
        let console = ConsoleService(
            mode: .live, monitor: metricsHost.monitor,
            executor: EffectExecutor(caches: host.caches, simulator: host.simulator, monitor: metricsHost.monitor, traffic: traffic, dumpFolder: dump.folder),
            port: port, logFile: logPath, noColor: noColor || ProcessInfo.processInfo.environment["NO_COLOR"] != nil
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app),
            .init(service: metricsHost.pump()),
            .init(service: metricsHost.ticker(logger: logger, gate: access.gate)),
            .init(service: host.janitor),
            .init(service: console, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let traffic {
            services.append(.init(service: TrafficService(driver: traffic, scheme: settings.scheme, started: started.stream)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await host.shutdown()
            await traffic?.shutdown()
            let message = StartupErrors.describe(error, host: options.host, port: options.port)
            StandardError.write("edgewatch: \(message)\n")
            throw ExitCode.failure
        }
        await host.shutdown()
        await traffic?.shutdown()
    }
}

/// Starts the synthetic callers once the lookup listener is up, and stops them at shutdown.
struct TrafficService: Service {
    let driver: TrafficDriver
    /// `http` or `https`, as the listener serves.
    let scheme: String
    let started: AsyncStream<Int>

    func run() async throws {
        var ports = started.makeAsyncIterator()
        guard let port = await ports.next() else { return }
        await cancelWhenGracefulShutdown {
            await driver.run(target: "\(scheme)://127.0.0.1:\(port)")
        }
    }
}
