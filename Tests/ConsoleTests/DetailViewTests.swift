import LookupCore
import MetricsEngine
import Testing
@testable import Console

/// SIN slow and failing from second 20 on, LHR healthy; the snapshot and SIN's detail at the end.
private func sinStory(window: Int = 60) -> (MetricsSnapshot, MetricsMonitor) {
    var monitor = MetricsMonitor(windowSeconds: window)
    var last: MetricsSnapshot?
    for second in 0..<40 {
        let now = t0 + Int64(second) * 1000
        for index in 0..<4 {
            let sick = second >= 20
            monitor.record(MetricEvent(timestamp: now, colo: "SIN", latencyMs: sick ? 900 + Double(index) : 3, cacheHit: !sick && index > 0,
                                       customerFound: !sick, errorType: sick ? (index == 0 ? "crm_5xx" : "crm_timeout") : nil, cpuMs: 1.5),
                           nowMillis: now)
            monitor.record(MetricEvent(timestamp: now, colo: "LHR", latencyMs: 0.4, cacheHit: true, customerFound: true, cpuMs: 0.2), nowMillis: now)
        }
        last = monitor.tick(nowMillis: now)
    }
    return (last!, monitor)
}

private func opened(_ colo: String, window: Int = 60) -> DashboardState {
    var (snapshot, monitor) = sinStory(window: window)
    var dashboard = state(snapshot)
    for _ in 0..<8 where dashboard.selected != colo { _ = dashboard.handle(.character("j")) }
    #expect(dashboard.handle(.enter).isEmpty)
    #expect(dashboard.detailColo == colo && dashboard.needsDetail)
    dashboard.apply(detail: monitor.detail(colo: colo, nowMillis: snapshot.generatedAt))
    dashboard.cacheEntries = ["SIN": 321, "LHR": 5]
    dashboard.cacheSplits = ["SIN": KVSplit(ownHits: 75, replicatedHits: 25, awaitingReplication: 4)]
    return dashboard
}

@Suite("Detail view")
struct DetailViewTests {
    @Test("At 80×24 and 120×40 a colo up close shows every part, nothing cut", arguments: [(80, 24), (120, 40)])
    func layout(width: Int, height: Int) throws {
        let dashboard = opened("SIN")
        let buffer = DashboardView.render(dashboard, width: width, height: height)
        let text = buffer.text
        #expect(buffer.lines.count == height && buffer.lines.allSatisfy { $0.count == width })
        #expect(buffer.lines[2].contains("SIN ALERT · window 60s by 1 s"))
        for label in ["p50 ms", "p95 ms", "p99 ms", "hit %", "stale %", "CRM err %"] {
            let row = try #require(buffer.row(containing: label), "\(label)")
            // One column a second: 40 seconds of data, the last 20 of them sick.
            #expect(buffer.lines[row].contains("▁") || buffer.lines[row].contains("█"), "\(label)")
        }
        let p95 = try #require(buffer.row(containing: "p95 ms"))
        #expect(buffer.lines[p95].hasSuffix(FigureFormat.milliseconds(dashboard.snapshot!.colos.first { $0.colo == "SIN" }!.figures.p95LatencyMs.value!)))
        // Every latency bucket has its row; the slow half sits in 0.5–1 s, the fast in 2–5.
        for index in 0...ColoDetail.bucketEdgesMs.count { #expect(text.contains(DetailPanel.bucketLabel(index))) }
        let slow = try #require(buffer.row(containing: "0.5–1 s"))
        #expect(buffer.lines[slow].contains("█") && buffer.lines[slow].contains("80 50.0%"))
        #expect(text.contains("ERRORS · by errorType · 80"))
        let timeouts = try #require(buffer.row(containing: "crm_timeout"))
        #expect(buffer.lines[timeouts].contains(" 60 ") && buffer.lines[timeouts].contains("37.5%"))
        #expect(buffer.lines[timeouts + 1].contains("crm_5xx") && buffer.lines[timeouts + 1].contains(" 20 "))
        #expect(text.contains("CPU ms  p50 1.50  p95 1.50"))
        #expect(text.contains("CACHE  321 entries · 4 awaiting") && text.contains("hits 75% own · 25% replicated"))
        #expect(text.contains("CHANGES · SIN"))
        let changes = try #require(buffer.row(containing: "CHANGES · SIN"))
        #expect(buffer.lines[changes + 1].contains("→"))
        // Only SIN: no other colo's row is on screen.
        #expect(!buffer.lines[3...].contains { $0.hasPrefix(" LHR") || $0.hasPrefix("▶LHR") })
        #expect(buffer.lines[height - 1].hasPrefix("Esc back"))
    }

    @Test("A longer window steps by 30 s; the ALL row opens the fleet; the log and table are back after Esc")
    func keys() throws {
        var dashboard = opened("SIN", window: 300)
        dashboard.sort = .colo
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[2].contains("window 300s by 30 s"))
        // ↓ moves the detail to the next row (ALL), Esc and ← both go back to the table.
        _ = dashboard.handle(.down)
        #expect(dashboard.detailColo == "ALL" && dashboard.needsDetail)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[2].contains("ALL colos"))
        _ = dashboard.handle(.escape)
        #expect(dashboard.detailColo == nil)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).row(containing: "EVENTS") != nil)
        _ = dashboard.handle(.right)
        #expect(dashboard.detailColo == "ALL")
        _ = dashboard.handle(.left)
        #expect(dashboard.detailColo == nil)
        // The filter belongs to the table; Esc in detail does not clear it.
        dashboard.filter = "S"
        _ = dashboard.handle(.enter)
        #expect(dashboard.handle(.character("/")).isEmpty && dashboard.overlay == .none)
        _ = dashboard.handle(.escape)
        #expect(dashboard.filter == "S")
    }

    @Test("A detail for another colo is not shown; paused, the detail stays frozen")
    func staleDetail() {
        var (snapshot, monitor) = sinStory()
        var dashboard = opened("SIN")
        dashboard.apply(detail: monitor.detail(colo: "LHR", nowMillis: snapshot.generatedAt))
        #expect(dashboard.coloDetail == nil)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).row(containing: "LATENCY") == nil)
        dashboard.apply(detail: monitor.detail(colo: "SIN", nowMillis: snapshot.generatedAt))
        let shown = dashboard.coloDetail
        _ = dashboard.handle(.character("p"))
        dashboard.apply(detail: monitor.detail(colo: "SIN", nowMillis: snapshot.generatedAt + 30_000))
        #expect(dashboard.coloDetail == shown)
        _ = snapshot
    }

    @Test("An engine with nothing for the colo is asked once, not on every pass of the loop")
    func nothingYet() {
        var dashboard = DashboardState(mode: .live)
        _ = dashboard.handle(.enter)
        #expect(dashboard.detailColo == "ALL" && dashboard.needsDetail)
        dashboard.apply(detail: nil)
        #expect(!dashboard.needsDetail)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).text.contains("waiting for the first snapshot"))
        // Leaving forgets it: opened again, the colo is asked for once more (never an old detail).
        _ = dashboard.handle(.escape)
        #expect(dashboard.coloDetail == nil)
        _ = dashboard.handle(.enter)
        #expect(dashboard.needsDetail)
        dashboard.apply(detail: nil)
        #expect(!dashboard.needsDetail)
    }

    @Test("Up close, the selection stays on the colo shown when the filter stops matching it: f flushes that colo")
    func filterLeaves() throws {
        var dashboard = state(snapshot(latency: { $0 == "SIN" ? 500 : 5 }))
        dashboard.filter = "ALERT"
        dashboard.apply(snapshot(latency: { $0 == "SIN" ? 500 : 5 }))
        for _ in 0..<4 where dashboard.selected != "SIN" { _ = dashboard.handle(.character("k")) }
        _ = dashboard.handle(.enter)
        #expect(dashboard.detailColo == "SIN")
        // SIN recovers: the filter no longer shows it, but it is still the colo on screen.
        var healthy = snapshot(latency: { _ in 5 })
        healthy.generatedAt += 1000
        dashboard.apply(healthy)
        #expect(dashboard.selected == "SIN")
        _ = dashboard.handle(.character("f"))
        guard case .confirm(let effect, _) = dashboard.overlay else { Issue.record("no confirmation"); return }
        #expect(effect == .flush(colo: "SIN"))
    }

    @Test("A colo with no events left in the window says so")
    func gone() {
        var dashboard = state(snapshot())
        for _ in 0..<8 where dashboard.selected != "FRA" { _ = dashboard.handle(.character("j")) }
        _ = dashboard.handle(.enter)
        dashboard.apply(snapshot(colos: ["LHR"]))
        #expect(dashboard.detailColo == "FRA")
        #expect(DashboardView.render(dashboard, width: 80, height: 24).text.contains("no events from FRA in the window"))
    }
}

@Suite("Fleet on screen")
struct FleetScreenTests {
    /// edge-a reports all along; edge-b stops after 5 s (and comes back at `backAt`).
    static func fleet(until second: Int, backAt: Int = .max) -> (MetricsSnapshot, MetricsMonitor) {
        var monitor = MetricsMonitor()
        var last: MetricsSnapshot?
        for s in 0...second {
            let now = t0 + Int64(s) * 1000
            for id in s < 5 || s >= backAt ? ["edge-a", "edge-b"] : ["edge-a"] {
                for _ in 0..<3 {
                    monitor.record(MetricEvent(timestamp: now, colo: "SIN", latencyMs: id == "edge-b" ? 300 : 2, cacheHit: id == "edge-a",
                                               customerFound: true, source: id), nowMillis: now)
                }
            }
            last = monitor.tick(nowMillis: now)
        }
        return (last!, monitor)
    }

    @Test("The header counts the sources reporting and the silent ones; going silent and coming back are logged once", arguments: [80, 120])
    func header(width: Int) throws {
        var dashboard = state(Self.fleet(until: 8).0)
        var top = DashboardView.render(dashboard, width: width, height: 24).lines[0]
        #expect(top.contains(width < 110 ? " 2 src" : " 2 sources") && !top.contains("silent"))
        dashboard.apply(Self.fleet(until: 16).0)
        let buffer = DashboardView.render(dashboard, width: width, height: 24)
        top = buffer.lines[0]
        #expect(top.contains(width < 110 ? " 1 src 1 silent" : " 1 source 1 silent"))
        #expect(buffer.style(of: "1 silent", onRow: 0)?.color == .yellow)
        #expect(dashboard.log.filter { $0.text == "source edge-b silent for over 10 s" }.count == 1)
        dashboard.apply(Self.fleet(until: 17).0)
        #expect(dashboard.log.filter { $0.text.hasPrefix("source edge-b silent") }.count == 1)
        // edge-b comes back: logged once, and the header counts it again.
        dashboard.apply(Self.fleet(until: 18, backAt: 18).0)
        dashboard.apply(Self.fleet(until: 19, backAt: 18).0)
        #expect(dashboard.log.filter { $0.text == "source edge-b reporting again" }.count == 1)
        #expect(DashboardView.render(dashboard, width: width, height: 24).lines[0].contains(width < 110 ? " 2 src" : " 2 sources"))
    }

    @Test("Up close, a colo is split by source, the silent one marked")
    func split() throws {
        var (snapshot, monitor) = Self.fleet(until: 16)
        var dashboard = state(snapshot)
        for _ in 0..<4 where dashboard.selected != "SIN" { _ = dashboard.handle(.character("j")) }
        _ = dashboard.handle(.enter)
        dashboard.apply(detail: monitor.detail(colo: "SIN", nowMillis: snapshot.generatedAt))
        let buffer = DashboardView.render(dashboard, width: 80, height: 24)
        let heading = try #require(buffer.row(containing: "BY SOURCE"))
        #expect(buffer.lines[heading + 1].contains("edge-a") && buffer.lines[heading + 1].contains("51 100.0     —"))
        #expect(buffer.lines[heading + 2].contains("⚠edge-b") && buffer.lines[heading + 2].contains("200–500"))
        #expect(buffer.style(of: "⚠edge-b", onRow: heading + 2)?.color == .yellow)
    }
}
