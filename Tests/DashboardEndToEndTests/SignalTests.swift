#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Subprocess
import TestSupport
import Testing

/// SIGTERM and SIGINT, as a service manager or a person at the keyboard sends them: the process
/// exits 0, answers the lookups already in flight, and (for the dashboard) restores the terminal.
@Suite("Signals", .serialized)
struct SignalTests {
    static let signals: [(name: String, signal: Subprocess.Signal, number: Int32)] = [
        ("SIGTERM", .terminate, SIGTERM), ("SIGINT", .interrupt, SIGINT),
    ]

    @Test("serve: a signal lets in-flight lookups finish, then exits 0", arguments: signals.map(\.name))
    func serve(signalName: String) async throws {
        try TmuxDashboardTests.requireTools()
        let signal = try #require(Self.signals.first { $0.name == signalName }).signal
        let binary = TmuxDashboardTests.binary
        let outcome = try await within(.seconds(60), "serve to start, answer and stop") {
            let result = try await run(
                .path(.init(binary)), arguments: ["serve", "--port", "0", "--crm-timeout", "5", "--log-level", "notice"],
                input: .none, output: .discarded, error: .sequence
            ) { execution in
                var lines = execution.standardError.strings().makeAsyncIterator()
                var simulator: String?
                var port: String?
                while simulator == nil || port == nil, let line = try await lines.next() {
                    if let found = Self.port(in: line, after: "simulator at http://127.0.0.1:") { simulator = "http://127.0.0.1:\(found)" }
                    if let found = Self.port(in: line, after: "lookup API on http://127.0.0.1:") { port = found }
                }
                guard let simulator, let port else { return (status: 0, body: "serve did not announce its ports") }
                // The CRM answers after 1.5 s, so the lookup is in flight when the signal lands.
                let slow = #"{"latency":{"probability":1,"milliseconds":1500,"jitterMilliseconds":0},"down":false}"#
                _ = try await HTTPProbe.send(.PUT, simulator + "/admin/faults", body: slow)
                let lookup = Task {
                    try await HTTPProbe.send(.POST, "http://127.0.0.1:\(port)/lookup/customer", body: #"{"ani":"+15550000042"}"#)
                }
                try await Task.sleep(for: .milliseconds(400))
                try execution.send(signal: signal)
                let reply = try await lookup.value
                while try await lines.next() != nil {}  // drain until the process closes stderr
                return (status: reply.status, body: reply.body)
            }
            return (result.closureResult.status, result.closureResult.body, result.terminationStatus.isSuccess, "\(result.terminationStatus)")
        }
        #expect(outcome.0 == 200, "in-flight lookup: \(outcome.1)")
        #expect(outcome.1.contains("\"customerId\":\"CUST-000042\""))
        #expect(outcome.2, "serve ended with \(outcome.3)")
    }

    @Test("dashboard: a signal exits 0 and leaves the terminal as it found it", arguments: signals.map(\.name))
    func dashboard(signalName: String) async throws {
        try TmuxDashboardTests.requireTools()
        let number = try #require(Self.signals.first { $0.name == signalName }).number
        let session = TmuxDashboardTests.Session()
        let settings = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-stty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: settings) }
        let command = "\(TmuxDashboardTests.binary) --port 0 --log-file /tmp/\(session.name).log; echo EXIT:$? > \(session.status.path); stty -a > \(settings.path); sleep 60"
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "32", command)
        defer { _ = try? session.tmux("kill-session", "-t", session.name) }
        _ = try await session.waitFor("the dashboard", seconds: 30) { $0.contains("COLO") && $0.contains("THRESHOLDS") }
        let shell = try session.tmux("display-message", "-p", "-t", session.name, "#{pane_pid}").trimmingCharacters(in: .whitespacesAndNewlines)
        let pidText = try Self.output("pgrep -P \(shell) -x edgewatch")
        let pid = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)), "no edgewatch child of pane \(shell)")
        #expect(kill(pid, number) == 0)
        try await eventually("the dashboard to exit", within: .seconds(20)) {
            // The shell creates the file before stty writes it: wait for its last setting.
            (try? String(contentsOf: settings, encoding: .utf8))?.contains("extproc") == true
        }
        let status = try String(contentsOf: session.status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(status == "EXIT:0")
        let modes = Set(try String(contentsOf: settings, encoding: .utf8).split(whereSeparator: { $0.isWhitespace || $0 == ";" }).map(String.init))
        // ncurses turns these off while it runs; a restored terminal has them back on.
        for mode in ["icanon", "echo", "icrnl", "opost"] {
            #expect(modes.contains(mode) && !modes.contains("-" + mode), "terminal left with \(mode) off: \(modes.sorted())")
        }
        let screen = try session.screen()
        #expect(!screen.contains("THRESHOLDS"), "the dashboard is still on screen")
    }

    /// The port announced after `marker` in a log line, if the line has it.
    static func port(in line: String, after marker: String) -> String? {
        guard let range = line.range(of: marker) else { return nil }
        let digits = line[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    static func output(_ command: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("edgewatch-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        _ = TmuxDashboardTests.run("\(command) > '\(file.path)' 2>/dev/null < /dev/null")
        return (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }
}
