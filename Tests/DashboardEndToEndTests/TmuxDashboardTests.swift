#if canImport(Glibc)
import Glibc
#endif
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// Runs the real `edgewatch` binary in a real terminal (tmux), types keys and reads the screen.
@Suite("Dashboard end to end in tmux", .serialized)
struct TmuxDashboardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The binary this `swift test` run built: it sits beside the test runner, whatever the
    /// build folder or configuration.
    static let binary = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0])
        .resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("edgewatch").path

    /// Fails the test loudly, naming what is missing, instead of timing out on an empty screen.
    static func requireTools() throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the edgewatch binary is missing beside the test runner: \(binary)")
        try #require(run("tmux -V > /dev/null 2>&1") == 0, "tmux is not installed: these tests need it (apt-get install tmux)")
    }

    struct Session {
        let name = "edgewatch-e2e-\(UUID().uuidString.prefix(8))"
        let status = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-e2e-\(UUID().uuidString).status")

        /// Runs tmux through sh with every descriptor redirected: the tmux server that the first
        /// call starts must not inherit a pipe of ours, or reads never finish. ``runShell``
        /// (posix_spawn, waitpid) rather than Foundation's Process, whose waitUntilExit can miss a
        /// child's exit on Linux and hang; it passes on no other descriptor either.
        @discardableResult
        func tmux(_ arguments: String...) throws -> String {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString).out")
            defer { try? FileManager.default.removeItem(at: output) }
            let quoted = arguments.map(TmuxDashboardTests.shellQuoted).joined(separator: " ")
            _ = TmuxDashboardTests.run("tmux \(quoted) > '\(output.path)' 2>/dev/null < /dev/null")
            return (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }

        func screen() throws -> String { try tmux("capture-pane", "-p", "-t", name) }
        func press(_ key: String) throws { try tmux("send-keys", "-t", name, key) }

        /// Polls the screen until `condition` holds, for at most `seconds`.
        func waitFor(_ what: String, seconds: Double, _ condition: (String) -> Bool) async throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < deadline {
                last = try screen()
                if condition(last) { return last }
                try await Task.sleep(for: .milliseconds(250))
            }
            Issue.record("timed out waiting for \(what); screen was:\n\(last)")
            throw CancellationError()
        }

        /// Waits for `watch --port 0`'s screen and returns the ingest port it shows.
        func watchPort() async throws -> Int {
            let ready = try await waitFor("the watch screen and its port", seconds: 20) { $0.contains("WATCH") && $0.contains("ingest :") }
            return try #require(ready.components(separatedBy: "ingest :").last.map { $0.prefix { $0.isASCII && $0.isNumber } }.flatMap { Int($0) })
        }
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Runs a shell command to completion and returns its exit status.
    static func run(_ command: String) -> Int32 {
        runShell(command)
    }

    /// The ALL row's cells: [name, req/s, p50, p95, hit %, stale %, CRM err %, CPU, state].
    static func allRow(_ screen: String) -> [String]? {
        screen.split(separator: "\n").first { $0.hasPrefix("▶ALL") || $0.hasPrefix(" ALL") }
            .map { $0.split(separator: " ").map(String.init) }
    }

    static func number(_ cell: String) -> Double? {
        Double(cell.filter { $0.isNumber || $0 == "." })
    }

    @Test("Tables appear; e drives CRM errors to ALERT; 0 clears; F y drops the hit rate; q restores the terminal")
    func liveDemo() async throws {
        try Self.requireTools()
        let binary = Self.binary
        let thresholds = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-thresholds-\(UUID().uuidString).json")
        try #"{"pendingSeconds": 2, "minimumSamples": 5}"#.write(to: thresholds, atomically: true, encoding: .utf8)
        let session = Session()
        // The terminal's modes before the dashboard starts and after it exits, from inside the pane.
        let modesBefore = session.status.path + ".before", modesAfter = session.status.path + ".after"
        defer { for path in [modesBefore, modesAfter] { try? FileManager.default.removeItem(atPath: path) } }
        let command = "stty -g > \(modesBefore); \(binary) --port 0 --window 10s --rate 80 --thresholds \(thresholds.path) --log-file /tmp/\(session.name).log; "
            + "status=$?; stty -g > \(modesAfter); echo EXIT:$status > \(session.status.path); sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "32", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }

        let first = try await session.waitFor("the colo table and thresholds table", seconds: 30) {
            $0.contains("COLO") && $0.contains("THRESHOLDS") && $0.contains("p95 latency") && $0.contains("LIVE")
        }
        #expect(first.contains("CRM ERR %"))
        // While it runs, the terminal is the dashboard's: other modes (no echo, no line
        // buffering) and the alternate screen. The same reads after q must show the shell's again.
        let tty = try session.tmux("display-message", "-p", "-t", session.name, "#{pane_tty}").trimmingCharacters(in: .whitespacesAndNewlines)
        let shellModes = try String(contentsOfFile: modesBefore, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let dashboardModes = Self.modes(of: tty)
        #expect(!shellModes.isEmpty && !dashboardModes.isEmpty, "stty read nothing (tty \(tty))")
        #expect(dashboardModes != shellModes, "the dashboard left the terminal's modes as the shell had them")
        #expect(try session.tmux("display-message", "-p", "-t", session.name, "#{alternate_on}").hasPrefix("1"))

        // Let the cache warm so the flush has something to drop.
        let warm = try await session.waitFor("a warm cache", seconds: 40) { screen in
            guard let row = Self.allRow(screen), row.count >= 9, let hit = Self.number(row[4]) else { return false }
            return hit >= 40
        }
        #expect(!warm.contains("FAULT"))

        try session.press("e")
        let failing = try await session.waitFor("CRM errors in ALERT", seconds: 30) { screen in
            guard let row = Self.allRow(screen), row.count >= 9 else { return false }
            // `✖…` is still pending; `✖` alone is the state held.
            return row[6].hasSuffix("✖") && screen.contains("FAULT: CRM 503 50%")
        }
        #expect(failing.contains("crm_error_rate WARN → ALERT") || failing.contains("crm_error_rate OK → ALERT"))

        try session.press("0")
        _ = try await session.waitFor("the banner to go", seconds: 10) { !$0.contains("FAULT:") && ($0.contains(" no faults ·") || $0.contains(" no CRM faults ·")) }
        _ = try await session.waitFor("CRM errors to clear", seconds: 40) { screen in
            guard let row = Self.allRow(screen), row.count >= 9 else { return false }
            return !row[6].contains("✖") && screen.contains("crm_error_rate ALERT →")
        }

        let before = try #require(Self.allRow(try session.screen()).flatMap { Self.number($0[4]) })
        try session.press("F")
        _ = try await session.waitFor("the flush question", seconds: 10) { $0.contains("entries will go. y/N") }
        try session.press("y")
        _ = try await session.waitFor("the flush in the log", seconds: 10) { $0.contains("flushed all caches") }
        _ = try await session.waitFor("the hit rate to drop", seconds: 20) { screen in
            guard let row = Self.allRow(screen), let hit = Self.number(row[4]) else { return false }
            return hit < before - 5
        }

        try session.press("q")
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (try? String(contentsOf: session.status, encoding: .utf8))?.contains("EXIT:") != true {
            try await Task.sleep(for: .milliseconds(200))
        }
        let status = try String(contentsOf: session.status, encoding: .utf8)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT:0")
        let after = try session.screen()
        #expect(!after.contains("THRESHOLDS"), "the dashboard is still on screen after q")
        // Restored: the shell's modes (echo, line buffering, signals), the main screen, a cursor.
        // (The modes were written before the status the wait above looked for.)
        let restored = try String(contentsOfFile: modesAfter, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(restored == shellModes, "stty -g before \(shellModes), after \(restored)")
        let flags = try session.tmux("display-message", "-p", "-t", session.name, "#{alternate_on} #{cursor_flag}")
        #expect(flags.trimmingCharacters(in: .whitespacesAndNewlines) == "0 1", "alternate screen, cursor: \(flags)")
    }

    /// `stty -g` of a terminal, read from outside it.
    static func modes(of tty: String) -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("stty-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = run("stty -g -F \(shellQuoted(tty)) > \(output) 2>/dev/null")
        return ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("w writes the screen as text and the snapshot as JSON to --dump-dir, and says where")
    func screenDump() async throws {
        try Self.requireTools()
        let folder = URL(fileURLWithPath: "/tmp/ewd-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let session = Session()
        let command = "\(Self.binary) --port 0 --log-file /tmp/\(session.name).log --dump-dir \(folder.path); sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "32", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        _ = try await session.waitFor("the dashboard", seconds: 30) { $0.contains("COLO") && $0.contains("THRESHOLDS") }
        try session.press("w")
        let screen = try await session.waitFor("the dump notice", seconds: 10) { $0.contains("wrote edgewatch-") && $0.contains(".json in /tmp/ewd-") }
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count == 2)
        let text = try #require(files.first { $0.hasSuffix(".txt") })
        let json = try #require(files.first { $0.hasSuffix(".json") })
        #expect(text.hasPrefix("edgewatch-") && text.dropLast(4) == json.dropLast(5))
        #expect(screen.contains(text))
        let dumped = try String(contentsOf: folder.appendingPathComponent(text), encoding: .utf8)
        #expect(dumped.contains("COLO") && dumped.contains("THRESHOLDS") && dumped.contains("edgewatch"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(json))) as? [String: Any]
        #expect(object?["all"] != nil && object?["windowSeconds"] as? Int == 60)
        try session.press("q")
    }

    @Test("/ filters the colo table by code and shows the filter in the header; Esc clears it")
    func filter() async throws {
        try Self.requireTools()
        let session = Session()
        let command = "\(Self.binary) --port 0 --log-file /tmp/\(session.name).log; sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "32", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        _ = try await session.waitFor("several colos", seconds: 30) { $0.contains(" SIN ") && $0.contains(" LHR ") }
        try session.press("/")
        for key in ["S", "I", "N"] { try session.press(key) }
        _ = try await session.waitFor("the prompt", seconds: 5) { $0.contains("/SIN█") }
        try session.press("Enter")
        // Table rows start with the colo (" LHR" or "▶LHR"); log lines start with a time.
        func tableRows(_ screen: String) -> [String] {
            screen.split(separator: "\n").map(String.init).filter { $0.hasPrefix(" ") || $0.hasPrefix("▶") }
                .compactMap { $0.dropFirst().split(separator: " ").first.map(String.init) }
        }
        let filtered = try await session.waitFor("only SIN", seconds: 5) { screen in
            let rows = tableRows(screen)
            return rows.contains("SIN") && !rows.contains("LHR")
        }
        #expect(filtered.split(separator: "\n").first?.contains("/SIN") == true)
        #expect(filtered.contains("ALL"))
        try session.press("Escape")
        _ = try await session.waitFor("all colos again", seconds: 5) { screen in
            let rows = tableRows(screen)
            return rows.contains("LHR") && rows.contains("SIN")
        }
        try session.press("q")
    }

    @Test("Enter opens the selected colo up close at 80×24, ↓ moves to the next row, Esc goes back to the table")
    func detailView() async throws {
        try Self.requireTools()
        let session = Session()
        let command = "\(Self.binary) --port 0 --log-file /tmp/\(session.name).log; sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "80", "-y", "24", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        // 80×24 has room for four colos; a line says how many more there are.
        _ = try await session.waitFor("four colos and the rest counted", seconds: 30) { $0.contains(" FRA ") && $0.contains("+4 more ↓") }
        // Only SIN and ALL in the table, SIN selected, then up close.
        try session.press("/")
        for key in ["S", "I", "N", "Enter"] { try session.press(key) }
        _ = try await session.waitFor("the filter", seconds: 5) { $0.split(separator: "\n").first?.contains("/SIN") == true }
        // ALL is selected at start; ↑ selects SIN, the row above it.
        try session.press("Up")
        _ = try await session.waitFor("SIN selected", seconds: 5) { $0.contains("▶SIN") }
        try session.press("Enter")
        let detail = try await session.waitFor("SIN up close", seconds: 10) { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return lines.count >= 24 && lines[2].hasPrefix(" SIN ") && screen.contains("LATENCY ms") && lines[23].hasPrefix("Esc back")
        }
        for part in ["p50 ms", "p95 ms", "p99 ms", "hit %", "stale %", "CRM err %", "<1 ms", "≥5 s", "ERRORS · by errorType", "CPU ms", "CACHE", "CHANGES · SIN"] {
            #expect(detail.contains(part), "\(part)")
        }
        #expect(!detail.contains("COLO"))
        try session.press("Down")
        _ = try await session.waitFor("ALL up close", seconds: 10) { $0.contains(" ALL colos ") && $0.contains("CHANGES · ALL") }
        try session.press("Escape")
        _ = try await session.waitFor("the table again", seconds: 5) { $0.contains("COLO") && $0.contains("THRESHOLDS") && !$0.contains("LATENCY ms") }
        try session.press("q")
    }

    @Test("With the CRM hanging, taking it down never freezes the screen: the heartbeat keeps turning")
    func neverFreezes() async throws {
        try Self.requireTools()
        let session = Session()
        let command = "\(Self.binary) --port 0 --rate 60 --log-file /tmp/\(session.name).log; echo EXIT:$? > \(session.status.path); sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "32", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        _ = try await session.waitFor("the dashboard", seconds: 30) { $0.contains("COLO") && $0.contains("THRESHOLDS") }
        try session.press("t")
        _ = try await session.waitFor("the hang banner", seconds: 10) { $0.contains("FAULT:") }
        // Let hanging requests pile up in the simulator, then close it under them.
        try await Task.sleep(for: .seconds(2))
        try session.press("d")
        var beats: [(Character, Date)] = []
        var sawDown = false
        let started = Date()
        while Date().timeIntervalSince(started) < 3 {
            let screen = try session.screen()
            if let header = screen.split(separator: "\n").first, let range = header.range(of: "edgewatch "),
               let beat = header[range.upperBound...].first, beats.last?.0 != beat {
                beats.append((beat, Date()))
            }
            sawDown = sawDown || screen.contains("CRM DOWN")  // the banner; log lines can scroll away
            try await Task.sleep(for: .milliseconds(40))
        }
        // Four redraws a second turn the heartbeat about twelve times in three seconds, and it
        // never stands still for long (closing the simulator under hanging requests takes about
        // a second: a loop that waited for it would stall that long).
        let gaps = zip(beats.dropFirst(), beats).map { $0.1.timeIntervalSince($1.1) }
        #expect(beats.count >= 9, "the heartbeat turned only \(beats.count) times in 3 s")
        #expect((gaps.max() ?? 3) < 0.7, "the screen stood still for \(gaps.max() ?? 3) s")
        #expect(sawDown, "the down change did not reach the screen within 3 s")
        try session.press("q")
        try await eventually("the dashboard to exit", within: .seconds(15)) { (try? String(contentsOf: session.status, encoding: .utf8))?.contains("EXIT:") == true }
        #expect(try String(contentsOf: session.status, encoding: .utf8).contains("EXIT:0"))
    }

    @Test("watch shows only what is posted to /ingest, and its flush and fault keys say why they are off")
    func watch() async throws {
        try Self.requireTools()
        let binary = Self.binary
        let session = Session()
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "30", "\(binary) watch --port 0; sleep 30")
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        let port = try await session.watchPort()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let batch = (0..<25).map { i in
            #"{"timestamp":\#(now),"service":"genesys-edge-middleware","colo":"SYD","latencyMs":\#(i * 3),"cacheHit":true,"customerFound":true,"errorType":null}"#
        }.joined(separator: "\n")
        let reply = try await HTTPProbe.send(.POST, "http://127.0.0.1:\(port)/ingest", body: batch)
        #expect(reply.status == 202)
        let screen = try await session.waitFor("the SYD row", seconds: 10) { $0.contains(" SYD ") }
        #expect(!screen.contains(" LHR "))
        try session.press("e")
        _ = try await session.waitFor("the reason faults are off", seconds: 5) { $0.contains("faults disabled: watch mode") }
        try session.press("q")
    }

    @Test("Two serve --report-to instances feed one watch: both listed with their events and split in the detail view; one stopped goes silent")
    func fleet() async throws {
        try Self.requireTools()
        let binary = Self.binary
        let watch = Session()
        try watch.tmux("new-session", "-d", "-s", watch.name, "-x", "120", "-y", "30", "\(binary) watch --port 0; sleep 60")
        defer { _ = try? watch.tmux("kill-session", "-t", watch.name) }
        let port = try await watch.watchPort()
        let instances = [(Session(), "edge-a"), (Session(), "edge-b")]
        for (session, id) in instances {
            try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "10",
                             "\(binary) serve --port 0 --traffic --rate 20 --report-to http://127.0.0.1:\(port) --instance-id \(id); sleep 60")
        }
        defer { for (session, _) in instances { _ = try? session.tmux("kill-session", "-t", session.name) } }
        _ = try await watch.waitFor("two sources in the header", seconds: 30) { $0.split(separator: "\n").first?.contains(" 2 sources") == true }
        let snapshot = try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/api/snapshot")
        let sources = try #require(snapshot.json["sources"] as? [[String: Any]])
        #expect(sources.compactMap { $0["id"] as? String } == ["edge-a", "edge-b"])
        #expect(sources.allSatisfy { ($0["events"] as? Int ?? 0) > 0 && $0["stale"] as? Bool == false && $0["lastSeen"] is Int })
        // ALL up close splits by source.
        try watch.press("Enter")
        _ = try await watch.waitFor("the split by source", seconds: 10) { $0.contains("BY SOURCE") && $0.contains("edge-a") && $0.contains("edge-b") }
        try watch.press("Escape")
        // edge-b stops: after 10 s of silence it is flagged, on screen and in the snapshot.
        _ = try instances[1].0.tmux("kill-session", "-t", instances[1].0.name)
        let silent = try await watch.waitFor("edge-b silent", seconds: 25) { $0.contains("1 source 1 silent") }
        #expect(silent.contains("source edge-b silent for over 10 s"))
        let later = try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/api/snapshot")
        let stale = (later.json["sources"] as? [[String: Any]] ?? []).filter { $0["stale"] as? Bool == true }.compactMap { $0["id"] as? String }
        #expect(stale == ["edge-b"])
        try watch.press("q")
    }

    @Test("replay drives the same screen from a recording, with its alerts, and keeps flush off")
    func replay() async throws {
        try Self.requireTools()
        let binary = Self.binary
        let file = Self.root.appendingPathComponent("sample-metrics/crm-outage.jsonl").path
        let session = Session()
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "30", "\(binary) replay \(file) --speed max; sleep 30")
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        let screen = try await session.waitFor("the replayed outage", seconds: 30) {
            $0.contains("REPLAY") && $0.contains("crm_error_rate") && $0.contains("ALERT →")
        }
        #expect(screen.contains(" SIN "))
        try session.press("F")
        _ = try await session.waitFor("the reason flush is off", seconds: 5) { $0.contains("flush disabled: this is a replay") }
        // At the end it says so, where the recording ended, and no longer that it is playing.
        let end = try await session.waitFor("the end of the recording", seconds: 30) { $0.contains("end of recording at 4:59") }
        #expect(!end.contains("replaying") && end.contains("■ 4:59 / 4:59"))
        // Space plays it again from the start. At full speed the five minutes play out faster than
        // a poll can see (the engine's snapshots take about a millisecond), so first slow it to
        // 16× ("[" halves it; 12 times from the top), which takes some 19 s to reach the end.
        for _ in 0..<12 { try session.press("[") }
        try session.press("Space")
        _ = try await session.waitFor("playing again", seconds: 10) { !$0.contains("end of recording") && $0.contains("▶ ") }
        try session.press("q")
    }

    @Test("Without a terminal it explains itself, points to serve and report, and exits non-zero")
    func noTerminal() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "the edgewatch binary is missing beside the test runner: \(Self.binary)")
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-notty-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: errors) }
        let binary = Self.binary
        let status = Self.run("\(Self.shellQuoted(binary)) < /dev/null > /dev/null 2> '\(errors.path)'")
        let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(status == 2)
        #expect(message.contains("not a terminal"))
        #expect(message.contains("edgewatch serve"))
        #expect(message.contains("edgewatch report"))
    }
}
