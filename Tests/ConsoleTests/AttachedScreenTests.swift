import LookupCore
import MetricsEngine
import Testing
@testable import Console

/// The screen attached to another edgewatch: a lost connection shown as such, the keys it
/// serves, the windows the server keeps, and the engine's history taken in at once.
@Suite("The attached screen")
struct AttachedScreenTests {
    static let url = "https://edge.example:8443"

    static func attached(flushOff: String? = nil, capabilities: Capabilities = [.flush]) -> DashboardState {
        DashboardState(mode: .attached(url: url, flushOff: flushOff), capabilities: capabilities)
    }

    static func input(_ snapshot: MetricsSnapshot, down: Int64? = nil, history: [HistoryPoint] = []) -> DashboardInput {
        var input = DashboardInput(snapshot: snapshot)
        input.link = LinkStatus(url: url, downMillis: down, problem: down == nil ? nil : "connection refused")
        input.windowLimit = 60
        input.engineHistory = history
        return input
    }

    @Test("Connected: ATTACHED and the URL, in colour. Lost: DISCONNECTED 12s · retrying, how old the figures are, and nothing below in colour")
    func disconnected() throws {
        var dashboard = Self.attached()
        let figures = snapshot(error: { _, second in second % 2 == 0 ? "crm_5xx" : nil })
        dashboard.receive(Self.input(figures))
        let live = DashboardView.render(dashboard, width: 100, height: 30)
        #expect(live.lines[0].contains(" ATTACHED "))
        #expect(live.lines[1].contains("attached to \(Self.url)"))
        let row = try #require(live.row(containing: "LHR"))
        let coloured = (0..<live.width).contains { live.cells[row * live.width + $0].style != .muted && live.cells[row * live.width + $0].style != .plain }
        #expect(coloured, "a live row has state colours")

        dashboard.receive(Self.input(figures, down: 12_400))
        let lost = DashboardView.render(dashboard, width: 132, height: 30)
        #expect(lost.lines[0].contains(" DISCONNECTED ") && !lost.lines[0].contains("ATTACHED"))
        #expect(lost.lines[1].contains("DISCONNECTED 12s · retrying · figures from \(FigureText.clock(figures.generatedAt)) UTC are old · \(Self.url) (connection refused)"))
        let narrow = DashboardView.render(dashboard, width: 80, height: 24)
        #expect(narrow.lines[1].contains("DISCONNECTED 12s · retrying · figures from \(FigureText.clock(figures.generatedAt)) UTC are old"))
        for y in 2..<(lost.height - 1) {
            for x in 0..<lost.width { #expect(lost.cells[y * lost.width + x].style == .muted, "cell \(x),\(y)") }
        }
        #expect(lost.row(containing: "LHR") != nil, "the last figures stay")
        #expect(dashboard.log.first?.text == "connection to \(Self.url) lost: connection refused; retrying")

        dashboard.receive(Self.input(figures))
        #expect(dashboard.log.first?.text == "attached again to \(Self.url)")
        #expect(!DashboardView.render(dashboard, width: 100, height: 30).lines[1].contains("DISCONNECTED"))
    }

    @Test("Attached, the hint line and help offer flush only when the server takes it; F says why not; fault keys say they are never remote")
    func keys() {
        let on = KeyMap.hintLine(width: 200, mode: .attached, capabilities: [.flush])
        #expect(on.contains("flush") && on.contains("pause") && !on.contains("faults") && !on.contains("rate") && !on.contains("seek"))
        let off = KeyMap.hintLine(width: 200, mode: .attached, capabilities: [])
        #expect(!off.contains("flush"))
        #expect(!KeyMap.helpLines(for: .attached, capabilities: []).contains { $0.text.contains("flush") })

        var dashboard = Self.attached(flushOff: "the server has no admin token (ADMIN_TOKEN where it runs)", capabilities: [])
        dashboard.receive(Self.input(snapshot()))
        #expect(dashboard.handle(.character("F")).isEmpty)
        #expect(dashboard.notice == "flush off: the server has no admin token (ADMIN_TOKEN where it runs)")
        #expect(dashboard.handle(.character("e")).isEmpty)
        #expect(dashboard.notice?.contains("never to an attached console") == true)

        var flushing = Self.attached()
        flushing.receive(Self.input(snapshot()))
        #expect(flushing.handle(.character("F")).isEmpty)
        #expect(flushing.overlay == .confirm(effect: .flush(colo: nil), question: "Flush the whole cache (all colos) at \(Self.url)? y/N"))
        #expect(flushing.handle(.character("y")) == [.flush(colo: nil)])
    }

    @Test("A server that started again keeps the log and takes in the new engine's changes, whether its count went back or not")
    func restarted() {
        for newCount in [2, 40] {
            var dashboard = Self.attached()
            var before = snapshot(error: { _, second in second > 20 ? "crm_5xx" : nil })
            before.engineStartedAt = 1
            dashboard.receive(Self.input(before))
            dashboard.receive(Self.input(before, down: 3_000))
            let kept = dashboard.log
            #expect(kept.contains { if case .alert = $0.kind { true } else { false } })
            #expect(before.transitionCount < 40, "the second engine has more changes than were seen")
            // The new engine: a later clock, its own changes (newest first).
            var fresh = before
            fresh.engineStartedAt = 2
            fresh.generatedAt = before.generatedAt + 10_000
            fresh.transitionCount = newCount
            fresh.recentTransitions = (0..<newCount).reversed().map { index in
                AlertTransition(time: fresh.generatedAt - Int64(newCount - index) * 100, colo: "NRT", metric: .cpuTime, value: Double(index),
                                threshold: 8, from: .ok, to: .warn)
            }
            fresh.newTransitions = []
            dashboard.receive(Self.input(fresh))
            #expect(dashboard.log.contains { $0.text == "the server started again: its figures and state changes start anew" })
            #expect(Array(dashboard.log.suffix(kept.count)) == kept, "everything logged before is still there")
            #expect(!dashboard.log.contains { $0.text.hasPrefix("moved back") || $0.text.contains("came faster") })
            let taken = dashboard.log.filter { $0.text.contains("NRT cpu_time") }
            #expect(taken.count >= 1 && taken.count <= newCount, "the new engine's changes are logged (repeats fold)")
        }
    }

    @Test("Window keys step up to what the server keeps, and say so at its end")
    func windowLimit() {
        var dashboard = Self.attached()
        dashboard.receive(Self.input(snapshot()))
        #expect(dashboard.handle(.character("+")).isEmpty)
        #expect(dashboard.notice == "the server keeps 60 s: no longer window here")
        #expect(dashboard.handle(.character("-")) == [.setWindow(seconds: 30)])
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 60)])
    }

    @Test("The engine's history is taken in at once, and seconds missed while away fill in around the screen's own")
    func history() {
        var dashboard = Self.attached()
        let figures = snapshot()
        let earlier = (0..<20).map { HistoryPoint(time: figures.generatedAt - Int64(20 - $0) * 1000, p95: 10, hitRate: 50) }
        dashboard.receive(Self.input(figures, history: earlier))
        #expect(dashboard.history.count == 21)
        #expect(dashboard.history.map(\.time) == dashboard.history.map(\.time).sorted())
        // Again, with a gap now filled: nothing doubles.
        dashboard.receive(Self.input(figures, history: earlier + [HistoryPoint(time: figures.generatedAt + 5_000, p95: 11, hitRate: 60)]))
        #expect(dashboard.history.count == 22)
        #expect(Set(dashboard.history.map(\.time)).count == 22)
        let drawn = DashboardView.render(dashboard, width: 100, height: 30)
        #expect(drawn.text.contains("HISTORY · ALL · last 0:"))
    }
}

/// Pages that cannot leave the process are said on the screen, not only in /metrics.
@Suite("Paging failures on the screen")
struct PagingScreenTests {
    @Test("While alerts cannot reach Alertmanager the header says PAGING FAILING in red and the log says why; then that they reach it again")
    func failing() throws {
        var dashboard = DashboardState(mode: .live)
        let figures = snapshot()
        var input = DashboardInput(snapshot: figures)
        dashboard.receive(input)
        #expect(!DashboardView.render(dashboard, width: 120, height: 30).lines[0].contains("PAGING"))
        input.pagingFailure = "connection refused"
        dashboard.receive(input)
        let failing = DashboardView.render(dashboard, width: 120, height: 30)
        #expect(failing.lines[0].contains(" PAGING FAILING"))
        #expect(failing.style(of: "PAGING FAILING", onRow: 0)?.color == .red)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[0].contains(" PAGING FAILS"))
        #expect(dashboard.log.first?.text == "alerts are not reaching Alertmanager: connection refused")
        input.pagingFailure = nil
        dashboard.receive(input)
        #expect(!DashboardView.render(dashboard, width: 120, height: 30).lines[0].contains("PAGING"))
        #expect(dashboard.log.first?.text == "alerts reach Alertmanager again")
    }
}
