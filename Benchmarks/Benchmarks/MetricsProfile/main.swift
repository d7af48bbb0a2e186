// A plain loop over the metrics engine's hot paths, for timing and for `perf record` (no benchmark
// harness in the way). Two shapes: the everyday one (30 colos, the last minute) and the
// widest the engine takes (64 colos, a 15-minute window, every second of it holding events).
// Usage: swift build -c release --product MetricsProfile && taskset -c 1 .build/release/MetricsProfile
// Targets: recording at least 5M events a second, a 64-colo 15-minute snapshot within 5 ms.
import Foundation
import LookupCore
import MetricsEngine

let start: Int64 = 1_794_000_000_000

func colos(_ count: Int) -> [String] {
    (0..<count).map { index in
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars)
        return String(String.UnicodeScalarView([letters[index / 26 % 26], letters[index % 26], "X"]))
    }
}

func event(_ i: Int, second: Int64, colos: [String]) -> MetricEvent {
    let error: String? = i % 97 == 0 ? "crm_5xx" : nil
    return MetricEvent(timestamp: start + second * 1000, colo: colos[i % colos.count], latencyMs: Double(i % 200) + 0.5,
                       cacheHit: i % 4 != 0, customerFound: i % 5 != 0, errorType: error, cpuMs: 0.8)
}

/// Times recording and snapshots for `colos` colos over a `window`-second window.
func measure(colos count: Int, window: Int, perSecond: Int) {
    let names = colos(count)
    let clock = ContinuousClock()
    var monitor = MetricsMonitor(windowSeconds: window)
    // Fill the whole window: `perSecond` events each second, every colo in each.
    for second in 0..<Int64(window) {
        for i in 0..<perSecond { monitor.record(event(i, second: second, colos: names), nowMillis: start + second * 1000) }
    }
    let now = start + Int64(window - 1) * 1000
    let events = (0..<30_000).map { event($0, second: Int64(window - 1) - Int64($0 % 60), colos: names) }
    let recordStart = clock.now
    for _ in 0..<100 {
        for event in events { monitor.record(event, nowMillis: now) }
    }
    let perEvent = (clock.now - recordStart) / 3_000_000
    // As the event pump feeds it: batches (here 1,000 events), each from one reporter, so one colo
    // and a second or two (a lookup server's own events are all of its colo).
    let batches = (0..<count).map { colo in
        (0..<1_000).map { event(colo + $0 * count, second: Int64(window - 1) - Int64($0 / 500), colos: names) }
    }
    let batchStart = clock.now
    for _ in 0..<50 {
        for batch in batches { monitor.record(contentsOf: batch, nowMillis: now) }
    }
    let perBatchedEvent = (clock.now - batchStart) / (50 * 1_000 * count)
    // Snapshots as live: new events in every colo since the last tick. Within a second the cached
    // merge of the rest of the window is reused; the first tick of each second rebuilds it (the
    // range has moved, the oldest second has left), so both are timed.
    var ticks = 0
    let rounds = Int(CommandLine.arguments.dropFirst().first ?? "100") ?? 100
    let tickStart = clock.now
    for round in 0..<rounds {
        for colo in 0..<count { monitor.record(event(colo + round * count, second: Int64(window - 1), colos: names), nowMillis: now + 999) }
        ticks += monitor.tick(nowMillis: now + 999).colos.count
    }
    let perTick = (clock.now - tickStart) / rounds
    let newSecondStart = clock.now
    for round in 1...rounds {
        let second = Int64(window - 1 + round)
        for colo in 0..<count { monitor.record(event(colo + round * count, second: second, colos: names), nowMillis: start + second * 1000) }
        ticks += monitor.tick(nowMillis: start + second * 1000 + 1).colos.count
    }
    let perNewSecond = (clock.now - newSecondStart) / rounds
    func rate(_ each: Duration) -> String {
        let nanos = Double(each.components.attoseconds) / 1e9
        return String(format: "%.0f ns an event, %.1fM a second", nanos, 1e3 / nanos)
    }
    func ms(_ time: Duration) -> String { String(format: "%.2f ms", Double(time.components.attoseconds) / 1e15) }
    print("\(count) colos, \(window) s window: record one at a time \(rate(perEvent)); in the pump's batches \(rate(perBatchedEvent)); "
          + "snapshot of \(ticks / rounds / 2) rows \(ms(perTick)) within a second, \(ms(perNewSecond)) on a new second")
}

if CommandLine.arguments.count < 2 { measure(colos: 30, window: 60, perSecond: 600) }
measure(colos: 64, window: 900, perSecond: 640)
