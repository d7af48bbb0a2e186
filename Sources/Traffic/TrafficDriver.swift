import AsyncHTTPClient
import EdgeHTTP
import NIOSSL
import Foundation
import Histogram
import LookupCore
import NIOCore
import Synchronization

/// Synthetic callers sending real HTTP lookups to a middleware, one Poisson stream per colo.
/// Latency is measured by the server from the intended send time on; the driver counts
/// arrivals it could not send on time (late) or at all (dropped, over the in-flight cap).
public final class TrafficDriver: Sendable {
    public struct Counters: Sendable, Equatable {
        /// Requests answered (any status).
        public var sent = 0
        /// Answers with a 4xx or 5xx status.
        public var errors = 0
        /// Requests that got no answer (connection or timeout failures).
        public var failed = 0
        /// Arrivals sent more than 50 ms after their intended time.
        public var late = 0
        /// Arrivals not sent at all because too many requests were in flight.
        public var dropped = 0
    }

    /// Client-side latency, from each request's intended send time to its answer, in µs.
    private let latencies = Mutex(Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three))

    public let colos: [String]
    private let model: CallerModel
    private let total: Mutex<Double>
    private let counters = Mutex(Counters())
    private let inFlight = Atomic<Int>(0)
    private let maximumInFlight: Int
    private let client: HTTPClient

    /// Rates fixed per colo, outside the split of the total.
    private let coloRates: [String: Double]
    /// The `Authorization` value sent with every lookup, when the middleware requires one.
    private let authorization: String?

    public init(
        rate: Double, colos: [String] = ColoMix.defaultColos, model: CallerModel = CallerModel(),
        coloRates: [String: Double] = [:], maximumInFlight: Int = 512,
        authorization: String? = nil, tls: TLSConfiguration? = nil, eventLoopGroup: any EventLoopGroup
    ) {
        self.authorization = authorization
        self.coloRates = coloRates
        // One stream per colo, whatever the caller passed.
        var seen = Set<String>()
        self.colos = colos.filter { seen.insert($0).inserted }
        self.model = model
        self.total = Mutex(rate)
        self.maximumInFlight = maximumInFlight
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2), read: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        if let tls { configuration.tlsConfiguration = tls }
        client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    public var rate: Double {
        get { total.withLock { $0 } }
    }

    public func setRate(_ rate: Double) { total.withLock { $0 = max(0.1, min(rate, 5_000)) } }

    public var stats: Counters { counters.withLock { $0 } }

    /// Runs every colo's stream until the task is cancelled.
    /// Runs every colo's stream against `target` (e.g. `http://127.0.0.1:8787`) until cancelled.
    public func run(target: String, seed: UInt64 = 42) async {
        let target = target.hasSuffix("/") ? String(target.dropLast()) : target
        await withTaskGroup(of: Void.self) { group in
            for (index, colo) in colos.enumerated() {
                group.addTask { await self.stream(target: target, colo: colo, seed: seed &+ UInt64(index)) }
            }
        }
    }

    private func stream(target: String, colo: String, seed: UInt64) async {
        var rng = SplitMix64(seed: seed)
        let clock = ContinuousClock()
        var intended = clock.now
        while !Task.isCancelled {
            let coloRate = coloRates[colo] ?? ColoMix.rates(total: rate, colos: colos)[colo] ?? 0
            guard coloRate > 0 else {
                // A silent colo sends nothing; look again in a second (the total may change).
                try? await Task.sleep(for: .seconds(1))
                intended = clock.now
                continue
            }
            intended = intended.advanced(by: .seconds(ArrivalSchedule.gap(rate: coloRate, using: &rng)))
            let now = clock.now
            if intended > now {
                try? await Task.sleep(until: intended, clock: clock)
            } else if now - intended > .milliseconds(50) {
                counters.withLock { $0.late += 1 }
            }
            if Task.isCancelled { return }
            guard inFlight.add(1, ordering: .relaxed).newValue <= maximumInFlight else {
                inFlight.subtract(1, ordering: .relaxed)
                counters.withLock { $0.dropped += 1 }
                // Behind schedule at the cap: let the requests in flight (and the server) run.
                await Task.yield()
                continue
            }
            let body = model.next(using: &rng).body
            let due = intended
            Task { [self] in
                defer { inFlight.subtract(1, ordering: .relaxed) }
                await send(body: body, colo: colo, target: target, intended: due, clock: clock)
            }
        }
    }

    private func send(body: String, colo: String, target: String, intended: ContinuousClock.Instant, clock: ContinuousClock) async {
        var request = HTTPClientRequest(url: target + "/lookup/customer")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Edge-Colo", value: colo)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(string: body))
        do {
            // One deadline over connect, head and body: a target that trickles its answer must
            // not hold one of the in-flight slots.
            guard let response = try await BoundedExchange.perform(request, on: client, timeout: .seconds(10), maximumBodyBytes: 1 << 16) else {
                counters.withLock { $0.failed += 1 }
                return
            }
            let elapsed = clock.now - intended
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            latencies.withLock { _ = $0.record(UInt64(max(1, micros))) }
            counters.withLock {
                $0.sent += 1
                if response.status >= 400 { $0.errors += 1 }
            }
        } catch {
            counters.withLock { $0.failed += 1 }
        }
    }

    /// Latency percentiles in milliseconds (from intended send time), and the sample count.
    public func latency(percentile: Double) -> Double {
        latencies.withLock { Double($0.valueAtPercentile(percentile)) / 1000 }
    }

    public var maxLatency: Double { latencies.withLock { Double($0.max) / 1000 } }

    public func shutdown() async {
        try? await client.shutdown()
    }
}
