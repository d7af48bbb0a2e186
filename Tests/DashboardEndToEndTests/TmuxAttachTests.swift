import Foundation
import TestSupport
import Testing

extension TmuxDashboardTests {
    static let readToken = "read-token-0123456789abcdef"
    static let adminToken = "admin-token-0123456789abcdef"

    /// Starts `serve --traffic` on `port` (0: any) with read and admin tokens, in its own tmux
    /// session, and returns the port it listens on.
    static func startServe(_ session: Session, port: Int, log: URL) async throws -> Int {
        try await start("READ_TOKEN=\(readToken) ADMIN_TOKEN=\(adminToken) \(binary) serve --port \(port) --traffic --rate 40",
                        marker: "serving the lookup API on http://127.0.0.1:", log: log, session: session)
    }

    /// Runs `command` in `session`, logging to `log`, and waits (30 s at most) for `marker` and
    /// the port after it in the log.
    static func start(_ command: String, marker: String, log: URL, session: Session) async throws -> Int {
        try? FileManager.default.removeItem(at: log)
        try session.tmux("new-session", "-d", "-s", session.name, "-x", "100", "-y", "10", "\(command) > \(log.path) 2>&1; sleep 60")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }),
               let port = SignalTests.port(in: String(line), after: marker).flatMap({ Int($0) }) {
                return port
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("\(command) did not say its port; log:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        throw CancellationError()
    }

    /// A `serve --traffic` in its own tmux session, on any port, logging to a temporary file.
    static func newServe() async throws -> (session: Session, log: URL, port: Int) {
        let session = Session()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(session.name)-serve.log")
        return (session, log, try await startServe(session, port: 0, log: log))
    }

    @Test("attach: the whole window at once; the server killed is DISCONNECTED · retrying in grey, brought back it is live again; F flushes it remotely; q restores the terminal")
    func attach() async throws {
        try Self.requireTools()
        let (server, log, port) = try await Self.newServe()
        defer {
            _ = try? server.tmux("kill-session", "-t", server.name)
            try? FileManager.default.removeItem(at: log)
        }
        // A few seconds of history on the server before anyone looks.
        try await Task.sleep(for: .seconds(3))

        let console = Session()
        let command = "READ_TOKEN=\(Self.readToken) ADMIN_TOKEN=\(Self.adminToken) \(Self.binary) attach http://127.0.0.1:\(port); echo EXIT:$? > \(console.status.path); sleep 60"
        try console.tmux("new-session", "-d", "-s", console.name, "-x", "100", "-y", "32", command)
        defer { _ = try? console.tmux("kill-session", "-t", console.name) }
        let first = try await console.waitFor("the attached dashboard", seconds: 30) { $0.contains(" ATTACHED ") && $0.contains("THRESHOLDS") && $0.contains(" LHR ") }
        #expect(first.contains("attached to http://127.0.0.1:\(port)"))
        // The history is there at once: seconds from before the console started.
        let span = first.components(separatedBy: "HISTORY · ALL · last ").dropFirst().first.map { $0.prefix { $0 != " " } } ?? ""
        let parts = span.split(separator: ":").compactMap { Int($0) }
        #expect(parts.count == 2 && parts[0] * 60 + parts[1] >= 3, "the history from before the console started: \(span)")
        let hints = first.split(separator: "\n").last.map(String.init) ?? ""
        #expect(hints.contains("flush") && !hints.contains("faults") && !hints.contains("rate"), "fault and traffic keys are not offered attached: \(hints)")

        try console.press("F")
        _ = try await console.waitFor("the flush question", seconds: 10) { $0.contains("at http://127.0.0.1:\(port)? y/N") }
        try console.press("y")
        _ = try await console.waitFor("the flush answer", seconds: 10) { $0.contains("flushed all caches:") }
        let serverLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(serverLog.contains("cache flush asked by 127.0.0.1"))

        _ = try server.tmux("kill-session", "-t", server.name)
        let lost = try await console.waitFor("the disconnected banner", seconds: 20) { $0.contains("DISCONNECTED") && $0.contains("s · retrying") }
        #expect(lost.contains(" LHR "), "the last figures stay")
        #expect(!lost.contains(" ATTACHED "))

        let again = Session()
        _ = try await Self.startServe(again, port: port, log: log)
        defer { _ = try? again.tmux("kill-session", "-t", again.name) }
        let back = try await console.waitFor("the console live again", seconds: 30) { $0.contains(" ATTACHED ") && !$0.contains("DISCONNECTED") }
        #expect(back.contains("attached again to http://127.0.0.1:\(port)"))

        try console.press("q")
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline, (try? String(contentsOf: console.status, encoding: .utf8))?.contains("EXIT:") != true {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try String(contentsOf: console.status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT:0")
        #expect(!(try console.screen()).contains("THRESHOLDS"), "the dashboard is still on screen after q")
    }

    @Test("attach with a wrong token exits 2 naming READ_TOKEN, before any dashboard is drawn")
    func attachWrongToken() async throws {
        try Self.requireTools()
        let (server, log, port) = try await Self.newServe()
        defer {
            _ = try? server.tmux("kill-session", "-t", server.name)
            try? FileManager.default.removeItem(at: log)
        }
        let console = Session()
        let command = "READ_TOKEN=wrong-token-0123456789abcdef \(Self.binary) attach http://127.0.0.1:\(port); echo EXIT:$? > \(console.status.path); sleep 30"
        try console.tmux("new-session", "-d", "-s", console.name, "-x", "100", "-y", "32", command)
        defer { _ = try? console.tmux("kill-session", "-t", console.name) }
        let screen = try await console.waitFor("the refusal", seconds: 20) { $0.contains("refused the read token") }
        #expect(screen.contains("READ_TOKEN") && !screen.contains("THRESHOLDS"))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (try? String(contentsOf: console.status, encoding: .utf8))?.contains("EXIT:") != true {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try String(contentsOf: console.status, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "EXIT:2")
    }
}

extension TmuxDashboardTests {
    @Test("watch --headless receives /ingest as a service; a console attaches to it, and its flush keys say the caches are elsewhere")
    func headlessWatch() async throws {
        try Self.requireTools()
        let service = Session()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(service.name)-watch.log")
        defer { try? FileManager.default.removeItem(at: log) }
        try service.tmux("new-session", "-d", "-s", service.name, "-x", "100", "-y", "10",
                         "READ_TOKEN=\(Self.readToken) \(Self.binary) watch --headless --port 0 > \(log.path) 2>&1; sleep 60")
        defer { _ = try? service.tmux("kill-session", "-t", service.name) }
        var port: Int?
        let deadline = Date().addingTimeInterval(30)
        while port == nil, Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            port = text.split(separator: "\n").first { $0.contains("receiving on") }.flatMap { SignalTests.port(in: String($0), after: "http://127.0.0.1:") }.flatMap { Int($0) }
            if port == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        let bound = try #require(port, "watch --headless did not say its port")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let batch = (0..<25).map { i in
            #"{"timestamp":\#(now),"service":"genesys-edge-middleware","colo":"SYD","latencyMs":\#(i * 3),"cacheHit":true,"customerFound":true,"errorType":null}"#
        }.joined(separator: "\n")
        #expect(try await HTTPProbe.send(.POST, "http://127.0.0.1:\(bound)/ingest", body: batch).status == 202)
        #expect(try await HTTPProbe.send(.GET, "http://127.0.0.1:\(bound)/api/snapshot").status == 401, "the read token guards its figures")

        let console = Session()
        try console.tmux("new-session", "-d", "-s", console.name, "-x", "100", "-y", "32",
                         "READ_TOKEN=\(Self.readToken) \(Self.binary) attach http://127.0.0.1:\(bound); sleep 30")
        defer { _ = try? console.tmux("kill-session", "-t", console.name) }
        let screen = try await console.waitFor("the SYD row, attached", seconds: 20) { $0.contains(" ATTACHED ") && $0.contains(" SYD ") }
        #expect(!(screen.split(separator: "\n").last ?? "").contains("flush"))
        try console.press("F")
        _ = try await console.waitFor("why flush is off", seconds: 5) { $0.contains("flush off: this is a watch") }
        try console.press("q")
    }
}
