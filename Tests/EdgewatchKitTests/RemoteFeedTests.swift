import EdgeHTTP
import Foundation
import Hummingbird
import LookupCore
import MetricsEngine
import Synchronization
import TestSupport
import Testing
@testable import EdgewatchKit
@testable import MetricsServer

/// The remote feed against a scripted read API on loopback: what it makes of answers a real server
/// rarely gives (a rounded-up change list, an engine that started again, an answer no edgewatch
/// sends, a server that hangs or stops moving).
@Suite("The remote feed against a scripted server")
struct RemoteFeedTests {
    enum Behaviour: Sendable { case normal, hostile, hang }

    /// What the scripted server serves: a snapshot with its state changes (newest first), and how.
    struct Script: Sendable {
        var snapshot: MetricsSnapshot
        var behaviour = Behaviour.normal
    }

    /// The script, shared by the test and the server's routes.
    final class Scripted: Sendable {
        private let state: Mutex<Script>
        init(_ snapshot: MetricsSnapshot) { state = Mutex(Script(snapshot: snapshot)) }
        func withLock<T: Sendable>(_ body: (inout Script) -> T) -> T { state.withLock { body(&$0) } }
    }

    static let t0: Int64 = 1_794_000_000_000

    static func transitions(_ count: Int, engine: Int64) -> [AlertTransition] {
        var changes: [AlertTransition] = []
        for index in (0..<count).reversed() {
            let time: Int64 = t0 + engine + Int64(index) * 1_000
            let up = index % 2 == 0
            changes.append(AlertTransition(time: time, colo: "LHR", metric: .p95Latency, value: Double(index), threshold: 80,
                                           from: up ? .ok : .warn, to: up ? .warn : .ok))
        }
        return changes
    }

    static func snapshot(changes: Int, engine: Int64, at: Int64) -> MetricsSnapshot {
        var monitor = MetricsMonitor()
        monitor.record(MetricEvent(timestamp: t0, colo: "LHR", latencyMs: 5, cacheHit: true, customerFound: true, errorType: nil, cpuMs: 1), nowMillis: t0)
        var snapshot = monitor.tick(nowMillis: t0 + at)
        snapshot.recentTransitions = transitions(changes, engine: engine)
        snapshot.transitionCount = changes
        snapshot.engineStartedAt = t0 + engine
        return snapshot
    }

    /// A read API serving `script`, rounding change lists up as a real server does.
    static func serve(_ script: Scripted) async throws -> RunningServer {
        let routes = JSONRouter(logger: RunningServer.quiet)
        routes.on("/api/about", .get) { _, _ in .json(#"{"role":"serve","windowSeconds":60,"viewers":1,"maximumViewers":32}"#) }
        routes.on("/api/history", .get) { _, _ in .json("[]") }
        routes.on("/api/snapshot", .get) { request, _ in
            let (current, behaviour) = script.withLock { ($0.snapshot, $0.behaviour) }
            switch behaviour {
            case .hang:
                try await Task.sleep(for: .seconds(30))
            case .hostile:
                return .json(#"{"generatedAt": -9223372036854775808}"#)
            case .normal:
                break
            }
            var answer = current
            let since = Int(request.uri.queryParameters["since"].map(String.init) ?? "0") ?? 0
            let unseen = EncodedSnapshots.unseen(answer, since)
            answer.recentTransitions = Array(answer.recentTransitions.prefix(EncodedSnapshots.bucket(unseen)))
            return .json(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self))
        }
        return try await RunningServer.start(router: routes.router)
    }

    /// Serves `script`, attaches a feed to it with its poller running, runs `body`, and always
    /// stops both.
    static func attached(to script: Scripted, _ body: (RemoteFeed) async throws -> Void) async throws {
        let server = try await serve(script)
        do {
            try await AttachTests.attached(AttachTests.configuration("http://127.0.0.1:\(server.port)", read: nil)) { attach in
                try await body(attach.feed)
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("Changes come in rounded-up lists; the feed keeps each once, newest first, as the server has them")
    func merge() async throws {
        let script = Scripted(Self.snapshot(changes: 40, engine: 0, at: 1_000))
        try await Self.attached(to: script) { feed in
            #expect(feed.snapshot.recentTransitions.count == 40)
            let later = Self.snapshot(changes: 43, engine: 0, at: 2_000)
            script.withLock { $0.snapshot = later }
            let merged = try await AttachTests.eventually("the three new changes", feed: feed) { $0.snapshot.transitionCount == 43 }
            #expect(merged.snapshot.recentTransitions == later.recentTransitions)
            #expect(merged.snapshot.transitions(after: 40).count == 3)
        }
    }

    @Test("An engine that started again, even with more changes than were seen, is read whole")
    func restarted() async throws {
        let script = Scripted(Self.snapshot(changes: 10, engine: 0, at: 1_000))
        try await Self.attached(to: script) { feed in
            let fresh = Self.snapshot(changes: 25, engine: 500_000, at: 600_000)
            script.withLock { $0.snapshot = fresh }
            let taken = try await AttachTests.eventually("the new engine", feed: feed) { $0.snapshot.engineStartedAt == fresh.engineStartedAt }
            #expect(taken.snapshot.recentTransitions == fresh.recentTransitions, "its own 25 changes, none of the old engine's")
        }
    }

    @Test("An answer no edgewatch sends, a server that hangs, and one whose figures stop moving each grey the screen and say why")
    func notLive() async throws {
        let script = Scripted(Self.snapshot(changes: 1, engine: 0, at: 1_000))
        try await Self.attached(to: script) { feed in
            // The scripted snapshot never moves on: after 2 s that is said.
            let still = try await AttachTests.eventually("figures that do not move", feed: feed) { $0.link?.isDown == true }
            #expect(still.link?.problem?.contains("figures have not moved") == true)
            script.withLock { $0.snapshot = Self.snapshot(changes: 1, engine: 0, at: 2_000) }
            _ = try await AttachTests.eventually("live again", feed: feed) { $0.link?.isDown == false }

            script.withLock { $0.behaviour = .hostile }
            let hostile = try await AttachTests.eventually("the hostile answer refused", feed: feed) { $0.link?.isDown == true }
            #expect(hostile.link?.problem == "an answer with a number out of range")
            #expect(hostile.snapshot.generatedAt == Self.t0 + 2_000, "the last good figures stay")

            script.withLock {
                $0.behaviour = .normal
                $0.snapshot = Self.snapshot(changes: 1, engine: 0, at: 3_000)
            }
            _ = try await AttachTests.eventually("live again", feed: feed) { $0.link?.isDown == false }
            script.withLock { $0.behaviour = .hang }
            // First its figures stop moving; then no answer at all comes for 2 s (or the 3 s
            // deadline ends the read): either way the screen is grey, and then says no answer.
            let hung = try await AttachTests.eventually("a hung server noticed", seconds: 10, feed: feed) {
                $0.link?.problem?.hasPrefix("no answer") == true
            }
            #expect(hung.link?.isDown == true && (hung.link?.downMillis ?? 0) >= RemoteFeed.staleAfterMillis)
            script.withLock { $0.behaviour = .normal }
        }
    }
}
