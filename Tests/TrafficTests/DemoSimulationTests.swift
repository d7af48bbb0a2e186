import Foundation
import LookupCore
import Synchronization
import Testing
@testable import Traffic

/// The default demo on a simulated clock: the caller model at 50 req/s over eight colos,
/// Poisson arrivals, through the real lookup flow and caches (60 s replication), with a CRM
/// that knows the simulator's customers. Nothing sleeps.
@Suite("Simulated demo")
struct DemoSimulationTests {
    final class Clock: LookupClocks {
        let millis = Atomic<Int64>(0)
        func monotonicNanos() -> UInt64 { UInt64(millis.load(ordering: .relaxed)) * 1_000_000 }
        func epochMillis() -> Int64 { 1_794_000_000_000 + millis.load(ordering: .relaxed) }
    }

    struct Book: CustomerDirectory {
        func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
            switch key {
            case .phone(let digits):
                guard digits.count == 11, digits.hasPrefix("1555000"), let index = Int(digits.suffix(4)) else { return .notFound }
                return .found(CRMRecord(id: "CUST-\(index)", firstName: "A", lastName: "B", accountTier: "Standard"))
            case .email(let address):
                return address.hasPrefix("customer") ? .found(CRMRecord(id: address)) : .notFound
            }
        }
    }

    final class Events: MetricSink {
        let events = Mutex<[MetricEvent]>([])
        func emit(_ event: MetricEvent) { events.withLock { $0.append(event) } }
    }

    @Test("The default demo settles at a hit rate between 50 % and 90 % within two simulated minutes")
    func steadyHitRate() async {
        let clock = Clock()
        let sink = Events()
        let caches = ColoCaches(replicationDelayMillis: 60_000)
        let lookup = CustomerLookup(settings: LookupSettings(), caches: caches, crm: Book(), clocks: clock, sink: sink)
        let model = CallerModel()
        var rng = SplitMix64(seed: 99)
        var arrivals: [(time: Double, colo: String)] = []
        for (colo, rate) in ColoMix.rates(total: 50, colos: ColoMix.defaultColos) {
            var time = 0.0
            while true {
                time += ArrivalSchedule.gap(rate: rate, using: &rng)
                if time >= 120 { break }
                arrivals.append((time, colo))
            }
        }
        arrivals.sort { $0.time < $1.time }
        #expect(abs(Double(arrivals.count) / 120 - 50) < 3)
        for arrival in arrivals {
            clock.millis.store(Int64(arrival.time * 1000), ordering: .relaxed)
            _ = await lookup.respond(to: Data(model.next(using: &rng).body.utf8), coloHeader: arrival.colo)
        }
        let lastMinute = sink.events.withLock { $0 }.filter {
            $0.timestamp >= 1_794_000_000_000 + 60_000 && $0.errorType == nil
        }
        let hitRate = Double(lastMinute.filter(\.cacheHit).count) / Double(lastMinute.count)
        #expect((0.5...0.9).contains(hitRate), "hit rate over the second minute: \(hitRate)")
        #expect(caches.stats.replicatedHits > 0)
    }
}
