// A plain loop over the metrics engine's hot paths, for `perf record` (no benchmark harness in
// the way). Usage: swift build -c release --product MetricsProfile && perf record .build/release/MetricsProfile
import LookupCore
import MetricsEngine

let start: Int64 = 1_794_000_000_000
let colos = (0..<30).map { "C" + String(100 + $0).dropFirst() }
func event(_ i: Int) -> MetricEvent {
    let second = Int64(i % 60)
    let error: String? = i % 97 == 0 ? "crm_5xx" : nil
    return MetricEvent(timestamp: start + second * 1000, colo: colos[i % colos.count], latencyMs: Double(i % 200) + 0.5,
                       cacheHit: i % 4 != 0, customerFound: i % 5 != 0, errorType: error, cpuMs: 0.8)
}
let events = (0..<30_000).map(event)
var monitor = MetricsMonitor()
let clock = ContinuousClock()
let recordStart = clock.now
for _ in 0..<100 {
    for event in events { monitor.record(event, nowMillis: start + 59_000) }
}
let recordTime = clock.now - recordStart
var ticks = 0
let tickStart = clock.now
for round in 0..<200 {
    // As live: new events in every colo since the last tick, so the newest block is recomputed.
    for colo in 0..<30 { monitor.record(event(59 * 30 + colo + round * 30 * 60), nowMillis: start + 59_999) }
    ticks += monitor.tick(nowMillis: start + 59_999).colos.count
}
let tickTime = clock.now - tickStart
print("record: \(recordTime / 3_000_000) per event; tick: \(tickTime / 200) per snapshot of \(ticks / 200) colos")
