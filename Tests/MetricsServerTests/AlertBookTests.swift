import Foundation
import LookupCore
import MetricsEngine
import Testing
@testable import MetricsServer

/// What Alertmanager is told, as a pure function of the published snapshots.
@Suite("The alert book")
struct AlertBookTests {
    static let t0: Int64 = 1_794_000_000_000

    /// A snapshot after `seconds` of LHR lookups at `latencyMs` (no pending period, 5 samples).
    static func monitor() -> MetricsMonitor {
        var table = ThresholdTable()
        table.pendingSeconds = 0
        table.minimumSamples = 5
        return MetricsMonitor(thresholds: table)
    }

    static func feed(_ monitor: inout MetricsMonitor, latencyMs: Double, from: Int, to: Int) -> MetricsSnapshot {
        var last = monitor.tick(nowMillis: t0 + Int64(from) * 1_000)
        for second in from..<to {
            let now = t0 + Int64(second) * 1_000
            for _ in 0..<10 {
                monitor.record(MetricEvent(timestamp: now, colo: "LHR", latencyMs: latencyMs, cacheHit: true, customerFound: true, errorType: nil, cpuMs: 1), nowMillis: now)
            }
            last = monitor.tick(nowMillis: now)
        }
        return last
    }

    static func names(_ alerts: [AlertBook.Alert]) -> [String] {
        alerts.map { "\($0.labels["colo"] ?? "") \($0.labels["alertname"] ?? "") \($0.labels["severity"] ?? "")" + ($0.endsAt <= AlertBook.time(t0 + 60_000) ? " resolved" : "") }
    }

    @Test("WARN is a warning, ALERT a critical one; a change of severity resolves the old alert and fires the new; resolved ones are sent three times")
    func severities() {
        var monitor = Self.monitor()
        var book = AlertBook(instance: "test:1", noData: .off, holdMillis: 120_000)
        // 100 ms: past p95's target (80), under its alert level (300).
        let warn = Self.feed(&monitor, latencyMs: 100, from: 0, to: 5)
        let firstChange = book.take(warn, nowMillis: Self.t0 + 5_000)
        #expect(firstChange)
        let first = book.payload(nowMillis: Self.t0 + 5_000)
        #expect(Self.names(first).contains("LHR EdgewatchP95Latency warning") && !Self.names(first).contains("LHR EdgewatchP95Latency critical"))
        #expect(first.allSatisfy { $0.labels["instance"] == "test:1" && $0.endsAt == AlertBook.time(Self.t0 + 125_000) })
        // The same state again: nothing changed, nothing to send at once.
        let same = book.take(Self.feed(&monitor, latencyMs: 100, from: 5, to: 6), nowMillis: Self.t0 + 6_000)
        #expect(!same)
        // 900 ms for long enough: ALERT.
        let alert = Self.feed(&monitor, latencyMs: 900, from: 6, to: 40)
        let escalated = book.take(alert, nowMillis: Self.t0 + 40_000)
        #expect(escalated)
        // A send that failed counts for nothing: the resolved alert is still there.
        #expect(Self.names(book.payload(nowMillis: Self.t0 + 40_000)).contains("LHR EdgewatchP95Latency warning resolved"))
        for send in 0..<4 {
            let names = Self.names(book.payload(nowMillis: Self.t0 + 40_000 + Int64(send)))
            #expect(names.contains("LHR EdgewatchP95Latency critical"))
            #expect(names.contains("LHR EdgewatchP95Latency warning resolved") == (send < 3), "send \(send): \(names)")
            book.delivered()
        }
    }

    @Test("A colo the engine forgets while silent stays NO DATA; a row never heard from (ALL at start) does not page")
    func forgotten() {
        var monitor = Self.monitor()
        var book = AlertBook(instance: "test:1", noData: .critical)
        let start = monitor.tick(nowMillis: Self.t0)
        _ = book.take(start, nowMillis: Self.t0)
        #expect(book.payload(nowMillis: Self.t0).isEmpty, "nothing heard yet is not silence")
        _ = Self.feed(&monitor, latencyMs: 5, from: 0, to: 5)
        _ = book.take(monitor.tick(nowMillis: Self.t0 + 30_000), nowMillis: Self.t0 + 30_000)
        #expect(Self.names(book.payload(nowMillis: Self.t0 + 30_000)).contains("LHR EdgewatchNoData critical"))
        // Past the window and five minutes more, the engine forgets LHR: the alert holds.
        let later = monitor.tick(nowMillis: Self.t0 + 400_000)
        #expect(!later.colos.contains { $0.colo == "LHR" })
        _ = book.take(later, nowMillis: Self.t0 + 400_000)
        let names = Self.names(book.payload(nowMillis: Self.t0 + 400_000))
        #expect(names.contains("LHR EdgewatchNoData critical"), "\(names)")
    }

    @Test("Times are RFC 3339 in UTC with milliseconds, as Alertmanager's API takes them")
    func times() {
        #expect(AlertBook.time(1_794_000_000_123) == "2026-11-06T21:20:00.123Z")
        #expect(AlertBook.time(0) == "1970-01-01T00:00:00.000Z")
    }

    @Test("A silent colo is EdgewatchNoData at its own severity, or nothing when turned off")
    func noData() {
        for setting in AlertBook.NoData.allCases {
            var monitor = Self.monitor()
            var book = AlertBook(instance: "test:1", noData: setting)
            _ = Self.feed(&monitor, latencyMs: 5, from: 0, to: 5)
            let silent = monitor.tick(nowMillis: Self.t0 + 30_000)
            _ = book.take(silent, nowMillis: Self.t0 + 30_000)
            let names = Self.names(book.payload(nowMillis: Self.t0 + 30_000))
            if setting == .off {
                #expect(!names.contains { $0.contains("NoData") })
            } else {
                #expect(names.contains("LHR EdgewatchNoData \(setting.rawValue)"), "\(names)")
            }
        }
    }

    @Test("A quiet colo's silence does not page; the others' (and ALL's) still does")
    func quietColos() {
        var monitor = Self.monitor()
        _ = Self.feed(&monitor, latencyMs: 5, from: 0, to: 5)
        let silent = monitor.tick(nowMillis: Self.t0 + 30_000)
        for (quiet, expected) in [([], ["ALL", "LHR"]), (["LHR"], ["ALL"]), (["LHR", "ALL"], []), (["SYD"], ["ALL", "LHR"])] as [(Set<String>, [String])] {
            var book = AlertBook(instance: "test:1", noData: .warning, quietColos: quiet)
            _ = book.take(silent, nowMillis: Self.t0 + 30_000)
            let paged = book.payload(nowMillis: Self.t0 + 30_000).filter { $0.labels["alertname"] == "EdgewatchNoData" }.compactMap { $0.labels["colo"] }
            #expect(paged.sorted() == expected, "quiet \(quiet)")
        }
    }

    @Test("NO DATA held for forgotten colos is bounded: past as many as the engine keeps, the oldest are resolved")
    func forgottenBounded() throws {
        var monitor = Self.monitor()
        _ = Self.feed(&monitor, latencyMs: 5, from: 0, to: 5)
        let silent = monitor.tick(nowMillis: Self.t0 + 30_000)
        let row = try #require(silent.colos.first { $0.colo == "LHR" && $0.silent })
        var book = AlertBook(instance: "test:1", noData: .warning)
        let count = AlertBook.maximumForgotten + 10
        for index in 0..<count {
            // A new colo goes silent, and the engine has already forgotten every earlier one.
            var snapshot = silent
            var named = row
            named.figures.colo = "C\(index)"
            snapshot.colos = [named]
            _ = book.take(snapshot, nowMillis: Self.t0 + 30_000 + Int64(index))
        }
        var none = silent
        none.colos = []
        _ = book.take(none, nowMillis: Self.t0 + 40_000)
        let held = book.payload(nowMillis: Self.t0 + 40_000).filter { $0.labels["alertname"] == "EdgewatchNoData" && $0.labels["colo"] != "ALL" }
        let firing = held.filter { $0.endsAt > AlertBook.time(Self.t0 + 40_000) }.compactMap { $0.labels["colo"] }
        #expect(firing.count == AlertBook.maximumForgotten)
        #expect(!firing.contains("C0") && firing.contains("C\(count - 1)"), "the oldest go first")
        #expect(book.firing <= AlertBook.maximumForgotten + 1)
    }
}
