import LookupCore
import MetricsEngine
import Testing
@testable import Console

/// Rewinding the live console: keys ask for a moment, the answer to the last one asked is shown
/// with a banner that says how far behind live, and every way back to live shows live figures.
@Suite("Rewind in the console")
struct RewindTests {
    /// A live console at t0 + 29 s with LHR, SIN, FRA, and an earlier moment's snapshot (ZRH only).
    static func console() -> (DashboardState, earlier: MetricsSnapshot) {
        var dashboard = state(snapshot())
        dashboard.capabilities = .all(for: .live)
        return (dashboard, snapshot(colos: ["ZRH"], seconds: 5))
    }

    static func view(_ asked: Int64, _ snapshot: MetricsSnapshot, recording: Bool = false) -> EffectResult {
        .rewound(RewoundView(asked: asked, snapshot: snapshot, fromRecording: recording))
    }

    @Test("Keys add up from the moment last asked for; only the answer to that one is shown, under a REWOUND banner")
    func steps() {
        var (dashboard, earlier) = Self.console()
        let now = dashboard.now
        #expect(dashboard.handle(.character(",")) == [.rewind(to: now - 10_000)])
        #expect(dashboard.handle(.character("{")) == [.rewind(to: now - 70_000)])
        var screen = DashboardView.render(dashboard, width: 120, height: 40).text
        #expect(screen.contains("REWINDING to") && screen.contains(" REWOUND "), "asked, nothing shown yet")
        // The answer to the first step comes late: it is not shown.
        dashboard.receive(Self.view(now - 10_000, earlier))
        #expect(dashboard.snapshot?.colos.map(\.colo) == ["FRA", "LHR", "SIN"])
        dashboard.receive(Self.view(now - 70_000, earlier, recording: true))
        #expect(dashboard.snapshot?.colos.map(\.colo) == ["ZRH"])
        screen = DashboardView.render(dashboard, width: 120, height: 40).text
        #expect(screen.contains(" REWOUND ") && screen.contains("from the recording") && !screen.contains(" LIVE "))
        let ahead = FigureText.span(now - earlier.generatedAt)
        #expect(screen.contains("live is \(ahead) ahead"), "\(screen)")
        // Live snapshots keep coming: the log goes on, the rewound figures stay.
        dashboard.apply(snapshot(seconds: 31))
        #expect(dashboard.snapshot?.colos.map(\.colo) == ["ZRH"] && dashboard.now > now)
    }

    @Test("Back to live by L, Esc, or stepping past now; a first step that fails goes back live and says why")
    func backToLive() {
        for key: Key in [.character("L"), .escape, .character(")")] {
            var (dashboard, earlier) = Self.console()
            _ = dashboard.handle(.character(","))
            dashboard.receive(Self.view(dashboard.now - 10_000, earlier))
            #expect(dashboard.rewind != nil)
            #expect(dashboard.handle(key).isEmpty)
            #expect(dashboard.rewind == nil && dashboard.snapshot?.colos.map(\.colo) == ["FRA", "LHR", "SIN"], "\(key)")
            #expect(DashboardView.render(dashboard, width: 120, height: 40).text.contains(" LIVE "))
        }
        var (dashboard, earlier) = Self.console()
        _ = dashboard.handle(.character("("))
        dashboard.receive(.rewindFailed(asked: dashboard.now - 3_600_000, reason: "nothing is kept before 09:00:00"))
        #expect(dashboard.rewind == nil && dashboard.notice == "nothing is kept before 09:00:00")
        // A later step that fails stays on the moment shown.
        _ = dashboard.handle(.character(","))
        dashboard.receive(Self.view(dashboard.now - 10_000, earlier))
        _ = dashboard.handle(.character("("))
        dashboard.receive(.rewindFailed(asked: dashboard.now - 3_610_000, reason: "too far"))
        #expect(dashboard.rewind?.shown?.asked == dashboard.now - 10_000 && dashboard.rewind?.asked == dashboard.now - 10_000)
        #expect(dashboard.snapshot?.colos.map(\.colo) == ["ZRH"] && dashboard.notice == "too far")
    }

    @Test("Up close is live only; a replay's , seeks its player, and ( says rewinding is not for replays")
    func limits() {
        var (dashboard, earlier) = Self.console()
        _ = dashboard.handle(.character(","))
        dashboard.receive(Self.view(dashboard.now - 10_000, earlier))
        #expect(dashboard.handle(.enter).isEmpty && dashboard.detailColo == nil && dashboard.notice?.contains("live only") == true)
        var replay = state(snapshot(), mode: .replay(file: "x.jsonl"))
        replay.capabilities = .all(for: .replay)
        #expect(replay.handle(.character(",")) == [.playback(.seek(seconds: -10))])
        #expect(replay.handle(.character("(")).isEmpty && replay.notice?.hasPrefix("rewind disabled: this is a replay") == true, "\(replay.notice ?? "")")
    }
}
