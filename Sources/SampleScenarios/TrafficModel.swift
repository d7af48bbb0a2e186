import DemoWorld
import LookupCore

/// What the edge looks like in one second of a scenario, for one colo.
struct Conditions {
    /// Chance a lookup is a cache hit.
    var hitRate = 0.75
    /// CRM round trip for a miss, ms (before the colo's network distance).
    var crmLatency: ClosedRange<Double> = 25...55
    /// Chance a miss fails, and how.
    var crmFailure = 0.0
    var failureType = CRMFailure.serverError
    var failureLatency: ClosedRange<Double> = 12...30
    /// Extra latency on every request (a network problem at the edge), ms.
    var edgeDelay: ClosedRange<Double> = 0...0
    /// CPU time per request, ms.
    var cpu: ClosedRange<Double> = 0.4...2.4
    /// With stale serving: the share of failed CRM lookups that have a stale copy to answer with.
    var staleCopies = 0.0
    /// The circuit breaker is open: failed lookups are answered at once with crm_circuit_open.
    var breakerOpen = false
    /// With stale serving and the breaker still closed: a stale copy answers at this soft deadline.
    var softDeadlineMs: Double?
}

/// Generates events second by second from a function of (second, colo) to conditions.
/// Seeded, so the same scenario always gives the same file.
struct TrafficModel {
    static let colos = DemoWorld.sampleColos
    static let distance = DemoWorld.sampleDistances
    static let timeout = 3000.0

    var rng: SplitMix64

    mutating func events(start: Int64, seconds: Int, conditions: (Int, String) -> Conditions) -> [MetricEvent] {
        var events: [MetricEvent] = []
        for second in 0..<seconds {
            for colo in Self.colos {
                let now = conditions(second, colo)
                let count = Int.random(in: 1...3, using: &rng)
                for _ in 0..<count {
                    let offset = Int64.random(in: 0..<1000, using: &rng)
                    events.append(event(at: start + Int64(second) * 1000 + offset, colo: colo, now))
                }
            }
        }
        return events.sorted { $0.timestamp < $1.timestamp }
    }

    private mutating func event(at time: Int64, colo: String, _ c: Conditions) -> MetricEvent {
        let cpu = draw(c.cpu)
        let edge = draw(c.edgeDelay)
        if Double.random(in: 0..<1, using: &rng) < 0.01 {
            return MetricEvent(timestamp: time, colo: colo, latencyMs: round3(0.05 + cpu * 0.2 + edge), cacheHit: false,
                               customerFound: false, errorType: MetricEvent.noLookupKey, cpuMs: round3(cpu * 0.2))
        }
        if Double.random(in: 0..<1, using: &rng) < c.hitRate {
            let found = Double.random(in: 0..<1, using: &rng) < 0.85
            return MetricEvent(timestamp: time, colo: colo, latencyMs: round3(draw(0.3...2.5) + cpu + edge), cacheHit: true,
                               customerFound: found, errorType: nil, cpuMs: round3(cpu))
        }
        if Double.random(in: 0..<1, using: &rng) < c.crmFailure {
            let failure = (c.breakerOpen ? CRMFailure.circuitOpen : c.failureType).rawValue
            let latency = c.breakerOpen ? draw(0.2...1.2) : c.failureType == .timeout ? Self.timeout + draw(0.5...4) : draw(c.failureLatency)
            // A stale copy answers the caller with the right customer, marked stale.
            // Drawn only when stale serving is on, so the other scenarios' files stay as they were.
            let stale = c.staleCopies > 0 && Double.random(in: 0..<1, using: &rng) < c.staleCopies
            let waited = stale && !c.breakerOpen ? (c.softDeadlineMs ?? latency) + draw(0.2...2) : latency
            return MetricEvent(timestamp: time, colo: colo, latencyMs: round3(waited + cpu + edge), cacheHit: stale,
                               customerFound: stale, errorType: failure, cpuMs: round3(cpu), stale: stale ? true : nil)
        }
        let crm = min(draw(c.crmLatency) + (Self.distance[colo] ?? 0), Self.timeout - 1)
        let found = Double.random(in: 0..<1, using: &rng) < 0.8
        return MetricEvent(timestamp: time, colo: colo, latencyMs: round3(crm + cpu + edge), cacheHit: false,
                           customerFound: found, errorType: nil, cpuMs: round3(cpu))
    }

    private mutating func draw(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound == range.upperBound ? range.lowerBound : Double.random(in: range, using: &rng)
    }

    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
