import LookupCore
import Testing
@testable import MetricsEngine

@Suite("Alert state machine")
struct AlertTests {
    let table = ThresholdTable()

    func figure(_ value: Double, n: Int = 100) -> Figure { Figure(value: value, n: n, minimum: 20) }

    /// Feeds `value` once a second from `from` to `to` seconds and returns the transitions.
    func run(_ tracker: inout AlertTracker, metric: AlertMetric, value: Double, seconds: ClosedRange<Int>, n: Int = 100) -> [AlertTransition] {
        seconds.compactMap {
            tracker.change(figure(value, n: n), metric: metric, table: table, colo: "LHR", nowMillis: Int64($0) * 1000)
        }
    }

    @Test("Every change waits out the pending period: WARN 10 s after the target is missed, ALERT 10 s after the alert level")
    func pending() {
        var tracker = AlertTracker()
        #expect(run(&tracker, metric: .p95Latency, value: 120, seconds: 0...9).isEmpty)
        let warn = run(&tracker, metric: .p95Latency, value: 120, seconds: 10...10)
        #expect(warn.map(\.to) == [.warn])
        #expect(warn.first?.threshold == 80)
        // The alert level crossed at 6 s would have been too early; from 11 s it holds for 10.
        let alert = run(&tracker, metric: .p95Latency, value: 400, seconds: 11...40)
        #expect(alert.count == 1)
        #expect(alert.first?.to == .alert)
        #expect(alert.first?.time == 21_000)
        #expect(alert.first?.threshold == 300)
        #expect(alert.first?.value == 400)
        #expect(alert.first?.from == .warn)
    }

    @Test("A breach shorter than the pending period never alerts")
    func blip() {
        var tracker = AlertTracker()
        _ = run(&tracker, metric: .p95Latency, value: 400, seconds: 0...8)
        _ = run(&tracker, metric: .p95Latency, value: 100, seconds: 9...9)
        let changes = run(&tracker, metric: .p95Latency, value: 400, seconds: 10...18)
        #expect(tracker.state == .warn)
        #expect(changes.allSatisfy { $0.to != .alert })
    }

    @Test("Clearing needs the hysteresis margin held for the pending period")
    func hysteresis() {
        var tracker = AlertTracker()
        _ = run(&tracker, metric: .crmErrorRate, value: 20, seconds: 0...10)
        #expect(tracker.state == .alert)
        // 4.8 % is under the 5 % alert level but not under the 4.5 % recovery level: stays ALERT.
        #expect(run(&tracker, metric: .crmErrorRate, value: 4.8, seconds: 11...60).isEmpty)
        let cleared = run(&tracker, metric: .crmErrorRate, value: 0.5, seconds: 61...80)
        #expect(cleared.map(\.to) == [.ok])
        #expect(cleared.first?.time == 71_000)
        // Straight to OK: the level it had to beat to be OK is the target's exit, 0.9 %.
        #expect(cleared.first.map { abs($0.threshold - 0.9) < 1e-9 } == true)
    }

    @Test("Higher-is-better metrics (cache hit rate) alert when low and clear above alert + 10 %")
    func hitRate() {
        var tracker = AlertTracker()
        let down = run(&tracker, metric: .cacheHitRate, value: 10, seconds: 0...10)
        // Past the alert level from the start: straight to ALERT, one line.
        #expect(down.map(\.to) == [.alert])
        #expect(run(&tracker, metric: .cacheHitRate, value: 32, seconds: 11...40).isEmpty)
        let up = run(&tracker, metric: .cacheHitRate, value: 40, seconds: 41...60)
        #expect(up.map(\.to) == [.warn])
        let healthy = run(&tracker, metric: .cacheHitRate, value: 75, seconds: 61...71)
        #expect(healthy.map(\.to) == [.ok])
        #expect(healthy.first?.time == 71_000)
    }

    @Test("Insufficient data holds the state and restarts the timers")
    func insufficientData() {
        var tracker = AlertTracker()
        _ = run(&tracker, metric: .p50Latency, value: 500, seconds: 0...8)
        _ = run(&tracker, metric: .p50Latency, value: 500, seconds: 9...20, n: 5)
        #expect(tracker.state == .ok)
        let changes = run(&tracker, metric: .p50Latency, value: 500, seconds: 21...31)
        #expect(changes.map(\.time) == [31_000])
    }

    @Test("A thresholds file overrides some keys and keeps the rest; bad tables are refused")
    func configFile() throws {
        let json = #"{"p95_latency": {"target": 50, "alert": 150}, "pendingSeconds": 3}"#
        let url = FileManagerTemp.write(json)
        let loaded = try ThresholdTable.load(contentsOf: url)
        #expect(loaded.p95Latency == Threshold(target: 50, alert: 150))
        #expect(loaded.p50Latency == Threshold(target: 30, alert: 100))
        #expect(loaded.pendingSeconds == 3)
        let bad = FileManagerTemp.write(#"{"cache_hit_rate": {"target": 30, "alert": 60}}"#)
        #expect(throws: ThresholdFileError.self) { try ThresholdTable.load(contentsOf: bad) }
        let garbage = FileManagerTemp.write("{nope")
        #expect(throws: ThresholdFileError.self) { try ThresholdTable.load(contentsOf: garbage) }
    }

    @Test("Thresholds files with numbers past any sane range are refused, naming the key",
          arguments: [
            (#"{"pendingSeconds": 9223372036854775807}"#, "pendingSeconds"),
            (#"{"pendingSeconds": 3601}"#, "pendingSeconds"),
            (#"{"p95_latency": {"target": 80, "alert": 1e19}}"#, "p95_latency"),
            (#"{"p50_latency": {"target": -1e19, "alert": 100}}"#, "p50_latency"),
            (#"{"cache_hit_rate": {"target": 160, "alert": 30}}"#, "cache_hit_rate"),
            (#"{"minimumSamples": 0}"#, "minimumSamples"),
            (#"{"minimumSamples": 99999999999}"#, "minimumSamples"),
          ])
    func thresholdBounds(json: String, key: String) {
        let url = FileManagerTemp.write(json)
        #expect {
            try ThresholdTable.load(contentsOf: url)
        } throws: { error in
            (error as? ThresholdFileError)?.description.contains(key) == true
        }
    }

    @Test("More changes than the log keeps: the newest are kept, the rest counted, a late reader told how many it missed")
    func transitionLogOverflow() throws {
        let size = 20
        var monitor = MetricsMonitor(windowSeconds: 10, transitionLogSize: size)
        // 64 colos whose CRM starts failing at second 5: well over 20 changes.
        var latest: MetricsSnapshot?
        for second in 0..<30 {
            let now = t0 + Int64(second) * 1000
            for colo in 0..<64 {
                for _ in 0..<25 {
                    monitor.record(event(at: now, colo: "C\(colo)", hit: false, error: second < 5 ? nil : "crm_5xx"), nowMillis: now)
                }
            }
            latest = monitor.tick(nowMillis: now)
        }
        let snapshot = try #require(latest)
        #expect(snapshot.transitionCount > size)
        #expect(snapshot.recentTransitions.count == size)
        #expect(snapshot.transitionsDropped == snapshot.transitionCount - size)
        #expect(snapshot.missedTransitions(after: 0) == snapshot.transitionsDropped)
        #expect(snapshot.transitions(after: 0).count == size)
        #expect(snapshot.missedTransitions(after: snapshot.transitionCount - 5) == 0)
        #expect(snapshot.transitions(after: snapshot.transitionCount - 5).count == 5)
    }

    @Test("Two changes never come within a pending period: WARN at 10 s, ALERT no sooner than 20 s, and back the same way")
    func spacing() {
        var tracker = AlertTracker()
        var changes = run(&tracker, metric: .p95Latency, value: 200, seconds: 0...0)
        changes += run(&tracker, metric: .p95Latency, value: 400, seconds: 1...40)
        #expect(changes.map(\.to) == [.warn, .alert])
        #expect(changes.map(\.time) == [10_000, 20_000])
        let back = run(&tracker, metric: .p95Latency, value: 250, seconds: 41...41) + run(&tracker, metric: .p95Latency, value: 10, seconds: 42...80)
        // Better than ALERT from 41 s and better than WARN from 42 s: WARN at 51 s, OK a period later.
        #expect(back.map(\.to) == [.warn, .ok])
        #expect(back.map(\.time) == [51_000, 61_000])
    }

    @Test("A high hit-rate target still has an exit a real value can reach")
    func highTarget() {
        var table = ThresholdTable()
        table.cacheHitRate = Threshold(target: 95, alert: 50)
        var tracker = AlertTracker()
        for second in 0...10 { _ = tracker.change(figure(90), metric: .cacheHitRate, table: table, colo: "LHR", nowMillis: Int64(second) * 1000) }
        #expect(tracker.state == .warn)
        var changes: [AlertTransition] = []
        for second in 11...30 {
            if let change = tracker.change(figure(99), metric: .cacheHitRate, table: table, colo: "LHR", nowMillis: Int64(second) * 1000) { changes.append(change) }
        }
        #expect(changes.map(\.to) == [.ok])
        #expect(changes.first.map { $0.threshold <= 100 } == true)
    }

    @Test("A value swinging between the WARN and ALERT levels reaches WARN and stays there")
    func swinging() {
        var tracker = AlertTracker()
        var changes: [AlertTransition] = []
        for second in 0...60 {
            changes += run(&tracker, metric: .p95Latency, value: second / 5 % 2 == 0 ? 200 : 400, seconds: second...second)
        }
        #expect(changes.map(\.to) == [.warn])
    }

    @Test("Property: a value oscillating around any level changes state at most once per pending period", arguments: [
        (AlertMetric.cacheHitRate, 60.0), (.cacheHitRate, 30.0), (.p95Latency, 80.0), (.p95Latency, 300.0), (.crmErrorRate, 1.0), (.crmErrorRate, 5.0),
    ])
    func flapping(metric: AlertMetric, level: Double) {
        var rng = SplitMix64(seed: UInt64(level * 10) &+ UInt64(metric.rawValue.count))
        for pendingSeconds in [1, 3, 10] {
            var table = ThresholdTable()
            table.pendingSeconds = pendingSeconds
            var tracker = AlertTracker()
            var times: [Int64] = []
            var visited: [AlertState] = [.ok]
            for second in 0..<2_000 {
                // Within ±1 % of the level, the way a hit rate sits at 59.7–60.3 % against 60 %.
                let value = level * Double.random(in: 0.99...1.01, using: &rng)
                let now = Int64(second) * 1000
                if let change = tracker.change(figure(value), metric: metric, table: table, colo: "GRU", nowMillis: now) {
                    times.append(change.time)
                    visited.append(change.to)
                }
            }
            for (earlier, later) in zip(times, times.dropFirst()) {
                #expect(later - earlier >= Int64(pendingSeconds) * 1000, "\(metric) at \(level), pending \(pendingSeconds)s: changes at \(earlier) and \(later)")
            }
            // With the 10 % margin a value within 1 % of a level settles: it never goes back to a
            // state it left (the flapping the event log used to show).
            #expect(Set(visited).count == visited.count, "\(metric) at \(level): \(visited.map(\.rawValue))")
        }
    }

    @Test("The monitor emits each state change once, with colo, metric, value, threshold and states")
    func monitor() {
        var monitor = MetricsMonitor(windowSeconds: 10)
        var changes: [AlertTransition] = []
        for second in 0..<40 {
            let now = t0 + Int64(second) * 1000
            let error: String? = second >= 5 ? "crm_5xx" : nil
            for _ in 0..<30 { monitor.record(event(at: now, hit: false, found: error == nil, error: error), nowMillis: now) }
            changes += monitor.tick(nowMillis: now).newTransitions
        }
        let lhr = changes.filter { $0.colo == "LHR" && $0.metric == .crmErrorRate }
        // Pending from the first second past the alert level, ALERT a pending period later.
        #expect(lhr.map(\.to) == [.alert, .alert])
        #expect(lhr.map(\.isPending) == [true, false])
        #expect(lhr.map(\.time) == [t0 + 5_000, t0 + 15_000])
        #expect(changes.contains { $0.colo == "ALL" && $0.metric == .crmErrorRate && $0.to == .alert })
        #expect(monitor.state(colo: "LHR", metric: .crmErrorRate) == .alert)
        #expect(monitor.transitions.first == changes.last)
        // A reader that saw only the first change can recover the rest, oldest first.
        let latest = monitor.tick(nowMillis: t0 + 40_000)
        #expect(latest.transitions(after: 1) == Array(changes.dropFirst()))
        #expect(latest.transitions(after: latest.transitionCount).isEmpty)
    }
}

import Foundation
enum FileManagerTemp {
    static func write(_ text: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-\(UUID().uuidString).json")
        try! text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

extension AlertTracker {
    /// The change ``evaluate(_:metric:table:colo:nowMillis:)`` made, if any (pending starts left out).
    mutating func change(_ figure: Figure, metric: AlertMetric, table: ThresholdTable, colo: String, nowMillis: Int64) -> AlertTransition? {
        evaluate(figure, metric: metric, table: table, colo: colo, nowMillis: nowMillis).first { !$0.isPending }
    }
}
