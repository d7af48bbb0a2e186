import LookupCore
import Testing
@testable import MetricsEngine

/// A viewer's shorter window: figures over its seconds, states as judged over the monitor's.
@Suite("A viewer's window")
struct ViewTests {
    static let t0: Int64 = 1_794_000_000_000

    /// 60 s of LHR: slow for the first 40 s, fast for the last 20.
    static func monitors(window: Int) -> (MetricsMonitor, MetricsSnapshot) {
        var monitor = MetricsMonitor(windowSeconds: window)
        var last: MetricsSnapshot?
        for second in 0..<60 {
            let now = t0 + Int64(second) * 1000
            for _ in 0..<5 {
                monitor.record(MetricEvent(timestamp: now, colo: "LHR", latencyMs: second < 40 ? 500 : 5, cacheHit: true,
                                           customerFound: true, errorType: nil, cpuMs: 1), nowMillis: now)
            }
            last = monitor.tick(nowMillis: now)
        }
        return (monitor, last!)
    }

    @Test("The figures are those of a monitor with the shorter window; the states, pending marks and log stay the monitor's")
    func view() throws {
        let (monitor, judged) = Self.monitors(window: 60)
        let (_, short) = Self.monitors(window: 10)
        let view = monitor.view(seconds: 10, judged: judged)
        #expect(view.windowSeconds == 10 && view.alertWindowSeconds == 60)
        #expect(view.colos.map(\.figures) == short.colos.map(\.figures))
        #expect(view.all.figures == short.all.figures)
        #expect(view.colos.map(\.states) == judged.colos.map(\.states))
        #expect(view.colos.map(\.pending) == judged.colos.map(\.pending))
        #expect(view.recentTransitions == judged.recentTransitions && view.generatedAt == judged.generatedAt)
        // The p95 differs: the window still holds the slow seconds, the view does not.
        #expect(try #require(judged.all.figures.p95LatencyMs.value) > 100)
        #expect(try #require(view.all.figures.p95LatencyMs.value) < 10)
        #expect(monitor.view(seconds: 60, judged: judged) == judged)
        #expect(monitor.view(seconds: 900, judged: judged) == judged)
    }

    @Test("The history holds ALL's window figures a second at a time, at most 900")
    func history() {
        var monitor = MetricsMonitor(windowSeconds: 10)
        for second in 0..<1_000 {
            let now = Self.t0 + Int64(second) * 1000
            monitor.record(MetricEvent(timestamp: now, colo: "LHR", latencyMs: 5, cacheHit: true, customerFound: true, errorType: nil, cpuMs: 1), nowMillis: now)
            _ = monitor.tick(nowMillis: now)
            _ = monitor.tick(nowMillis: now + 500)
        }
        #expect(monitor.history.count == MetricsMonitor.historySeconds)
        #expect(monitor.history.last?.time == Self.t0 + 999_000)
        #expect(monitor.history.first?.time == Self.t0 + 100_000)
    }
}
