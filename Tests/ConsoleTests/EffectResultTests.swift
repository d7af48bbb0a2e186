import LookupCore
import MetricsEngine
import Testing
@testable import Console

/// Effects run off the screen loop; what they come to returns as a result the state takes in.
@Suite("Effect results as state transitions")
struct EffectResultTests {
    @Test("A flush result is logged with its count and marks the sparkline")
    func flushed() {
        var dashboard = state(snapshot())
        dashboard.receive(.flushed(colo: "SIN", entries: 42))
        #expect(dashboard.log.first?.text == "flushed SIN's cache: 42 entries")
        #expect(dashboard.log.first?.kind == .flush)
        #expect(dashboard.history.last?.marked == true)
        dashboard.receive(.flushed(colo: nil, entries: 7))
        #expect(dashboard.log.first?.text == "flushed all caches: 7 entries")
    }

    @Test("A fault change sets the banner; a failure only says why on the hint line")
    func faults() {
        var dashboard = state(snapshot())
        dashboard.receive(.faultsChanged(labels: ["CRM down"], change: "down on"))
        #expect(dashboard.faults == ["CRM down"])
        #expect(dashboard.log.first?.text == "CRM fault: down on")
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[1].contains("FAULT: CRM down"))
        dashboard.receive(.failed("could not change faults: refused"))
        #expect(dashboard.faults == ["CRM down"])
        #expect(dashboard.notice == "could not change faults: refused")
    }

    @Test("The header's heartbeat turns with every new snapshot, not with the same one again, and dropped events show in the header")
    func heartbeatAndDrops() {
        let same = snapshot()
        var dashboard = state(same)
        let first = DashboardView.render(dashboard, width: 80, height: 24).lines[0]
        // The same snapshot again (a feed that lost its source hands its last one): still.
        dashboard.apply(same)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[0] == first)
        var newer = same
        newer.generatedAt += 250
        dashboard.apply(newer)
        let second = DashboardView.render(dashboard, width: 80, height: 24).lines[0]
        #expect(first != second)
        #expect(Set((0..<4).map(HeaderPanel.spinner)).count == 4)
        #expect(!second.contains("dropped"))
        var dropping = newer
        dropping.events.droppedQueueFull = 1_234
        dashboard.apply(dropping)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[0].contains("1234 ev dropped"))
    }

    @Test("One input a tick through receive: port, faults, traffic and the snapshot; events a second measured through a pause")
    func feedInput() {
        let start = snapshot()
        var dashboard = state(start)
        var input = DashboardInput(snapshot: start)
        input.port = 8787
        input.faults = ["CRM down"]
        input.traffic = TrafficFigures(rate: 50, late: 1, dropped: 2)
        dashboard.receive(input)
        #expect(dashboard.port == 8787 && dashboard.faults == ["CRM down"] && dashboard.trafficRate == 50 && dashboard.trafficDropped == 2)
        _ = dashboard.handle(.character(" "))
        #expect(dashboard.paused)
        // Paused for 10 s, then 3 s more at 100 events a second: once playing, the figure is
        // that 100, not an average over the pause.
        for (seconds, recorded) in [(10, 5_000), (13, 5_300)] {
            var later = start
            later.generatedAt += Int64(seconds) * 1000
            later.events.recorded = start.events.recorded + recorded
            input.snapshot = later
            dashboard.receive(input)
        }
        #expect(dashboard.snapshot == start, "paused: the figures stay")
        #expect(dashboard.eventsPerSecond == 0, "paused: the header's figure stays too")
        _ = dashboard.handle(.character(" "))
        var resumed = start
        resumed.generatedAt += 14_000
        resumed.events.recorded = start.events.recorded + 5_400
        input.snapshot = resumed
        dashboard.receive(input)
        #expect(dashboard.snapshot == resumed)
        #expect(dashboard.eventsPerSecond == 100)
    }
}

@Suite("Refused credentials on screen")
struct UnauthorizedHeaderTests {
    @Test("Unauthorized requests in the window show in red in the header, and not at all when there are none", arguments: [80, 120])
    func unauthorizedCount(width: Int) {
        let refusing = snapshot(seconds: 5, perSecond: 2, latency: { _ in 0.05 }, error: { colo, second in
            colo == "SIN" && second >= 3 ? MetricEvent.unauthorized : nil
        })
        let screen = DashboardView.render(state(refusing), width: width, height: 24)
        // SIN refused 2 a second for 2 seconds.
        let label = width < 110 ? "4 unauth" : "4 unauthorized"
        #expect(screen.lines[0].contains(label))
        #expect(screen.style(of: label, onRow: 0)?.color == .red)
        let clean = DashboardView.render(state(snapshot(seconds: 5)), width: width, height: 24)
        #expect(!clean.lines[0].contains("unauth"))
    }
}

@Suite("A calm event log")
struct CalmLogTests {
    static func change(_ second: Int64, _ from: AlertState, _ to: AlertState, colo: String = "GRU") -> AlertTransition {
        AlertTransition(time: t0 + second * 1000, colo: colo, metric: .cacheHitRate, value: 59.8, threshold: 60, from: from, to: to)
    }

    @Test("Identical changes within a minute collapse into one line with a count; others stay apart")
    func collapse() {
        var dashboard = state(nil)
        var log = snapshot(seconds: 1)
        log.recentTransitions = []
        log.transitionCount = 0
        let changes = [
            Self.change(0, .ok, .warn), Self.change(12, .warn, .ok), Self.change(24, .ok, .warn), Self.change(36, .warn, .ok),
            Self.change(48, .ok, .warn), Self.change(50, .ok, .warn, colo: "SYD"), Self.change(130, .ok, .warn),
        ]
        for (index, change) in changes.enumerated() {
            log.recentTransitions.insert(change, at: 0)
            log.transitionCount = index + 1
            log.generatedAt = change.time
            dashboard.apply(log)
        }
        let lines = dashboard.log.filter { if case .alert = $0.kind { true } else { false } }
        // GRU OK→WARN ×3 and WARN→OK ×2 within the minute, SYD apart, and GRU again after it.
        #expect(lines.map(\.count) == [1, 1, 3, 2])
        #expect(lines[0].text.contains("GRU") && lines[1].text.contains("SYD"))
        let screen = DashboardView.render(dashboard, width: 100, height: 30)
        #expect(screen.text.contains("×3"))
        #expect(screen.text.contains("×2"))
    }
}
