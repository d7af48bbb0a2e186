import FaultCatalog
import MetricsEngine
import Testing
@testable import Console

@Suite("Keys as state transitions that return effects")
struct KeyTests {
    static let faultKeys: [(String, FaultKind)] = FaultKind.allCases.map { (String($0.key), $0) }

    @Test("Fault keys toggle their fault; 0 clears; q quits", arguments: faultKeys)
    func faults(key: String, fault: FaultKind) {
        var dashboard = state(snapshot())
        #expect(dashboard.handle(.character(Character(key))) == [.toggleFault(fault)])
        #expect(dashboard.handle(.character("0")) == [.clearFaults])
        #expect(dashboard.handle(.character("q")) == [.quit])
    }

    @Test("F asks y/N with the entry count; y flushes, anything else cancels")
    func flushAll() {
        var dashboard = state(snapshot())
        dashboard.cacheEntries = ["LHR": 10, "SIN": 32]
        #expect(dashboard.handle(.character("F")).isEmpty)
        guard case .confirm(_, let question) = dashboard.overlay else { Issue.record("no confirmation"); return }
        #expect(question.contains("42 entries"))
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[23].contains("42 entries will go. y/N"))
        #expect(dashboard.handle(.character("y")) == [.flush(colo: nil)])
        #expect(dashboard.overlay == .none)
        _ = dashboard.handle(.character("F"))
        #expect(dashboard.handle(.character("n")).isEmpty)
        #expect(dashboard.notice == "cancelled")
        _ = dashboard.handle(.character("F"))
        #expect(dashboard.handle(.enter).isEmpty)
    }

    @Test("f flushes the selected colo only")
    func flushColo() {
        var dashboard = state(snapshot())
        dashboard.cacheEntries = ["LHR": 10, "SIN": 32]
        while dashboard.selected != "SIN" { _ = dashboard.handle(.character("j")) }
        _ = dashboard.handle(.character("f"))
        guard case .confirm(_, let question) = dashboard.overlay else { Issue.record("no confirmation"); return }
        #expect(question.contains("SIN's cache"))
        #expect(question.contains("32 entries"))
        #expect(dashboard.handle(.character("y")) == [.flush(colo: "SIN")])
    }

    @Test("In a replay, flush and fault keys do nothing and say why")
    func replayDisabled() {
        var dashboard = state(snapshot(), mode: .replay(file: "x.jsonl"))
        #expect(dashboard.handle(.character("e")).isEmpty)
        #expect(dashboard.notice?.contains("replay") == true)
        #expect(dashboard.handle(.character("F")).isEmpty)
        #expect(dashboard.overlay == .none)
        #expect(dashboard.notice?.contains("replay") == true)
        let text = DashboardView.render(dashboard, width: 80, height: 24).lines[23]
        #expect(text.contains("disabled"))
    }

    @Test("Selection wraps through the sorted rows, ALL last")
    func selection() {
        var dashboard = state(snapshot())
        #expect(dashboard.selected == "ALL")
        _ = dashboard.handle(.down)
        #expect(dashboard.selected == "FRA")
        _ = dashboard.handle(.character("k"))
        #expect(dashboard.selected == "ALL")
        _ = dashboard.handle(.up)
        #expect(dashboard.selected == "SIN")
    }

    @Test("Worst state first by default; > s < pick any column, I reverses; ties go by colo, ALL stays last")
    func sorting() {
        // SIN's p50 of 50 ms misses the 30 ms target: WARN, so it sorts first.
        var dashboard = state(snapshot(latency: { ["LHR": 5, "SIN": 50, "FRA": 20][$0]! }))
        #expect(dashboard.sort == .state)
        #expect(dashboard.rows.map(\.colo) == ["SIN", "FRA", "LHR", "ALL"])
        _ = dashboard.handle(.character("I"))
        #expect(dashboard.rows.map(\.colo) == ["FRA", "LHR", "SIN", "ALL"], "reversed: OK rows (by colo) before WARN")
        _ = dashboard.handle(.character("s"))
        #expect(dashboard.sort == .colo && !dashboard.sortReversed, "a new column starts in its natural order")
        #expect(dashboard.rows.map(\.colo) == ["FRA", "LHR", "SIN", "ALL"])
        _ = dashboard.handle(.character("I"))
        #expect(dashboard.rows.map(\.colo) == ["SIN", "LHR", "FRA", "ALL"])
        _ = dashboard.handle(.character(">"))
        _ = dashboard.handle(.character(">"))
        #expect(dashboard.sort == .p50)
        #expect(dashboard.rows.map(\.colo) == ["SIN", "FRA", "LHR", "ALL"], "highest first")
        _ = dashboard.handle(.character("I"))
        #expect(dashboard.rows.map(\.colo) == ["LHR", "FRA", "SIN", "ALL"])
        _ = dashboard.handle(.character("<"))
        #expect(dashboard.sort == .rate)
        // The heading marks the column and its direction.
        let heading = DashboardView.render(dashboard, width: 80, height: 24).lines[2]
        #expect(heading.contains("REQ/S▼"))
        _ = dashboard.handle(.character("I"))
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[2].contains("REQ/S▲"))
    }

    @Test("Microseconds read as microseconds, never 0.0, and sort by value")
    func microseconds() throws {
        var dashboard = state(snapshot(latency: { ["LHR": 0.004, "SIN": 0.009, "FRA": 0.042][$0]! }))
        dashboard.sort = .p50
        #expect(dashboard.rows.map(\.colo) == ["FRA", "SIN", "LHR", "ALL"])
        let buffer = DashboardView.render(dashboard, width: 80, height: 24)
        for (colo, text) in [("FRA", "42µs✓"), ("SIN", "9µs✓"), ("LHR", "4µs✓")] {
            let row = try #require(buffer.row(containing: " " + colo))
            #expect(buffer.lines[row].contains(text), "\(buffer.lines[row])")
        }
        #expect(!buffer.text.contains(" 0.0✓") && !buffer.text.contains(" 0.00✓"))
    }

    @Test("+ and - step the window from the last one asked for, also before the snapshot catches up and while paused")
    func window() {
        var dashboard = state(snapshot())
        // + then - from 60 s is 60 s again, not 30 s from the snapshot that still says 60.
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 120)])
        #expect(dashboard.handle(.character("-")) == [.setWindow(seconds: 60)])
        _ = dashboard.handle(.character("p"))
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 120)])
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 300)])
        #expect(dashboard.handle(.character("-")) == [.setWindow(seconds: 120)])
        #expect(dashboard.requestedWindow == 120)
        // Once a shown snapshot has the window, the request is settled.
        _ = dashboard.handle(.character("p"))
        var wider = snapshot()
        wider.windowSeconds = 120
        dashboard.apply(wider)
        #expect(dashboard.requestedWindow == nil)
        #expect(dashboard.handle(.character("-")) == [.setWindow(seconds: 60)])
        // A window change the busy effect queue refused is forgotten.
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 120)])
        dashboard.refused(.setWindow(seconds: 120))
        #expect(dashboard.requestedWindow == nil)
        #expect(dashboard.notice?.hasPrefix("busy") == true)
        // From the 120 s in force (the shown snapshot's), not the refused request.
        #expect(dashboard.handle(.character("+")) == [.setWindow(seconds: 300)])
    }

    @Test("p pauses the figures; the log keeps recording")
    func pause() {
        var dashboard = state(snapshot())
        _ = dashboard.handle(.character("p"))
        #expect(dashboard.paused)
        let before = dashboard.snapshot
        let failing = snapshot(seconds: 35, error: { _, second in second > 20 ? "crm_5xx" : nil })
        #expect(!failing.newTransitions.isEmpty)
        dashboard.apply(failing)
        #expect(dashboard.snapshot == before)
        #expect(!dashboard.log.isEmpty)
        #expect(DashboardView.render(dashboard, width: 80, height: 24).lines[0].contains("PAUSED"))
        _ = dashboard.handle(.character("p"))
        #expect(!dashboard.paused)
    }

    @Test("? opens help; Esc closes it; keys do nothing while it is open")
    func helpOverlay() {
        var dashboard = state(snapshot())
        _ = dashboard.handle(.character("?"))
        #expect(dashboard.overlay == .help)
        #expect(dashboard.handle(.character("e")).isEmpty)
        _ = dashboard.handle(.escape)
        #expect(dashboard.overlay == .none)
    }
}

@Suite("Screen dump")
struct DumpKeyTests {
    @Test("w asks for a dump once a screen is drawn (the effect side renders it); the result names the files")
    func dump() {
        var dashboard = state(snapshot())
        #expect(dashboard.handle(.character("w")).isEmpty, "no screen drawn yet")
        #expect(dashboard.notice == "no screen to dump yet")
        dashboard.resize(ScreenSize(width: 80, height: 24))
        dashboard.notice = nil
        let before = dashboard.log
        let effects = dashboard.handle(.character("w"))
        #expect(effects == [.dump])
        #expect(dashboard.log == before, "asking for a dump changes nothing on screen")
        dashboard.receive(.dumped(files: ["/tmp/a.txt", "/tmp/a.json"]))
        #expect(dashboard.notice == "wrote a.txt and a.json in /tmp/")
        #expect(dashboard.log.first?.text == "screen dump: /tmp/a.txt, /tmp/a.json")
        #expect(KeyMap.bindings.contains { $0.label == "w" && $0.command == .dump })
    }
}

@Suite("Filter")
struct FilterTests {
    @Test("/ then a colo code shows only matching colos (and ALL), in the header too, until Esc")
    func byColo() {
        var dashboard = state(snapshot())
        _ = dashboard.handle(.character("/"))
        for key in ["s", "i", "-", " "] { _ = dashboard.handle(.character(Character(key))) }
        #expect(dashboard.overlay == .filtering("SI", previous: nil), "letters upper-cased, others ignored")
        _ = dashboard.handle(.backspace)
        _ = dashboard.handle(.character("I"))
        let prompt = DashboardView.render(dashboard, width: 80, height: 24)
        #expect(prompt.lines[23].hasPrefix(" /SI█"))
        _ = dashboard.handle(.enter)
        #expect(dashboard.filter == "SI")
        #expect(dashboard.rows.map(\.colo) == ["SIN", "ALL"])
        #expect(dashboard.selected == "ALL", "ALL stays shown, so the selection stays")
        let screen = DashboardView.render(dashboard, width: 80, height: 24)
        #expect(screen.lines[0].contains("/SI"))
        #expect(screen.row(containing: " LHR") == nil && screen.row(containing: " SIN") != nil)
        _ = dashboard.handle(.escape)
        #expect(dashboard.filter == nil)
        #expect(dashboard.rows.map(\.colo) == ["FRA", "LHR", "SIN", "ALL"])
    }

    @Test("/ALERT keeps the colos whose worst state is ALERT; Esc while typing keeps the old filter")
    func byState() {
        let failing = snapshot(seconds: 40, error: { colo, second in colo == "LHR" && second > 5 ? "crm_5xx" : nil })
        var dashboard = state(failing)
        _ = dashboard.handle(.character("/"))
        for character in "alert" { _ = dashboard.handle(.character(character)) }
        _ = dashboard.handle(.enter)
        #expect(dashboard.rows.map(\.colo).first == "LHR")
        #expect(!dashboard.rows.map(\.colo).contains("FRA"))
        _ = dashboard.handle(.character("/"))
        _ = dashboard.handle(.character("x"))
        _ = dashboard.handle(.escape)
        #expect(dashboard.filter == "ALERT")
        #expect(dashboard.overlay == .none)
        // A filter can be no longer than the limit.
        _ = dashboard.handle(.character("/"))
        for _ in 0..<40 { _ = dashboard.handle(.character("a")) }
        if case .filtering(let text, _) = dashboard.overlay { #expect(text.count == DashboardState.filterLimit) } else { Issue.record("not filtering") }
    }
}

@Suite("Help overlay")
struct HelpFitTests {
    @Test("The help overlay fits 80×24 with every key, the log file and how to close it", arguments: [(80, 24), (120, 40)])
    func fits(width: Int, height: Int) {
        var dashboard = state(snapshot())
        dashboard.logFile = "/tmp/edgewatch-dashboard.log"
        _ = dashboard.handle(.character("?"))
        let screen = DashboardView.render(dashboard, width: width, height: height).text
        #expect(screen.contains("Esc or ? closes this help"))
        #expect(screen.contains("logs: /tmp/edgewatch-dashboard.log"))
        #expect(screen.contains("Esc clears"))
        #expect(screen.contains("NO DATA") && screen.contains("pending") && screen.contains("LOW DATA"), "the marks are explained")
        #expect(!screen.contains("… │") && !screen.contains("…│"), "nothing in the help is cut")
        // Short of room, the fault keys share one line, built from the catalogue.
        if width == 80 { #expect(screen.contains("CRM faults: " + FaultKind.allCases.map(\.name).joined(separator: ", "))) }
        for line in KeyMap.helpLines(for: .live) {
            if let kind = FaultKind.allCases.first(where: { String($0.key) == line.keys }) {
                #expect(screen.contains(kind.name) || screen.contains(kind.summary), "\(kind)")
            } else {
                #expect(screen.contains(line.keys) && screen.contains(line.text), "\(line)")
            }
        }
    }
}

@Suite("Hint line")
struct HintLineTests {
    @Test("Built from the key map: every hinted key is on it at 80 columns, within 79 cells; wider screens get the spaced form")
    func fromKeyMap() {
        let narrow = KeyMap.hintLine(width: 79)
        #expect(narrow.count <= 79)
        let keys = FaultKind.allCases.map { String($0.key) }
        #expect(narrow.contains(keys.joined() + " faults"))
        #expect(narrow.contains("0 clear") && narrow.contains("⏎ detail"))
        let wide = KeyMap.hintLine(width: 160)
        #expect(wide.count <= 160)
        #expect(wide.contains(keys.joined(separator: " ") + " faults") && wide.contains("F/f flush") && wide.contains("/ filter"))
        let words = Set(KeyMap.bindings(for: .live).compactMap(\.hint))
        for word in words { #expect(wide.contains(" " + word), "\(word)") }
        // Each mode hints only at its own keys.
        let replay = KeyMap.hintLine(width: 140, mode: .replay)
        #expect(replay.contains("␣ play") && replay.contains("seek") && replay.contains("speed"))
        #expect(!replay.contains("flush") && !replay.contains("faults") && !replay.contains("pause"))
        let watch = KeyMap.hintLine(width: 140, mode: .watch)
        #expect(!watch.contains("flush") && !watch.contains("faults") && !watch.contains("rate") && watch.contains("pause"))
        #expect(!wide.contains("seek") && !wide.contains("speed"))
        // Too narrow for all of it: the last hints go, never half a hint.
        let cut = KeyMap.hintLine(width: 30)
        #expect(cut.count <= 30 && cut.hasPrefix("q quit") && !cut.hasSuffix(" "))
        #expect(DashboardView.render(state(snapshot()), width: 80, height: 24).lines[23].hasPrefix(narrow))
    }
}
