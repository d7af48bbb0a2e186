import LookupCore
import MetricsEngine
@testable import Console

let t0: Int64 = 1_794_000_000_000

/// A snapshot after `seconds` of traffic: `perSecond` events per colo per second.
func snapshot(
    colos: [String] = ["LHR", "SIN", "FRA"], seconds: Int = 30, perSecond: Int = 2,
    latency: (String) -> Double = { _ in 12 }, error: (String, Int) -> String? = { _, _ in nil },
    hit: Bool = true
) -> MetricsSnapshot {
    var monitor = MetricsMonitor()
    var last: MetricsSnapshot?
    for second in 0..<seconds {
        let now = t0 + Int64(second) * 1000
        for colo in colos {
            for _ in 0..<perSecond {
                let failure = error(colo, second)
                monitor.record(MetricEvent(timestamp: now, colo: colo, latencyMs: latency(colo), cacheHit: hit && failure == nil,
                                           customerFound: failure == nil, errorType: failure, cpuMs: 1.2), nowMillis: now)
            }
        }
        last = monitor.tick(nowMillis: now)
    }
    return last!
}

func state(_ snapshot: MetricsSnapshot?, mode: Mode = .live) -> DashboardState {
    var state = DashboardState(mode: mode)
    state.port = 8787
    if let snapshot { state.apply(snapshot) }
    return state
}
