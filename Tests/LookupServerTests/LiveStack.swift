import AsyncHTTPClient
import CRMSimulator
import Foundation
import Hummingbird
import Logging
import LookupCore
import LookupServer
import NIOCore
import NIOHTTP1

/// The real middleware on a loopback port with the CRM simulator behind it, for live tests.
struct LiveStack {
    let simulator: CRMSimulator
    let events: MetricEventStream
    let caches: ColoCaches
    let port: Int
    private let server: Task<Void, any Error>
    private let directory: HTTPCustomerDirectory

    static let client = HTTPClient.shared
    static let logger = Logger(label: "live-test") { _ in SwiftLogNoOpLogHandler() }

    struct Reply {
        var status: Int
        var contentType: String?
        var headers: [String: String]
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    /// Runs `body` against a fresh stack and always tears it down.
    static func with<T>(
        crmTimeout: Duration = .milliseconds(400), clientKey: String = "secret-key", _ body: (LiveStack) async throws -> T
    ) async throws -> T {
        let stack = try await start(crmTimeout: crmTimeout, clientKey: clientKey)
        do {
            let result = try await body(stack)
            await stack.stop()
            return result
        } catch {
            await stack.stop()
            throw error
        }
    }

    static func start(crmTimeout: Duration, clientKey: String) async throws -> LiveStack {
        let simulator = CRMSimulator(apiKey: "secret-key", logger: logger)
        try await simulator.start()
        let directory = HTTPCustomerDirectory(baseURL: simulator.baseURL!, apiKey: clientKey, timeout: crmTimeout, logger: logger)
        let events = MetricEventStream(capacity: 1024)
        let caches = ColoCaches(capacityPerColo: 1000)
        let lookup = CustomerLookup(
            settings: LookupSettings(serverColo: Colo("LHR")!), caches: caches, crm: directory,
            clocks: SystemClocks(), sink: events
        )
        let routes = JSONRouter(logger: logger)
        LookupRoutes.add(to: routes, lookup: lookup)
        let settings = HTTPServerSettings(port: 0)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: routes.router, server: settings.serverBuilder, configuration: settings.applicationConfiguration,
            onServerRunning: { portSink.yield($0.localAddress!.port!); portSink.finish() }, logger: logger
        )
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw SimulatorError("server did not start") }
        return LiveStack(simulator: simulator, events: events, caches: caches, port: port, server: server, directory: directory)
    }

    func stop() async {
        server.cancel()
        _ = await server.result
        try? await directory.shutdown()
        await simulator.stop()
    }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil, colo: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let colo { request.headers.add(name: "X-Edge-Colo", value: colo) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"),
                     headers: headers, body: String(buffer: bytes))
    }

    func lookup(_ body: String, colo: String? = nil) async throws -> Reply {
        try await request(.POST, "/lookup/customer", body: body, colo: colo)
    }

    var crmRequests: Int { simulator.stats.requests }
}
