import AccessControl
import DemoWorld
import EdgeHTTP
import FaultCatalog
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LookupCore
import NIOCore
import ServiceLifecycle
import Synchronization

/// A CRM to run the lookup against: `GET /api/v2/customers?phone=…|email=…` answering from a
/// ``CustomerBook``, with faults switchable at runtime from code or from `/admin/faults`.
///
/// "Down" really closes the listening socket, so clients see connection refused; the admin
/// routes stay reachable on the optional admin port while it is down.
///
/// The admin routes (`/admin/faults`, `/stats`) are only ever served on loopback: the admin
/// listener binds 127.0.0.1 whatever `host` is, and the API listener carries them only when
/// `host` itself is a loopback address.
public final class CRMSimulator: Sendable {
    /// Requests counted by how they were answered; `GET /stats` returns this.
    public struct Stats: Codable, Sendable, Equatable {
        public var requests = 0
        public var found = 0
        public var notFound = 0
        public var errors = 0
        public var malformed = 0
        public var hangs = 0
        public var delayed = 0
        public var trickled = 0
        public var rateLimited = 0
    }

    public let host: String
    private let book: CustomerBook
    private let plan = Mutex(FaultPlan.none)
    private let rng: Mutex<SplitMix64>
    private let counters = Mutex(Stats())
    private let listener = Mutex<Listener?>(nil)
    private let logger: Logger
    /// The port the API listener was bound to (kept while down, so it comes back on the same one).
    private let boundPort = Mutex<Int?>(nil)

    private struct Listener {
        let task: Task<Void, any Error>
        let group: ServiceGroup
        let port: Int
    }

    /// When set, requests without `Authorization: Bearer <apiKey>` get 401, like a real CRM.
    public let apiKey: String?

    /// The event loops its listeners run on (the process's, made by whoever runs it).
    private let eventLoopGroup: any EventLoopGroup

    /// `everyPhone`: every phone number is a customer (see ``CustomerBook``).
    public init(
        host: String = "127.0.0.1", apiKey: String? = nil, seed: UInt64 = 0x5EED, everyPhone: Bool = false,
        eventLoopGroup: any EventLoopGroup, logger: Logger
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.book = CustomerBook(everyPhone: everyPhone)
        self.host = host
        self.apiKey = apiKey
        self.rng = Mutex(SplitMix64(seed: seed))
        self.logger = logger
    }

    // MARK: Faults and stats

    public var faults: FaultPlan { plan.withLock { $0 } }
    public var stats: Stats { counters.withLock { $0 } }
    /// The API port, once started.
    public var port: Int? { boundPort.withLock { $0 } }
    /// The API's base URL (what `CRM_API_BASE` should be), once started.
    public var baseURL: String? { port.map { "http://\(host):\($0)/api/v2" } }

    /// Switches faults. Turning `down` on closes the API listener; turning it off reopens it.
    /// Changes are made one at a time, each after the one before, so the plan and the listener
    /// always agree (two admin calls, or a key and an admin call, may come at once). When the
    /// listener cannot open again, the rest of `newPlan` is in force, still down, and this throws.
    public func setFaults(_ newPlan: FaultPlan) async throws {
        if let problem = newPlan.problem { throw SimulatorError(problem) }
        try await serially { try await self.switchTo(newPlan) }
    }

    /// The last change to the listener (a fault switch, or stop), which the next one waits for.
    private let changes = Mutex<Task<Void, Never>?>(nil)

    /// Runs `change` after every change asked for before it, and returns what it threw. It runs
    /// to its end even if the caller stops waiting.
    private func serially(_ change: @escaping @Sendable () async throws -> Void) async throws {
        let run = changes.withLock { last in
            let previous = last
            let run = Task { () -> Result<Void, any Error> in
                await previous?.value
                do {
                    try await change()
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            last = Task { _ = await run.value }
            return run
        }
        try await run.value.get()
    }

    /// Makes the listener what `newPlan` says (decided by whether it listens, not by the last
    /// plan), then takes the plan.
    private func switchTo(_ newPlan: FaultPlan) async throws {
        let listening = listener.withLock { $0 != nil }
        guard let port, listening == newPlan.down else {
            plan.withLock { $0 = newPlan }
            return
        }
        if newPlan.down {
            plan.withLock { $0 = newPlan }
            await stopListener()
        } else {
            do {
                _ = try await startListener(port: port)
            } catch {
                var stillDown = newPlan
                stillDown.down = true
                plan.withLock { $0 = stillDown }
                throw SimulatorError("the API listener could not open again on port \(port) (still down): \(error)")
            }
            plan.withLock { $0 = newPlan }
        }
        logger.info("CRM simulator \(newPlan.down ? "down" : "up")", metadata: ["port": "\(port)"])
    }

    // MARK: Lifecycle

    /// Starts the API listener on `port` (0 picks a free one) and returns the bound port.
    @discardableResult
    public func start(port: Int = 0) async throws -> Int {
        try await startListener(port: port)
    }

    /// Stops the API listener for good: later fault changes no longer open it.
    public func stop() async {
        try? await serially {
            self.boundPort.withLock { $0 = nil }
            await self.stopListener()
        }
    }

    /// Serves the admin routes (and the API) on a second port that stays up while the API is down.
    /// Runs until the calling task is cancelled.
    public func runAdmin(port: Int, onRunning: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let app = try HTTPServerSettings(host: Self.adminHost, port: port).application(
            router: makeRouter(admin: true).router, group: eventLoopGroup, logger: logger, onRunning: { onRunning($0) }
        )
        try await app.runService(gracefulShutdownSignals: [])
    }

    private func startListener(port: Int) async throws -> Int {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = try HTTPServerSettings(host: host, port: port).application(
            router: makeRouter(admin: LoopbackHost.contains(host)).router, group: eventLoopGroup, logger: logger,
            onRunning: { bound in
                portSink.yield(bound)
                portSink.finish()
            }
        )
        // Its own service group, so "down" and stop can shut it down gracefully (cancelling the task
        // instead makes Hummingbird log errors about closed channels).
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task {
            defer { portSink.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            if Task.isCancelled {
                // The caller gave up waiting: stop the listener rather than leave it starting.
                await group.stop(running: task, grace: Self.shutdownGrace)
                throw CancellationError()
            }
            try await task.value
            throw SimulatorError("the CRM simulator could not listen on \(host):\(port)")
        }
        listener.withLock { $0 = Listener(task: task, group: group, port: bound) }
        boundPort.withLock { $0 = bound }
        return bound
    }

    /// Requests still running this long after "down" or stop are cancelled (a hanging request
    /// would otherwise hold the listener, and whoever waits for it, for the whole hang).
    static let shutdownGrace: Duration = .seconds(1)

    private func stopListener() async {
        guard let running = listener.withLock({ current in defer { current = nil }; return current }) else { return }
        await running.group.stop(running: running.task, grace: Self.shutdownGrace)
    }

    // MARK: Routes

    /// Where the admin listener binds, always.
    public static let adminHost = "127.0.0.1"

    /// The largest fault plan taken.
    static let maximumPlanBytes = 16 * 1024

    /// The API routes, plus the admin routes when `admin` (loopback listeners only). Every answer
    /// is JSON: unknown paths 404, a known path's other methods 405 with `Allow`.
    func makeRouter(admin: Bool) -> JSONRouter {
        let routes = JSONRouter(logger: logger)
        routes.on("/api/v2/customers", .get) { request, _ in try await self.customers(request) }
        routes.on("/health", .get) { _, _ in Self.json("{\"status\":\"ok\"}") }
        guard admin else { return routes }
        routes.on("/stats", .get) { _, _ in try Self.json(self.stats) }
        routes.on("/admin/faults", .get) { _, _ in try Self.json(self.faults) }
        // PUT replaces the whole plan; DELETE clears it. A plan with a key it does not know, or a
        // fault missing one of its fields, is refused whole (400), and the plan in force stays.
        routes.on("/admin/faults", .put) { request, _ in
            let body = try await request.body.collect(upTo: Self.maximumPlanBytes)
            let newPlan: FaultPlan
            switch FaultPlan.parse(Data(buffer: body)) {
            case .success(let plan): newPlan = plan
            case .failure(let problem): return .json(status: .badRequest, JSONText.errorObject(problem.message))
            }
            if let problem = newPlan.problem { return .json(status: .badRequest, JSONText.errorObject(problem)) }
            return try await self.change(to: newPlan)
        }
        routes.on("/admin/faults", .delete) { _, _ in
            try await self.change(to: .none)
        }
        return routes
    }

    /// A checked plan taken in: the plan now in force, or a 500 saying why the listener could not follow.
    private func change(to newPlan: FaultPlan) async throws -> Response {
        do {
            try await setFaults(newPlan)
        } catch {
            return .json(status: .internalServerError, JSONText.errorObject("\(error)"))
        }
        return try Self.json(faults)
    }

    private func customers(_ request: Request) async throws -> Response {
        counters.withLock { $0.requests += 1 }
        if let apiKey, request.headers[.authorization] != "Bearer \(apiKey)" {
            counters.withLock { $0.errors += 1 }
            return try Self.json(["error": "missing or wrong bearer token"], status: .unauthorized)
        }
        let action = rng.withLock { plan.withLock { $0 }.decide(using: &$0) }
        if action.delayMilliseconds > 0 {
            counters.withLock { $0.delayed += 1 }
            try await Task.sleep(for: .milliseconds(action.delayMilliseconds))
        }
        switch action.reply {
        case .hang(let seconds):
            counters.withLock { $0.hangs += 1 }
            try await Task.sleep(for: .seconds(seconds))
            return Self.json("{\"error\":\"hung\"}", status: .gatewayTimeout)
        case .rateLimited(let seconds):
            counters.withLock { $0.rateLimited += 1 }
            var response = Self.json("{\"error\":\"rate limit exceeded\"}", status: .tooManyRequests)
            response.headers[.retryAfter] = "\(seconds)"
            return response
        case .status(let code):
            counters.withLock { $0.errors += 1 }
            return Self.json("{\"error\":\"simulated fault\"}", status: .init(code: code))
        case .malformed:
            counters.withLock { $0.malformed += 1 }
            return Self.json("{\"results\":[{\"id\":\"CUST-00", status: .ok)
        case .trickle, .normal:
            break
        }
        let query = request.uri.queryParameters
        let match = query["phone"].flatMap { book.customer(phone: String($0)) }
            ?? query["email"].flatMap { book.customer(email: String($0)) }
        counters.withLock { match == nil ? ($0.notFound += 1) : ($0.found += 1) }
        let results = match.map { [$0] } ?? []
        let body = try JSONEncoder().encode(["results": results])
        guard case .trickle(let interval) = action.reply else { return Self.json(String(decoding: body, as: UTF8.self)) }
        counters.withLock { $0.trickled += 1 }
        let bytes = Array(body)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .contentLength: "\(bytes.count)"],
            body: ResponseBody { writer in
                for byte in bytes {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: .milliseconds(interval))
                }
                try await writer.finish(nil)
            }
        )
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        json(String(decoding: try JSONEncoder().encode(value), as: UTF8.self), status: status)
    }
}

public struct SimulatorError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
