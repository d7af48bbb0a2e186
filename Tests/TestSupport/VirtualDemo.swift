import DemoWorld
import FaultCatalog
import Foundation
import LookupCore
import MetricsEngine
import Synchronization
import Traffic

/// The default demo on a virtual clock: the caller model, Poisson arrivals per colo, the real
/// lookup flow and caches (replication included), a CRM that answers from the simulator's
/// customer book with its distance and the fault plan in force, and the engine ticked once a
/// simulated second. Nothing sleeps: eleven minutes take a few seconds.
///
/// Lookups run one at a time, each at its arrival time. A CRM call answers at once; how long it
/// would have taken (distance, CRM time, the fault's delay, the deadline for a hang) goes into
/// the lookup's latency: all of it when the caller waited for the call, up to the soft deadline
/// when a stale copy was at hand, none when the copy was answered at once. (So the soft
/// deadline's race is judged, not run.)
public final class VirtualDemo: Sendable {
    public struct Settings: Sendable {
        public var rate = 50.0
        public var colos = DemoWorld.colos
        public var model = CallerModel()
        public var distances: [Colo: Int]
        public var lookup = LookupSettings(serverColo: Colo("LHR")!)
        public var replicationMillis: Int64 = 60_000
        public var crmTimeoutMillis = 3_000.0
        public var thresholds = ThresholdTable()
        public var windowSeconds = 60
        /// Fill the caches as `edgewatch` does at start.
        public var warm = true
        public var seed: UInt64 = 7

        public init(distances: [Colo: Int]) {
            self.distances = distances
        }
    }

    /// The virtual time: what the lookup's clocks read.
    final class Clocks: LookupClocks {
        let nanos = Atomic<UInt64>(1_000_000_000_000)
        static let epoch: Int64 = 1_796_000_000_000
        func monotonicNanos() -> UInt64 { nanos.load(ordering: .relaxed) }
        func epochMillis() -> Int64 { Self.epoch + Int64(monotonicNanos() / 1_000_000) - 1_000_000 }
        /// Nothing sleeps here: a deadline never passes while a lookup runs (see the type's notes).
        func sleep(untilNanos deadline: UInt64) async {}
        func schedule(atNanos deadline: UInt64, _ action: @escaping @Sendable () -> Void) -> any ScheduledAction { Never() }
        struct Never: ScheduledAction { func cancel() {} }
    }

    /// The CRM: the customer book, each colo's distance, the faults; notes how long each call took.
    final class CRM: CustomerDirectory {
        let book = CustomerBook()
        let distances: [Colo: Int]
        let timeoutMillis: Double
        let plan = Mutex(FaultPlan.none)
        let rng: Mutex<SplitMix64>
        /// How long the last call would have taken, in ms.
        let lastMillis = Mutex(0.0)

        init(distances: [Colo: Int], timeoutMillis: Double, seed: UInt64) {
            self.distances = distances
            self.timeoutMillis = timeoutMillis
            rng = Mutex(SplitMix64(seed: seed))
        }

        func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
            let faults = plan.withLock { $0 }
            let (action, work) = rng.withLock { rng in (faults.decide(using: &rng), Double.random(in: 1...6, using: &rng)) }
            var millis = Double(distances[colo] ?? 0) + work + Double(action.delayMilliseconds)
            let outcome: CRMOutcome
            if faults.down {
                millis = 1
                outcome = .failed(.unreachable)
            } else {
                switch action.reply {
                case .normal: outcome = answer(key)
                case .status(let status): outcome = CRMOutcome.classify(status: status, body: Data())
                case .rateLimited: outcome = .failed(.rateLimited)
                case .malformed: outcome = .failed(.badResponse)
                case .hang, .trickle:
                    millis = timeoutMillis
                    outcome = .failed(.timeout)
                }
            }
            if millis > timeoutMillis {
                millis = timeoutMillis
                lastMillis.withLock { $0 = millis }
                return .failed(.timeout)
            }
            lastMillis.withLock { $0 = millis }
            return outcome
        }

        func answer(_ key: LookupKey) -> CRMOutcome {
            let customer: CRMRecord?
            switch key {
            case .phone(let digits): customer = book.customer(phone: digits)
            case .email(let address): customer = book.customer(email: address)
            }
            return customer.map { .found($0) } ?? .notFound
        }
    }

    struct Sink: MetricSink { func emit(_ event: MetricEvent) {} }

    public let settings: Settings
    let clocks = Clocks()
    let crm: CRM
    public let caches: ColoCaches
    let lookup: CustomerLookup
    /// Lookups whose background refresh never ended (a test asserts none).
    public let stuck = Atomic<Int>(0)

    public init(_ settings: Settings) {
        self.settings = settings
        crm = CRM(distances: settings.distances, timeoutMillis: settings.crmTimeoutMillis, seed: settings.seed)
        caches = ColoCaches(replicationDelayMillis: settings.replicationMillis, seed: settings.seed)
        lookup = CustomerLookup(settings: settings.lookup, caches: caches, crm: crm, clocks: clocks, sink: Sink())
        if settings.warm {
            let book = crm.book
            CacheWarmUp.fill(caches, settings: settings.lookup, model: settings.model, colos: settings.colos, rate: settings.rate,
                             seconds: Int(settings.lookup.foundTTLSeconds), now: clocks.monotonicMillis) { index in
                book.customer(index)
            }
        }
    }

    /// Plays `seconds` simulated seconds with the faults `faults(second)` says, calling `each`
    /// with every second's snapshot (second 1 is the first).
    public func run(seconds: Int, faults: @Sendable (Int) -> FaultPlan = { _ in .none }, each: (Int, MetricsSnapshot) -> Void) async {
        var monitor = MetricsMonitor(windowSeconds: settings.windowSeconds, thresholds: settings.thresholds)
        var rng = SplitMix64(seed: settings.seed &+ 1)
        var next = Dictionary(uniqueKeysWithValues: settings.colos.map { ($0, 0.0) })
        let rates = ColoMix.rates(total: settings.rate, colos: settings.colos)
        for colo in settings.colos { next[colo] = ArrivalSchedule.gap(rate: rates[colo] ?? 0, using: &rng) }
        let start = clocks.monotonicNanos()
        for second in 1...seconds {
            let plan = faults(second)
            crm.plan.withLock { $0 = plan }
            var arrivals: [(Double, String)] = []
            for colo in settings.colos {
                while let time = next[colo], time < Double(second) {
                    arrivals.append((time, colo))
                    next[colo] = time + ArrivalSchedule.gap(rate: rates[colo] ?? 0, using: &rng)
                }
            }
            var batch: [MetricEvent] = []
            for (time, colo) in arrivals.sorted(by: { $0.0 < $1.0 }) {
                clocks.nanos.store(start + UInt64(time * 1e9), ordering: .relaxed)
                batch.append(await lookUp(settings.model.next(using: &rng).body, colo: colo))
            }
            clocks.nanos.store(start + UInt64(second) * 1_000_000_000, ordering: .relaxed)
            let now = clocks.epochMillis()
            monitor.record(contentsOf: batch, nowMillis: now)
            each(second, monitor.tick(nowMillis: now))
        }
    }

    /// One lookup, with the latency its CRM call would have cost.
    func lookUp(_ body: String, colo: String) async -> MetricEvent {
        crm.lastMillis.withLock { $0 = 0 }
        var event = await lookup.respond(to: Data(body.utf8), coloHeader: colo).event
        // Background refreshes end before the next caller: one lookup at a time. (They answer at
        // once; a refresh still running after this many turns is stuck, and counted.)
        var turns = 0
        while lookup.calls.inFlight > 0, turns < 100_000 {
            await Task.yield()
            turns += 1
        }
        if turns == 100_000 { stuck.add(1, ordering: .relaxed) }
        let call = crm.lastMillis.withLock { $0 }
        let waited: Double
        if event.cacheHit && !event.isStale {
            waited = 0
        } else if event.isStale {
            // Revalidated behind the answer (no error), or waited for up to the soft deadline.
            waited = event.errorType == nil ? 0 : min(call, Double(settings.lookup.staleAfterMillis))
        } else {
            waited = event.errorType == CRMFailure.circuitOpen.rawValue || event.errorType == CRMFailure.overloaded.rawValue ? 0 : call
        }
        // The work around the call: tens of microseconds.
        event.latencyMs = waited + 0.04
        return event
    }
}
