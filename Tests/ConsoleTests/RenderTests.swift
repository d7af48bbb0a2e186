import MetricsEngine
import Testing
@testable import Console

@Suite("Rendering into the cell buffer")
struct RenderTests {
    @Test("At 80×24 every panel fits: header, colo table with ALL, thresholds, history, events, hints")
    func minimumSize() throws {
        let buffer = DashboardView.render(state(snapshot()), width: 80, height: 24)
        let lines = buffer.lines
        #expect(lines.count == 24)
        #expect(lines.allSatisfy { $0.count == 80 })
        #expect(lines[0].contains("edgewatch"))
        #expect(lines[0].contains("LIVE"))
        #expect(lines[0].contains("window 60s"))
        #expect(lines[0].contains("lookup :8787"))
        #expect(lines[2].contains("COLO") && lines[2].contains("P95 ms") && lines[2].contains("CRM ERR %"))
        for colo in ["LHR", "SIN", "FRA", "ALL"] { #expect(buffer.row(containing: colo) != nil, "\(colo)") }
        #expect(buffer.row(containing: "THRESHOLDS · ALL") != nil)
        #expect(buffer.row(containing: "p95 latency") != nil)
        #expect(buffer.row(containing: "HISTORY") != nil)
        #expect(buffer.row(containing: "EVENTS") != nil)
        #expect(lines[23].contains("q quit"))
        // Nothing is cut off at the minimum width, even with callers and a KV split to show.
        var busy = state(snapshot())
        busy.trafficRate = 50
        busy.kvSplit = KVSplit(ownHits: 98, replicatedHits: 2, awaitingReplication: 71)
        let full = DashboardView.render(busy, width: 80, height: 24).lines
        for row in [0, 1, 23] { #expect(full[row].hasSuffix(" "), "row \(row) is clipped: \(full[row])") }
        #expect(full[1].contains("traffic 50/s") && full[1].contains("98% own, 2% replicated"))
    }

    @Test("Values carry a symbol and a colour by state; colour is never the only signal")
    func stateStyles() throws {
        let slow = snapshot(latency: { $0 == "SIN" ? 500 : 5 })
        let buffer = DashboardView.render(state(slow), width: 80, height: 24)
        let sin = try #require(buffer.row(containing: "SIN"))
        #expect(buffer.lines[sin].contains("500.0✖"))
        #expect(buffer.style(of: "500.0✖", onRow: sin)?.color == .red)
        #expect(buffer.lines[sin].contains("ALERT"))
        let lhr = try #require(buffer.row(containing: "LHR"))
        #expect(buffer.lines[lhr].contains("5.00✓"))
        #expect(buffer.style(of: "5.00✓", onRow: lhr)?.color == .green)
        #expect(buffer.lines[lhr].contains("OK"))
    }

    @Test("Insufficient data is grey with its n, not a confident number")
    func insufficient() throws {
        let thin = snapshot(seconds: 3, perSecond: 2)
        let buffer = DashboardView.render(state(thin), width: 80, height: 24)
        let lhr = try #require(buffer.row(containing: "LHR"))
        #expect(buffer.lines[lhr].contains("n=6"))
        #expect(buffer.style(of: "n=6", onRow: lhr)?.color == .grey)
        #expect(buffer.lines[0].contains("window 60s (3s)"))
        #expect(DashboardView.render(state(thin), width: 120, height: 30).lines[0].contains("(3s so far)"))
    }

    @Test("An active fault shows as a red banner naming it")
    func faultBanner() {
        var dashboard = state(snapshot())
        dashboard.faults = ["CRM 503 50%", "CRM DOWN"]
        let buffer = DashboardView.render(dashboard, width: 80, height: 24)
        #expect(buffer.lines[1].hasPrefix(" FAULT: CRM 503 50% · CRM DOWN"))
        #expect(buffer.style(of: "FAULT", onRow: 1) == .banner)
    }

    @Test("Below 80×24 a clear too-small message replaces the screen")
    func tooSmall() {
        let buffer = DashboardView.render(state(snapshot()), width: 70, height: 20)
        #expect(buffer.text.contains("needs at least 80×24"))
        #expect(buffer.text.contains("70×20"))
        #expect(!buffer.text.contains("COLO"))
    }

    @Test("A larger terminal puts thresholds beside the table and gives the log more rows")
    func wide() throws {
        var dashboard = state(snapshot())
        for index in 0..<20 { dashboard.note(.info, "entry \(index)", mark: false) }
        let buffer = DashboardView.render(dashboard, width: 140, height: 40)
        let header = try #require(buffer.row(containing: "COLO"))
        #expect(buffer.lines[header].contains("THRESHOLDS"))
        #expect(buffer.lines.filter { $0.contains("entry ") }.count >= 15)
    }

    @Test("The thresholds table shows the selected colo's values against the seed's table")
    func thresholds() throws {
        var dashboard = state(snapshot(latency: { $0 == "SIN" ? 150 : 5 }))
        _ = dashboard.handle(.down)
        while dashboard.selected != "SIN" { _ = dashboard.handle(.down) }
        let buffer = DashboardView.render(dashboard, width: 80, height: 24)
        let p95 = try #require(buffer.lines.firstIndex { $0.hasPrefix("p95 latency") })
        #expect(buffer.lines[p95].contains("<80ms"))
        #expect(buffer.lines[p95].contains(">300ms"))
        #expect(buffer.lines[p95].contains("150.0 "))
        #expect(buffer.lines[p95].contains("▲ WARN"))
        #expect(buffer.row(containing: "THRESHOLDS · SIN") != nil)
        let crm = try #require(buffer.lines.firstIndex { $0.hasPrefix("CRM error rate") })
        #expect(buffer.lines[crm].contains("0.0% of all lookups"))
    }

    @Test("A flush is logged and marked on the sparkline")
    func marks() throws {
        var dashboard = state(snapshot())
        dashboard.note(.flush, "flushed all caches: 42 entries")
        let buffer = DashboardView.render(dashboard, width: 80, height: 24)
        #expect(buffer.text.contains("flushed all caches: 42 entries"))
        let history = try #require(buffer.row(containing: "hit %"))
        #expect(buffer.lines[history].contains("┃"))
    }

    @Test("The help overlay lists every key from the key map, and the log file")
    func help() {
        var dashboard = state(snapshot())
        dashboard.logFile = "/tmp/edgewatch.log"
        _ = dashboard.handle(.character("?"))
        let text = DashboardView.render(dashboard, width: 100, height: 30).text
        for line in KeyMap.helpLines(for: .live) { #expect(text.contains(line.keys) && text.contains(line.text), "\(line)") }
        #expect(text.contains("logs: /tmp/edgewatch.log"))
    }

    @Test("Before the first snapshot the table says it is waiting; with no events yet ALL is NO DATA, and watch says where to post")
    func empty() throws {
        #expect(DashboardView.render(state(nil), width: 80, height: 24).text.contains("waiting for the first snapshot"))
        var nothing = MetricsMonitor()
        var watch = state(nothing.tick(nowMillis: t0), mode: .watch)
        watch.ingestURL = "http://127.0.0.1:8790/ingest"
        let buffer = DashboardView.render(watch, width: 80, height: 24)
        let all = try #require(buffer.lines.firstIndex { $0.hasPrefix("▶ALL") || $0.hasPrefix(" ALL") })
        #expect(buffer.lines[all].contains("no events yet") && buffer.lines[all].contains("NO DATA"))
        #expect(!buffer.lines[all].contains(" OK"))
        #expect(buffer.lines[1].contains("NO DATA · post events to http://127.0.0.1:8790/ingest"))
    }
}
