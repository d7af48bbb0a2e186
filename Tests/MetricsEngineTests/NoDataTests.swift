import Synchronization
import LookupCore
import Testing
@testable import MetricsEngine

/// Feeds `colo` `perSecond` events a second over `seconds` (start inclusive, end exclusive),
/// ticking once a second, and returns every snapshot by second.
@discardableResult
func feed(
    _ monitor: inout MetricsMonitor, colo: String = "LHR", perSecond: Int, seconds: Range<Int>, error: String? = nil, latency: Double = 10,
    others: [String] = []
) -> [Int: MetricsSnapshot] {
    var snapshots: [Int: MetricsSnapshot] = [:]
    for second in seconds {
        let now = t0 + Int64(second) * 1000
        for name in [colo] + others {
            for _ in 0..<perSecond { monitor.record(event(at: now, colo: name, latency: latency, hit: error == nil, found: error == nil, error: error), nowMillis: now) }
        }
        snapshots[second] = monitor.tick(nowMillis: now)
    }
    return snapshots
}

@Suite("No data is a state")
struct NoDataTests {
    @Test("A colo that stops is NO DATA for every metric after the no-data time, whatever it held; its row stays, silent, with when it was last heard")
    func silence() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<40, error: "crm_5xx", others: ["SIN"])
        #expect(monitor.state(colo: "LHR", metric: .crmErrorRate) == .alert)
        // LHR stops; SIN goes on. The no-data time is the pending period (10 s).
        let after = feed(&monitor, colo: "SIN", perSecond: 10, seconds: 40..<70)
        let still = try #require(after[49]?.colos.first { $0.colo == "LHR" })
        #expect(!still.silent && still.state(.crmErrorRate) == .alert, "10 s of silence is not yet NO DATA")
        let silent = try #require(after[51]?.colos.first { $0.colo == "LHR" })
        #expect(silent.silent)
        #expect(AlertMetric.allCases.allSatisfy { silent.state($0) == .noData })
        #expect(silent.shownWorst == .noData)
        #expect(silent.lastHeard == t0 + 39_000)
        // The change is logged once per metric, folded into one line.
        let changes = after.values.flatMap(\.newTransitions).filter { $0.colo == "LHR" }
        #expect(changes.count == AlertMetric.allCases.count && changes.allSatisfy { $0.to == .noData && $0.lastHeard == t0 + 39_000 })
        let lines = TextReport.describe(changes.sorted { $0.metric.rawValue < $1.metric.rawValue })
        #expect(lines.count == 1)
        #expect(lines[0].contains("LHR → NO DATA: no events since") && lines[0].contains("(was ") && lines[0].contains("ALERT crm_error_rate"), "\(lines)")
        // SIN is untouched, and ALL, still hearing SIN, is not NO DATA.
        #expect(after[69]?.colos.first { $0.colo == "SIN" }?.silent == false)
        #expect(after[69]?.all.silent == false)
    }

    @Test("One healthy event three minutes later is LOW DATA n=1, never the ALERT held before; the pending period applies from there")
    func comingBack() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<40, error: "crm_5xx")
        #expect(monitor.state(colo: "LHR", metric: .crmErrorRate) == .alert)
        let quiet = feed(&monitor, perSecond: 0, seconds: 40..<220)
        #expect(quiet[219]?.all.silent == true && quiet[219]?.all.state(.crmErrorRate) == .noData)
        let back = feed(&monitor, perSecond: 1, seconds: 220..<221)
        let row = try #require(back[220]?.colos.first { $0.colo == "LHR" })
        #expect(!row.silent)
        #expect(row.shownWorst == .lowData)
        #expect(row.state(.crmErrorRate) == .ok, "afresh: nothing held from before the silence")
        #expect(row.figures.requestRate.n == 1)
        let lines = TextReport.describe(back[220]!.newTransitions)
        #expect(lines.contains { $0.contains("LHR NO DATA → OK: events again") }, "\(lines)")
        // Bad again from here: WARN/ALERT only after a full pending period of enough samples.
        let bad = feed(&monitor, perSecond: 10, seconds: 221..<240, error: "crm_5xx")
        let alert = bad.values.flatMap(\.newTransitions).filter { $0.colo == "LHR" && $0.metric == .crmErrorRate && !$0.isPending }
        #expect(alert.map(\.to) == [.alert])
        #expect(alert.first.map { $0.time - (t0 + 221_000) >= 10_000 } == true)
    }

    @Test("With too few samples a state is neither raised nor cleared, and the row says LOW DATA, not the state held")
    func lowData() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<40, latency: 500)
        #expect(monitor.state(colo: "LHR", metric: .p95Latency) == .alert)
        // A trickle: healthy, but 1 event every 5 s stays under 20 samples in 60 s.
        var snapshot: MetricsSnapshot?
        for second in stride(from: 100, to: 200, by: 5) {
            let now = t0 + Int64(second) * 1000
            monitor.record(event(at: now, latency: 5), nowMillis: now)
            snapshot = monitor.tick(nowMillis: now)
        }
        let row = try #require(snapshot?.colos.first { $0.colo == "LHR" })
        #expect(!row.figures.p95LatencyMs.sufficient)
        #expect(row.shownWorst == .lowData)
        #expect(TextReport.stateSummary(row).contains("LOW DATA p95_latency (held ALERT, n="))
    }

    @Test("A silent colo goes after the window plus five minutes, with its trackers; it comes back as new")
    func retired() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<30, others: ["SIN"])
        let later = feed(&monitor, colo: "SIN", perSecond: 1, seconds: 30..<400)
        #expect(later[389]?.colos.contains { $0.colo == "LHR" } == true)
        #expect(later[390]?.colos.contains { $0.colo == "LHR" } == false)
        let gone = later[390]!.colosGone(since: later[389]!)
        #expect(gone.map(\.colo) == ["LHR"] && gone[0].silent)
        #expect(monitor.state(colo: "LHR", metric: .p95Latency) == .ok, "no tracker left")
    }

    @Test("An engine that has heard nothing shows ALL as NO DATA, with no change logged; the first events change nothing in the log")
    func empty() {
        var monitor = MetricsMonitor()
        let first = monitor.tick(nowMillis: t0)
        #expect(first.all.silent && first.all.shownWorst == .noData && first.colos.isEmpty && first.newTransitions.isEmpty)
        let snapshots = feed(&monitor, perSecond: 30, seconds: 1..<20)
        #expect(snapshots[19]?.all.shownWorst == .ok)
        #expect(snapshots.values.flatMap(\.newTransitions).isEmpty)
    }

    @Test("With a no-data time longer than the window, a silent colo is NO DATA before it goes")
    func longNoData() throws {
        var table = ThresholdTable()
        table.pendingSeconds = 600
        var monitor = MetricsMonitor(thresholds: table)
        feed(&monitor, perSecond: 10, seconds: 0..<20, others: ["SIN"])
        let later = feed(&monitor, colo: "SIN", perSecond: 1, seconds: 20..<1000)
        #expect(later[615]?.colos.first { $0.colo == "LHR" }?.silent == false)
        #expect(later[625]?.colos.first { $0.colo == "LHR" }?.silent == true)
        #expect(later.values.flatMap(\.newTransitions).contains { $0.colo == "LHR" && $0.to == .noData })
        // Gone only after the no-data time (the longer) and five minutes more.
        #expect(later[915]?.colos.contains { $0.colo == "LHR" } == true)
        #expect(later[925]?.colos.contains { $0.colo == "LHR" } == false)
    }

    @Test("A colo named ALL is filed as UNKNOWN: it never shares the ALL row's state")
    func reservedName() {
        var monitor = MetricsMonitor()
        let snapshots = feed(&monitor, colo: "all", perSecond: 10, seconds: 0..<30, error: "crm_5xx", others: ["SIN"])
        #expect(snapshots[29]?.colos.map(\.colo) == ["SIN", "UNKNOWN"])
        #expect(snapshots[29]?.all.figures.tally.requests == 600)
        let changes = snapshots.values.flatMap(\.newTransitions).filter { $0.colo == "ALL" && $0.metric == .crmErrorRate && !$0.isPending }
        #expect(changes.count == 1, "ALL evaluated once a tick: \(changes.map(\.to))")
    }

    @Test("The no-data time is configurable, and bounded where a thresholds file is read")
    func configurable() {
        var table = ThresholdTable()
        #expect(table.noDataAfterSeconds == 10)
        table.pendingSeconds = 2
        #expect(table.noDataAfterSeconds == 5, "at least 5 s by default")
        table.noDataSeconds = 120
        #expect(table.noDataAfterSeconds == 120 && table.problem == nil)
        table.noDataSeconds = 0
        #expect(table.problem?.contains("noDataSeconds") == true)
        var monitor = MetricsMonitor(thresholds: { var t = ThresholdTable(); t.noDataSeconds = 30; return t }())
        let snapshots = feed(&monitor, perSecond: 10, seconds: 0..<10)
        #expect(snapshots[9]?.noDataSeconds == 30)
        let quiet = feed(&monitor, perSecond: 0, seconds: 10..<45)
        #expect(quiet[39]?.colos.first?.silent == false)
        #expect(quiet[40]?.colos.first?.silent == true)
    }
}

@Suite("Rates over the time observed")
struct ObservedRateTests {
    @Test("A colo that has reported for 10 s at 10/s shows 10/s, not 10 × 10 / 60; n and the seconds are in its figures")
    func newColo() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, colo: "SIN", perSecond: 10, seconds: 0..<120)
        let snapshots = feed(&monitor, colo: "SIN", perSecond: 10, seconds: 120..<130, others: ["LHR"])
        let lhr = try #require(snapshots[129]?.colos.first { $0.colo == "LHR" })
        #expect(lhr.figures.observedSeconds == 10)
        #expect(lhr.figures.requestRate.value == 10)
        #expect(lhr.figures.requestRate.n == 100)
    }

    @Test("An instance back after three minutes at 10/s shows 10/s: the silence is time nobody saw")
    func back() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<60)
        feed(&monitor, perSecond: 0, seconds: 60..<240)
        let snapshots = feed(&monitor, perSecond: 10, seconds: 240..<250)
        let row = try #require(snapshots[249]?.colos.first)
        #expect(row.figures.observedSeconds == 10)
        #expect(row.figures.requestRate.value == 10)
    }

    @Test("A gap inside the window is left out of the time the rate divides by")
    func gapInWindow() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<100)
        feed(&monitor, perSecond: 0, seconds: 100..<130)  // 30 s of silence, over the 10 s no-data time
        let snapshots = feed(&monitor, perSecond: 10, seconds: 130..<150)
        let row = try #require(snapshots[149]?.colos.first)
        // Window 90...149: 10 s heard before the gap, 30 s gap, 20 s after.
        #expect(row.figures.observedSeconds == 30)
        #expect(row.figures.requestRate.value == 10)
    }

    @Test("A short quiet stretch (under the no-data time) is observed quiet: it counts")
    func quiet() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<100)
        feed(&monitor, perSecond: 0, seconds: 100..<105)
        let snapshots = feed(&monitor, perSecond: 10, seconds: 105..<160)
        let row = try #require(snapshots[159]?.colos.first)
        #expect(row.figures.observedSeconds == 60)
        #expect(row.figures.requestRate.value.map { abs($0 - 550.0 / 60) < 0.001 } == true)
    }

    @Test("A backlog sent after a network cut fills the seconds it covers: the rate is not inflated, though NO DATA showed meanwhile")
    func backlog() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 10, seconds: 0..<100)
        // 30 s with nothing arriving: NO DATA, as it should be while nothing comes.
        var silent: MetricsSnapshot?
        for second in 100..<130 { silent = monitor.tick(nowMillis: t0 + Int64(second) * 1000) }
        #expect(silent?.colos.first?.silent == true)
        // Then the reporter's backlog for those 30 s, and live events again.
        let now = t0 + 130_000
        let backlog = (100..<130).flatMap { second in (0..<10).map { _ in event(at: t0 + Int64(second) * 1000) } }
        monitor.record(contentsOf: backlog, nowMillis: now)
        let snapshots = feed(&monitor, perSecond: 10, seconds: 130..<140)
        let row = try #require(snapshots[139]?.colos.first)
        #expect(row.figures.observedSeconds == 60)
        #expect(row.figures.requestRate.value == 10)
    }

    @Test("A batch of older events posted at once counts over the seconds it spans")
    func backfill() throws {
        var monitor = MetricsMonitor()
        let now = t0 + 59_000
        let batch = (0..<60).flatMap { second in (0..<5).map { _ in event(at: t0 + Int64(second) * 1000) } }
        monitor.record(contentsOf: batch, nowMillis: now)
        let row = try #require(monitor.tick(nowMillis: now).colos.first)
        #expect(row.figures.observedSeconds == 60)
        #expect(row.figures.requestRate.value == 5)
    }
}

@Suite("Pending and recovering")
struct PendingTests {
    @Test("A value past a level is pending: logged when it starts, due a pending period later, and the state held stays until then")
    func pending() throws {
        var monitor = MetricsMonitor()
        feed(&monitor, perSecond: 30, seconds: 0..<30, latency: 5)
        let snapshots = feed(&monitor, perSecond: 30, seconds: 30..<45, latency: 150)
        // p50 and p95 both cross their targets (and p50 its alert level).
        let row = try #require(snapshots[35]?.colos.first)
        let p95 = try #require(row.pending(.p95Latency))
        #expect(row.state(.p95Latency) == .ok && p95.to == .warn)
        #expect(p95.due == p95.since + 10_000)
        let started = snapshots.values.flatMap(\.newTransitions).filter { $0.colo == "LHR" && $0.metric == .p95Latency && $0.isPending }
        #expect(started.count == 1 && started[0].to == .warn)
        #expect(TextReport.describe(started[0]).contains("LHR p95_latency OK → WARN pending (value"))
        let changed = snapshots.values.flatMap(\.newTransitions).filter { $0.colo == "LHR" && $0.metric == .p95Latency && !$0.isPending }
        #expect(changed.map(\.time) == [p95.due])
        #expect(snapshots[44]?.colos.first?.pending(.p95Latency) == nil)
    }

    @Test("Pending says the next change there will be: WARN first when the value pointed there earlier, then ALERT")
    func nextChange() {
        let table = ThresholdTable()
        var tracker = AlertTracker()
        func at(_ second: Int, _ value: Double) -> [AlertTransition] {
            tracker.evaluate(Figure(value: value, n: 100, minimum: 20), metric: .p95Latency, table: table, colo: "LHR", nowMillis: Int64(second) * 1000)
        }
        _ = at(0, 100)
        _ = at(5, 400)
        let waiting = tracker.pending(pendingSeconds: 10)
        #expect(waiting?.to == .warn && waiting?.due == 10_000)
        var changes: [AlertTransition] = []
        for second in 6...30 { changes += at(second, 400).filter { !$0.isPending } }
        #expect(changes.map(\.to) == [.warn, .alert])
        #expect(changes.map(\.time) == [10_000, 20_000])
    }

    @Test("A value swinging across a level logs a pending start at most once a pending period per state")
    func pendingSpacing() {
        let table = ThresholdTable()
        var tracker = AlertTracker()
        var pending: [AlertTransition] = []
        for second in 0..<120 {
            // Above the alert level every other second: never held for the period, ever re-pointing.
            let value = second % 2 == 0 ? 400.0 : 200.0
            pending += tracker.evaluate(Figure(value: value, n: 100, minimum: 20), metric: .p95Latency, table: table, colo: "LHR",
                                        nowMillis: Int64(second) * 1000).filter(\.isPending)
        }
        let toAlert = pending.filter { $0.to == .alert }.map(\.time)
        #expect(!toAlert.isEmpty)
        for (a, b) in zip(toAlert, toAlert.dropFirst()) { #expect(b - a >= 10_000) }
        #expect(toAlert.count <= 12)
    }

    @Test("Back inside the target but not past the margin: no pending, the state held, and the level says so")
    func hysteresis() {
        let table = ThresholdTable()
        #expect(table.level(of: 65, for: .cacheHitRate) == .ok)
        #expect(table.exitLevel(for: .cacheHitRate, leaving: .warn) == 66)
        #expect(table.level(of: 32.1, for: .cacheHitRate) == .warn)
        #expect(table.exitLevel(for: .cacheHitRate, leaving: .alert) == 33)
        #expect(table.level(of: 29.5, for: .cacheHitRate) == .alert)
        #expect(table.level(of: 191.5, for: .p95Latency) == .warn)
        var tracker = AlertTracker()
        for second in 0...10 { _ = tracker.evaluate(Figure(value: 50, n: 100, minimum: 20), metric: .cacheHitRate, table: table, colo: "LHR", nowMillis: Int64(second) * 1000) }
        #expect(tracker.state == .warn)
        _ = tracker.evaluate(Figure(value: 65, n: 100, minimum: 20), metric: .cacheHitRate, table: table, colo: "LHR", nowMillis: 30_000)
        #expect(tracker.state == .warn && tracker.pending(pendingSeconds: 10) == nil)
        _ = tracker.evaluate(Figure(value: 70, n: 100, minimum: 20), metric: .cacheHitRate, table: table, colo: "LHR", nowMillis: 31_000)
        #expect(tracker.pending(pendingSeconds: 10)?.to == .ok)
    }
}

@Suite("One owner for time")
struct OneTickerTests {
    /// A virtual clock for a ``LiveMonitor``.
    final class Clock: Sendable {
        let millis = Atomic<Int64>(t0)
        var now: Int64 { millis.load(ordering: .relaxed) }
    }

    @Test("Two readers at different rates see the same changes at the same times; reading changes nothing")
    func readers() {
        func run(reads: Bool) -> (fast: [AlertTransition], slow: [AlertTransition]) {
            let clock = Clock()
            let live = LiveMonitor(monitor: MetricsMonitor(windowSeconds: 10), now: { clock.now })
            var fast: [AlertTransition] = [], slow: [AlertTransition] = []
            var fastSeen = 0, slowSeen = 0
            for quarter in 0..<(4 * 120) {
                clock.millis.store(t0 + Int64(quarter) * 250, ordering: .relaxed)
                let second = quarter / 4
                if quarter % 4 == 0 {
                    let bad = (20..<50).contains(second) || (80..<95).contains(second)
                    live.record(contentsOf: (0..<10).map { _ in event(at: clock.now, hit: !bad, found: !bad, error: bad ? "crm_5xx" : nil) })
                }
                let published = live.tick()  // the one ticker, four times a second
                guard reads else { continue }
                // Reads between ticks, at other clock times, change nothing that was published.
                clock.millis.store(t0 + Int64(quarter) * 250 + 125, ordering: .relaxed)
                let between = live.snapshot
                #expect(between.generatedAt == published.generatedAt && between.transitionCount == published.transitionCount)
                // Reader one: every quarter; reader two: every 7th, and it reads twice in a row.
                let a = live.snapshot
                fast += a.transitions(after: fastSeen)
                fastSeen = a.transitionCount
                if quarter % 7 == 0 {
                    _ = live.snapshot
                    let b = live.snapshot
                    slow += b.transitions(after: slowSeen)
                    slowSeen = b.transitionCount
                }
            }
            let last = live.snapshot
            slow += last.transitions(after: slowSeen)
            if !reads { fast = last.recentTransitions.reversed() }
            return (fast, slow)
        }
        let read = run(reads: true)
        #expect(!read.fast.isEmpty && read.fast.contains { $0.to == .alert } && read.fast.contains { $0.from == .alert })
        #expect(read.fast == read.slow)
        #expect(read.fast == run(reads: false).fast, "reading does not move state")
    }
}
