import AsyncHTTPClient
import CRMSimulator
import EdgeHTTP
import EdgewatchKit
import Foundation
import Logging
import LookupCore
import LookupServer
import MetricsEngine
import MetricsServer
import NIOHTTP1
import NIOSSL

/// The real middleware and metrics routes on a loopback port, built by the same assembly every
/// command uses (`Stack`), with the CRM simulator (or any CRM URL) behind it.
public struct LiveStack: Sendable {
    public let stack: Stack
    public var simulator: CRMSimulator? { stack.lookup?.simulator }
    public var events: MetricEventStream { stack.metrics.events }
    public var caches: ColoCaches { stack.lookup!.caches }
    public var lookup: CustomerLookup { stack.lookup!.lookup }
    public var monitor: LiveMonitor { stack.monitor }
    public var crmURL: String { stack.lookup!.crmURL }
    public var port: Int { stack.port! }
    /// Requests (cached lookups and `/health`) the fast path answered so far.
    public var fastAnswered: Int { stack.lookup?.fast.answers.value ?? 0 }
    public var scheme: String { stack.scheme }
    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    /// Options for a stack; the defaults suit most tests.
    public struct Options: Sendable {
        /// A CRM deadline a loaded 2-core machine meets for the simulator's instant answers.
        public var crmTimeout: Duration
        /// Use this CRM instead of starting the simulator.
        public var crmURL: String?
        public var clientKey: String
        public var eventCapacity: Int
        /// Run the metrics pump (drain events into the monitor); off leaves them in the stream.
        public var pumpEvents: Bool
        public var cacheCapacity: Int
        /// Who may call which route (open by default).
        public var access: AccessPolicy
        /// HTTPS (and mutual TLS) on the listener; nil for plain HTTP.
        public var tls: TLSConfiguration?
        /// Where the stack's (and the simulator's) logs go; silent by default.
        public var logger: Logger
        /// The lookup's settings (colo LHR unless changed): TTLs, stale serving, breaker, bulkhead.
        public var settings: LookupSettings
        /// Cached lookups answered on the event loop, as `serve` and the dashboard do (on by
        /// default, so every live test drives the production pipeline).
        public var fastPath = true
        /// The lookup's clocks (a ``ManualClocks`` makes replies and events repeatable); nil for the system's.
        public var clocks: (any LookupClocks)?
        /// The listener's `--idle-timeout` (none by default, as in production).
        public var idleTimeout: Duration?
        /// How long a request may take to arrive whole (the listener's default when nil).
        public var requestTimeout: Duration?

        public init(crmTimeout: Duration = .seconds(2), crmURL: String? = nil, clientKey: String = "secret-key",
                    eventCapacity: Int = 4_096, pumpEvents: Bool = false, cacheCapacity: Int = 1_000,
                    access: AccessPolicy = .open, tls: TLSConfiguration? = nil, logger: Logger = RunningServer.quiet,
                    settings: LookupSettings = LookupSettings(serverColo: Colo("LHR")!)) {
            self.settings = settings
            self.access = access
            self.tls = tls
            self.logger = logger
            self.crmTimeout = crmTimeout
            self.crmURL = crmURL
            self.clientKey = clientKey
            self.eventCapacity = eventCapacity
            self.pumpEvents = pumpEvents
            self.cacheCapacity = cacheCapacity
        }

        /// The stack these options make, as a command's configuration.
        public var configuration: StackConfiguration {
            var configuration = StackConfiguration(logger: logger)
            var listener = HTTPServerSettings(port: 0, idleTimeout: idleTimeout, tls: tls)
            if let requestTimeout { listener.requestTimeout = requestTimeout }
            configuration.listener = listener
            configuration.access = access
            var lookup = LookupConfiguration(crm: crmURL.map { .url($0) } ?? .simulator(requiredKey: "secret-key"), settings: settings)
            lookup.crmAPIKey = clientKey
            lookup.crmTimeout = crmTimeout
            lookup.cacheCapacity = cacheCapacity
            lookup.fastPath = fastPath
            lookup.clocks = clocks
            configuration.lookup = lookup
            configuration.metrics.eventCapacity = eventCapacity
            configuration.metrics.pump = pumpEvents
            return configuration
        }
    }

    /// Runs `body` against a fresh stack and always tears it down.
    public static func with<T>(_ options: Options = Options(), _ body: (LiveStack) async throws -> T) async throws -> T {
        let stack = try await start(options)
        do {
            let result = try await body(stack)
            await stack.stop()
            return result
        } catch {
            await stack.stop()
            throw error
        }
    }

    public static func start(_ options: Options) async throws -> LiveStack {
        let stack = try await within(.seconds(30), "the test stack to start") { try await Stack.start(options.configuration) }
        return LiveStack(stack: stack)
    }

    public func stop() async {
        await stack.shutdown()
    }

    public func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil, colo: String? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(10), client: HTTPClient = .shared
    ) async throws -> HTTPReply {
        var fields = headers
        if let colo { fields.append(("X-Edge-Colo", colo)) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        return try await HTTPProbe.send(method, baseURL + path, headers: fields, body: body, timeout: timeout, client: client)
    }

    public func lookup(_ body: String, colo: String? = nil, headers: [(String, String)] = []) async throws -> HTTPReply {
        try await request(.POST, "/lookup/customer", body: body, colo: colo, headers: headers)
    }

    public var crmRequests: Int { simulator?.stats.requests ?? 0 }

    /// The next `count` events from the stream (without the pump), or ``TimedOut``.
    public func nextEvents(_ count: Int, within limit: Duration = .seconds(10)) async throws -> [MetricEvent] {
        let events = self.events
        return try await within(limit, "\(count) metric events") {
            var received: [MetricEvent] = []
            while received.count < count, let batch = await events.nextBatch() { received += batch }
            return received
        }
    }

    /// The snapshot the ticker published once the monitor had recorded `count` events (with the
    /// pump), or ``TimedOut``.
    public func recorded(_ count: Int) async throws -> MetricsSnapshot {
        let monitor = self.monitor
        try await eventually("\(count) recorded events") { monitor.snapshot.events.recorded >= count }
        return monitor.snapshot
    }

    /// Waits until `GET /api/snapshot` satisfies `condition` (the ticker publishes four times a
    /// second), or ``TimedOut``.
    public func awaitSnapshot(_ what: String, where condition: @escaping @Sendable ([String: Any]) -> Bool) async throws {
        let stack = self
        try await eventually(what) { condition(try await stack.request(.GET, "/api/snapshot").json) }
    }
}
