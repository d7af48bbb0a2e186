import Foundation
import TestSupport
import Testing

/// The screen's honesty rules, tried as a user would: the real binary, a real terminal.
@Suite("The screen never says more than the data, end to end", .serialized)
struct HonestScreenEndToEndTests {
    typealias Session = TmuxDashboardTests.Session

    /// Table rows: `[name, …, state]` for every colo row and ALL.
    static func tableRows(_ screen: String) -> [(colo: String, line: String)] {
        screen.split(separator: "\n").map(String.init).compactMap { line in
            guard line.hasPrefix(" ") || line.hasPrefix("▶"), let name = line.dropFirst().split(separator: " ").first,
                  name.count == 3, name.allSatisfy(\.isUppercase) else { return nil }
            return (String(name), line)
        }
    }

    @Test("The default demo is OK everywhere within 60 s of start, at 120×40, with no WARN or ALERT on the way")
    func greenDemo() async throws {
        try TmuxDashboardTests.requireTools()
        let session = Session()
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "120", "-y", "40",
                         "\(TmuxDashboardTests.binary) --port 0 --log-file /tmp/\(session.name).log; sleep 30")
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        // The header says "(Ns so far)" until the 60 s window has filled.
        let full = try await session.waitFor("a full window", seconds: 90) { $0.contains("window 60s │") }
        let rows = Self.tableRows(full)
        #expect(rows.count == 9, "\(full)")
        for row in rows { #expect(row.line.hasSuffix("OK") || row.line.trimmingCharacters(in: .whitespaces).hasSuffix(" OK"), "\(row.line)") }
        #expect(!full.contains("→ WARN") && !full.contains("→ ALERT") && full.contains("no alert changes"), "\(full)")
        try session.press("q")
    }

    @Test("An empty watch says NO DATA and where to post; once events come, it says what it watches")
    func emptyWatch() async throws {
        try TmuxDashboardTests.requireTools()
        let session = Session()
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "30", "\(TmuxDashboardTests.binary) watch --port 0; sleep 30")
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        let port = try await session.watchPort()
        let empty = try await session.waitFor("the post URL", seconds: 10) { $0.contains("NO DATA · post events to http://127.0.0.1:\(port)/ingest") }
        let all = try #require(empty.split(separator: "\n").first { $0.hasPrefix("▶ALL") })
        #expect(all.contains("no events yet") && all.contains("NO DATA") && !all.contains(" OK"))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let batch = (0..<25).map { _ in #"{"timestamp":\#(now),"service":"s","colo":"SYD","latencyMs":3,"cacheHit":true,"customerFound":true,"errorType":null}"# }
        #expect(try await HTTPProbe.send(.POST, "http://127.0.0.1:\(port)/ingest", body: batch.joined(separator: "\n")).status == 202)
        _ = try await session.waitFor("events watched", seconds: 10) { $0.contains("watching events posted to http://127.0.0.1:\(port)/ingest") && $0.contains(" SYD ") }
        try session.press("q")
    }

    @Test("Logs: message first, old files in the temporary folder kept to 20, the path said on exit")
    func logs() async throws {
        try TmuxDashboardTests.requireTools()
        let folder = URL(fileURLWithPath: "/tmp/ewlogs-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<25 {
            let file = folder.appendingPathComponent("edgewatch-\(90_000 + index).log")
            try "old\n".write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: Double(-3600 - index))], ofItemAtPath: file.path)
        }
        try "not ours\n".write(to: folder.appendingPathComponent("other.log"), atomically: true, encoding: .utf8)
        let session = Session()
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "30",
                         "TMPDIR=\(folder.path) \(TmuxDashboardTests.binary) --port 0 --rate 80; sleep 30")
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        _ = try await session.waitFor("the dashboard", seconds: 30) { $0.contains("COLO") && $0.contains("THRESHOLDS") }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let logs = names.filter { $0.hasPrefix("edgewatch-") && $0.hasSuffix(".log") }
        #expect(logs.count == 20, "\(logs.sorted())")
        #expect(names.contains("other.log"))
        #expect(logs.contains("edgewatch-90000.log") && !logs.contains("edgewatch-90024.log"), "the newest kept")
        try session.press("e")
        _ = try await session.waitFor("a pending CRM error rate", seconds: 30) { $0.contains("crm_error_rate OK → ") }
        try session.press("q")
        let exit = try await session.waitFor("the log path", seconds: 15) { $0.contains("edgewatch: logs are in \(folder.path)/edgewatch-") }
        let path = try #require(exit.split(separator: "\n").first { $0.hasPrefix("edgewatch: logs are in ") }).dropFirst("edgewatch: logs are in ".count)
        let text = try String(contentsOfFile: String(path), encoding: .utf8)
        let alert = try #require(text.split(separator: "\n").first { $0.contains(" alert ") && $0.contains("crm_error_rate") })
        // `<time> <level> alert LHR crm_error_rate OK → WARN pending (value 2.9 %, threshold 1.0)`
        let words = alert.split(separator: " ")
        #expect(words.count > 4 && words[2] == "alert" && words[1] != "alert", "\(alert)")
        #expect(!alert.contains("value=") && alert.range(of: #"value \d+(\.\d)? %"#, options: .regularExpression) != nil, "\(alert)")
    }

    @Test("report --at outside the recording exits 2 and names its first and last times")
    func reportOutside() async throws {
        let file = TmuxDashboardTests.root.appendingPathComponent("sample-metrics/crm-outage.jsonl").path
        for at in ["+20m", "2020-01-01T00:00:00Z"] {
            let result = try await SecurityCLITests.exit(["report", file, "--at", at])
            #expect(result.code == 2, "\(at)")
            #expect(result.stderr.contains("outside the recording") && result.stderr.contains("2026-11-02T09:00:00Z") && result.stderr.contains("+4m59s"),
                    "\(result.stderr)")
        }
        #expect(try await SecurityCLITests.exit(["report", file, "--at", "+2m30s"]).code == 0)
    }
}
