import EdgewatchKit
import ArgumentParser
import CRMSimulator
import EdgeHTTP
import Logging
import ServiceLifecycle

/// `edgewatch crm-sim`: the CRM simulator on its own.
struct CRMSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crm-sim",
        abstract: "Run the CRM simulator standalone (API on --port, fault admin on --admin-port)."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for the CRM API (GET /api/v2/customers).")
    var port = 8788

    @Option(help: "Port for the admin API on 127.0.0.1 (always loopback), which stays up while the CRM is 'down' (default: --port + 1).")
    var adminPort: Int?

    @Option(help: "Seed for fault draws, for repeatable runs.")
    var seed: UInt64 = 0x5EED

    @Flag(help: "Answer every phone number (1 to 15 digits) with a customer of its own, as a CRM of millions would: for measuring the cache's memory.")
    var everyPhone = false

    @Option(help: "Log level.")
    var logLevel = "info"

    func validate() throws {
        try InputLimits.port(port, flag: "--port")
        if let adminPort { try InputLimits.port(adminPort, flag: "--admin-port") }
        _ = try InputLimits.logLevel(logLevel)
    }

    func run() async throws {
        let logger = Logs.make(label: "crm-sim", level: logLevel)
        let loops = EventLoops()
        let simulator = CRMSimulator(host: host, seed: seed, everyPhone: everyPhone, eventLoopGroup: loops.group, logger: logger)
        let bound = try await simulator.start(port: port)
        let admin = adminPort ?? bound + 1
        logger.notice("CRM simulator: API http://\(host):\(bound)/api/v2/customers; stats and faults on loopback only: http://\(CRMSimulator.adminHost):\(admin)/stats, /admin/faults")
        let service = AdminService(simulator: simulator, port: admin)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
        await simulator.stop()
        await loops.shutdown()
    }
}

/// The simulator's admin listener as a service, so signals stop it.
struct AdminService: Service {
    let simulator: CRMSimulator
    let port: Int

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await simulator.runAdmin(port: port)
        }
    }
}
