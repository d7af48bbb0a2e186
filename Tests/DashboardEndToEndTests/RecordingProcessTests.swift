import Foundation
import LookupCore
import MetricsEngine
import TestSupport
import Testing
@testable import MetricsServer

/// Recording with real processes: `kill -9` and a restart, the disk budget under heavy ingest,
/// a read-only folder on the dashboard, a torn line, `edgewatch record`, and rewinding in tmux,
/// local and attached, through the recording.
@Suite("Recording with real processes", .serialized)
struct RecordingProcessTests {
    typealias Session = TmuxDashboardTests.Session
    static let binary = TmuxDashboardTests.binary

    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Sums a counter family in `/metrics`.
    static func counter(_ port: Int, _ prefix: String) async throws -> Int {
        let body = try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/metrics").body
        return body.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0) { $0 + Int($1) }
    }

    /// `pkill` of the edgewatch recording to `path`: not the shell that started it (whose end
    /// would hang up on it first), nor the shell running pkill.
    static func kill(_ signal: String, _ path: String) -> String {
        "pkill \(signal) -f '^\(binary) .*--record \(path)'"
    }

    /// True when a text report has its ALL row (`ALL  <req/s> …`).
    static func hasAllRow(_ report: String) -> Bool {
        report.split(separator: "\n").contains { $0.hasPrefix("ALL ") && $0.split(separator: " ").count > 10 }
    }

    static func recorded(_ path: String) throws -> Recording {
        try RecordingFolder(path: path).events(in: 0...EventLimits.timestamps.upperBound)
    }

    /// Writes `events` into `path` as a recorder would have, each second's segment named by its time.
    static func prefill(_ path: String, events: [MetricEvent]) {
        var writer = SegmentWriter(folder: path, budget: RecordingBudget())
        for chunk in stride(from: 0, to: events.count, by: 100) {
            let batch = Array(events[chunk..<min(chunk + 100, events.count)])
            _ = writer.write(batch, nowMillis: batch[batch.count - 1].timestamp)
        }
        writer.close()
    }

    /// ZRH, a colo only the prefilled recording has, slow (past p95's alert level), ten minutes
    /// from `start`.
    static func zurich(from start: Int64) -> [MetricEvent] {
        (0..<6_000).map { MetricEvent(timestamp: start + Int64($0) * 100, colo: "ZRH", latencyMs: 450, cacheHit: false, customerFound: true, cpuMs: 0.2) }
    }

    @Test("record, kill -9, restart, record more: one report reads both runs, at most the last second was lost, a torn line is skipped and counted")
    func killAndRestart() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        let log = URL(fileURLWithPath: path + ".log")
        defer {
            _ = runShell(Self.kill("-9", path))
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(at: log)
        }
        let first = Session()
        defer { _ = try? first.tmux("kill-session", "-t", first.name) }
        let command = "\(Self.binary) serve --port 0 --traffic --rate 200 --record \(path)"
        let port = try await TmuxDashboardTests.start(command, marker: "serving the lookup API on http://127.0.0.1:", log: log, session: first)
        try await Task.sleep(for: .seconds(4))
        let served = try await Self.counter(port, "edgewatch_lookups_total{")
        #expect(runShell(Self.kill("-9", path)) == 0)
        try await eventually("the first run to die", within: .seconds(10)) {
            try await Task.sleep(for: .milliseconds(100))
            return runShell("pgrep -f '^\(Self.binary) .*--record \(path)' > /dev/null") != 0
        }
        let kept = try Self.recorded(path)
        #expect(served > 300)
        // At most the last second (200 lookups) was lost.
        #expect(kept.events.count >= served - 200, "served \(served) before kill -9, \(kept.events.count) on disk")
        let segments = RecordingFolder(path: path).segments()
        try #require(segments.count == 1)
        // A crash mid-line leaves it torn.
        let handle = try #require(FileHandle(forWritingAtPath: path + "/" + segments[0].name))
        handle.seekToEndOfFile()
        handle.write(Data("1796663573162\tLHR\t36".utf8))
        try handle.close()

        let second = Session()
        defer { _ = try? second.tmux("kill-session", "-t", second.name) }
        _ = try await TmuxDashboardTests.start(command, marker: "serving the lookup API on http://127.0.0.1:", log: log, session: second)
        try await Task.sleep(for: .seconds(3))
        #expect(runShell(Self.kill("-TERM", path)) == 0)
        try await eventually("the second run to stop", within: .seconds(15)) {
            try await Task.sleep(for: .milliseconds(100))
            return runShell("pgrep -f '^\(Self.binary) .*--record \(path)' > /dev/null") != 0
        }
        let both = try Self.recorded(path)
        #expect(RecordingFolder(path: path).segments().count == 2, "a restart appends a new segment")
        #expect(both.events.count > kept.events.count + 300 && both.errorCount == 1)
        // One report across both runs.
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).err")
        defer { try? FileManager.default.removeItem(at: stderr) }
        let stdout = URL(fileURLWithPath: stderr.path + ".out")
        defer { try? FileManager.default.removeItem(at: stdout) }
        #expect(runShell("\(Self.binary) report \(path) --from +0s > \(stdout.path) 2> \(stderr.path) < /dev/null") == 0)
        let report = (try? String(contentsOf: stdout, encoding: .utf8)) ?? ""
        let warning = (try? String(contentsOf: stderr, encoding: .utf8)) ?? ""
        // The table's ALL row (a state-change line may name ALL too, so the row is looked for).
        #expect(report.contains("edgewatch report \(path) at ") && Self.hasAllRow(report), "\(report)")
        #expect(warning.contains("skipped 1 malformed line(s)") && warning.contains("torn"), "\(warning)")
        let text = try SignalTests.output("\(Self.binary) replay \(path) --text 2>/dev/null")
        #expect(text.contains("final state"))
        // A stretch of the folder only: its segments are read, its events played.
        let stretch = try SignalTests.output("\(Self.binary) replay \(path) --from +1s --to +3s --text 2>/dev/null")
        let seen = stretch.components(separatedBy: "final state").last ?? ""
        #expect(stretch.contains("final state") && Self.hasAllRow(seen), "\(stretch)")
    }

    @Test("Heavy ingest into a 256 KiB budget: the folder never holds more, the oldest segments go, counted and logged; every event written or counted")
    func budgetUnderLoad() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        let log = URL(fileURLWithPath: path + ".log")
        let session = Session()
        defer {
            _ = try? session.tmux("kill-session", "-t", session.name)
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(at: log)
        }
        let port = try await TmuxDashboardTests.start("\(Self.binary) watch --headless --port 0 --record \(path) --record-max-bytes 256KiB",
                                        marker: "receiving on http://127.0.0.1:", log: log, session: session)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var posted = 0
        for batch in 0..<40 {
            let lines = (0..<5_000).map { index in
                EventCodec.encode(MetricEvent(timestamp: now + Int64(batch * 10 + index % 10), colo: ["LHR", "SIN", "IAD"][index % 3], latencyMs: 3.25,
                                              cacheHit: index % 2 == 0, customerFound: true, cpuMs: 0.04))
            }
            let reply = try await HTTPProbe.send(.POST, "http://127.0.0.1:\(port)/ingest", body: lines.joined(separator: "\n"))
            #expect(reply.status == 202)
            posted += 5_000
            let bytes = RecordingFolder(path: path).segments().reduce(Int64(0)) { $0 + $1.bytes }
            #expect(bytes <= RecordingBudget.smallestBytes, "after \(posted) events the folder holds \(bytes) bytes")
        }
        let total = posted
        try await eventually("every event written or counted", within: .seconds(10)) {
            try await Self.counter(port, "edgewatch_recording_events_total{") == total
        }
        let removed = try await Self.counter(port, "edgewatch_recording_segments_removed_total")
        let written = try await Self.counter(port, #"edgewatch_recording_events_total{outcome="written"}"#)
        #expect(removed >= 10 && written == posted)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(text.contains("removed recording ") && text.contains("to stay within the folder's budget"))
    }

    @Test("A read-only folder: the dashboard runs, the header says RECORDING FAILING and the log why; writable again, it records")
    func readOnlyOnTheDashboard() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        defer {
            ReadOnlyFolder.unlock(path)
            try? FileManager.default.removeItem(atPath: path)
        }
        try #require(ReadOnlyFolder.lock(path), "the folder could not be made read-only here (chattr or chmod)")
        let session = Session()
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "120", "-y", "40", "\(Self.binary) --port 0 --record \(path); sleep 60")
        let failing = try await session.waitFor("RECORDING FAILING", seconds: 30) { $0.contains("RECORDING FAILING") && $0.contains(" LHR ") }
        #expect(failing.contains("recording fails: cannot create a segment in \(path)"), "the event log says why")
        ReadOnlyFolder.unlock(path)
        let back = try await session.waitFor("recording again", seconds: 20) { $0.contains("recording works again") && !$0.contains("RECORDING FAILING") }
        #expect(back.contains("● rec"))
        #expect(!RecordingFolder(path: path).segments().isEmpty)
        try session.press("q")
    }

    @Test("edgewatch record: /ingest goes to disk and nothing else runs; a stop writes what it took")
    func recordCommand() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        let log = URL(fileURLWithPath: path + ".log")
        let session = Session()
        defer {
            _ = try? session.tmux("kill-session", "-t", session.name)
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(at: log)
        }
        let port = try await TmuxDashboardTests.start("\(Self.binary) record --port 0 --record \(path)", marker: "receiving on http://127.0.0.1:", log: log, session: session)
        // A minute's worth, ending a little before now (events older than 15 minutes are not kept).
        let events = Self.zurich(from: Int64(Date().timeIntervalSince1970 * 1000) - 110_000).prefix(1_000)
        let reply = try await HTTPProbe.send(.POST, "http://127.0.0.1:\(port)/ingest", body: events.map(EventCodec.encode).joined(separator: "\n"))
        #expect(reply.status == 202)
        #expect(try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/api/snapshot").status == 404, "no engine here")
        #expect(runShell(Self.kill("-TERM", path)) == 0)
        try await eventually("record to stop", within: .seconds(15)) {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("edgewatch record stopped")
        }
        #expect(try Self.recorded(path).events == Array(events))
    }

    @Test("Rewind in the dashboard: , steps back through the engine's window; ( an hour back plays the recording; L is live again")
    func rewindLocal() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hourAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        Self.prefill(path, events: Self.zurich(from: hourAgo - 300_000))
        let session = Session()
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "120", "-y", "40", "\(Self.binary) --port 0 --record \(path); sleep 60")
        _ = try await session.waitFor("the live demo", seconds: 30) { $0.contains(" LIVE ") && $0.contains(" LHR ") }
        try await Task.sleep(for: .seconds(12))
        try session.press(",")
        let kept = try await session.waitFor("rewound in memory", seconds: 10) { $0.contains(" REWOUND ") && $0.contains("kept by the engine") }
        #expect(kept.contains("live is 1") && !kept.contains(" ZRH "), "ten seconds back: \(kept)")
        try session.press("(")
        let recorded = try await session.waitFor("rewound through the recording", seconds: 30) { $0.contains("from the recording") && $0.contains(" ZRH ") }
        #expect(recorded.contains("live is 1h ahead"), "\(recorded)")
        let zurich = recorded.split(separator: "\n").first { $0.contains(" ZRH ") } ?? ""
        #expect(zurich.contains("ALERT"), "ZRH was past p95's alert level then: \(zurich)")
        try session.press("L")
        let live = try await session.waitFor("live again", seconds: 10) { $0.contains(" LIVE ") && !$0.contains("REWOUND") }
        #expect(!live.contains(" ZRH "))
        try session.press("q")
    }

    @Test("Rewind attached: the server's recording through /api/rewind, the same snapshot as report --at; ( and L in the console")
    func rewindAttached() async throws {
        try TmuxDashboardTests.requireTools()
        let path = try Self.folder()
        let log = URL(fileURLWithPath: path + ".log")
        let server = Session()
        defer {
            _ = try? server.tmux("kill-session", "-t", server.name)
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(at: log)
        }
        let hourAgo = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        Self.prefill(path, events: Self.zurich(from: hourAgo - 300_000))
        let port = try await TmuxDashboardTests.start("\(Self.binary) watch --headless --port 0 --record \(path)", marker: "receiving on http://127.0.0.1:", log: log, session: server)
        // The route and the report: one engine, one answer.
        let moment = hourAgo
        let answer = try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/api/rewind?at=\(moment)", timeout: .seconds(30))
        #expect(answer.status == 200)
        let rewound = try JSONDecoder().decode(ReadRoutes.Rewound.self, from: Data(answer.body.utf8))
        #expect(rewound.fromRecording && rewound.snapshot.colos.map { $0.colo } == ["ZRH"])
        let report = try SignalTests.output("\(Self.binary) report \(path) --at \(moment) --format json")
        let reported = try JSONDecoder().decode(MetricsSnapshot.self, from: Data(report.utf8))
        #expect(reported == rewound.snapshot, "report --at and /api/rewind differ")
        #expect(try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/api/rewind?at=\(moment - 86_400_000)").status == 404)
        // Now, long after the recording's last event: NO DATA since then, not zero traffic.
        let now = try SignalTests.output("\(Self.binary) report \(path) --at \(Int64(Date().timeIntervalSince1970 * 1000))")
        #expect(now.contains("NO DATA: nothing recorded from") && now.split(separator: "\n").contains { $0.hasPrefix("ZRH") && $0.contains("NO DATA") }, "\(now)")

        let console = Session()
        defer { _ = try? console.tmux("kill-session", "-t", console.name) }
        try console.tmux("new-session", "-d", "-s", console.name, "-x", "120", "-y", "40", "\(Self.binary) attach http://127.0.0.1:\(port); sleep 60")
        _ = try await console.waitFor("attached", seconds: 30) { $0.contains(" ATTACHED ") }
        try console.press("(")
        let back = try await console.waitFor("rewound through the server's recording", seconds: 30) { $0.contains(" REWOUND ") && $0.contains(" ZRH ") }
        #expect(back.contains("from the recording") && back.contains("live is 1h ahead"), "\(back)")
        try console.press("L")
        _ = try await console.waitFor("attached live again", seconds: 10) { $0.contains(" ATTACHED ") && !$0.contains("REWOUND") }
        try console.press("q")
    }
}
