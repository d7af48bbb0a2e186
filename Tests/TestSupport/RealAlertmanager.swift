import Foundation
import NIOHTTP1

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, for the paging tests:
/// started in the background with a route to nobody, stopped (SIGTERM) by ``stop()``. (Not under
/// `timeout`: the test process's blocked signals pass to what it spawns, and `timeout` then never
/// sees the TERM it should forward; Alertmanager, a Go program, unblocks its own.)
public struct RealAlertmanager: Sendable {
    public static let binary = "prometheus-alertmanager"
    public let port: Int
    public let folder: URL
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Whether the binary is installed.
    public static var installed: Bool { runShell("command -v \(binary) > /dev/null 2>&1") == 0 }

    /// Starts one on a free port (tries a few), in a folder of its own (kept across a restart:
    /// pass `folder` to start again on the same port and storage).
    public static func start(port: Int? = nil, folder: URL? = nil) async throws -> RealAlertmanager {
        let folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("alertmanager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("alertmanager.yml")
        try "route:\n  receiver: nobody\n  group_wait: 1s\nreceivers:\n  - name: nobody\n".write(to: config, atomically: true, encoding: .utf8)
        for attempt in 0..<5 {
            let candidate = port ?? Int.random(in: 20_000...60_000)
            let manager = RealAlertmanager(port: candidate, folder: folder)
            let pid = folder.appendingPathComponent("pid").path
            _ = runShell("""
                \(binary) --config.file='\(config.path)' --storage.path='\(folder.appendingPathComponent("data").path)' \
                --web.listen-address=127.0.0.1:\(candidate) --cluster.listen-address= > '\(folder.appendingPathComponent("log").path)' 2>&1 & echo $! > '\(pid)'
                """)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                // It exited (the port was taken): whatever answers there is not ours.
                if runShell("kill -0 $(cat '\(pid)') 2>/dev/null") != 0 { break }
                if runShell("curl -fsS -o /dev/null --max-time 1 \(manager.baseURL)/-/ready") == 0 { return manager }
                try await Task.sleep(for: .milliseconds(100))
            }
            _ = runShell("kill $(cat '\(pid)') 2>/dev/null")
            if port != nil && attempt >= 2 { break }
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("log"), encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: folder)
        throw TimedOut(what: "Alertmanager to start (its log: \(log.suffix(500)))", limit: .seconds(10))
    }

    /// Stops it and waits until it has let go of its port.
    public func stop() async throws {
        _ = runShell("kill $(cat '\(folder.appendingPathComponent("pid").path)') 2>/dev/null")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, runShell("curl -fsS -o /dev/null --max-time 1 \(baseURL)/-/ready") == 0 {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops it and removes its folder.
    public func remove() async {
        try? await stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The alerts it holds (its own `/api/v2/alerts`): each one's labels, annotations, state and generator URL.
    public func alerts() async throws -> [(labels: [String: String], annotations: [String: String], state: String, generatorURL: String?)] {
        let reply = try await HTTPProbe.send(.GET, baseURL + "/api/v2/alerts")
        let list = (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [[String: Any]] ?? []
        return list.map { alert in
            (alert["labels"] as? [String: String] ?? [:], alert["annotations"] as? [String: String] ?? [:],
             (alert["status"] as? [String: Any])?["state"] as? String ?? "", alert["generatorURL"] as? String)
        }
    }
}
