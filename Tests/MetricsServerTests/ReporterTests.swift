import AccessControl
import Foundation
import Logging
import LookupCore
import EdgeHTTP
import LookupServer
import MetricsEngine
import TestSupport
import Testing
@testable import MetricsServer

@Suite("Reporting events to another edgewatch")
struct ReporterTests {
    static let quiet = Logger(label: "reporter-test") { _ in SwiftLogNoOpLogHandler() }

    static func events(_ count: Int, source: String? = nil) -> [MetricEvent] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return (0..<count).map { index in
            MetricEvent(timestamp: now, colo: index % 2 == 0 ? "LHR" : "SIN", latencyMs: 3, cacheHit: index % 3 == 0,
                        customerFound: true, cpuMs: 0.2, source: source)
        }
    }

    /// A reporter whose HTTP client is shut down however `body` ends.
    static func withReporter(
        _ url: String, authorization: String? = nil, capacity: Int = 50_000, _ body: (EventReporter) async throws -> Void
    ) async throws {
        var settings = EventReporter.Settings(url: url, authorization: authorization) { "edge-a" }
        settings.capacity = capacity
        settings.timeout = .seconds(3)
        let loops = EventLoops(count: 1)
        let reporter = EventReporter(settings: settings, loops: loops, logger: quiet)
        do {
            try await body(reporter)
        } catch {
            await reporter.shutdown()
            await loops.shutdown()
            throw error
        }
        await reporter.shutdown()
        await loops.shutdown()
    }

    @Test("Waiting events go out as one NDJSON batch stamped with the instance id; events that came with a source stay here")
    func forwards() async throws {
        try await LiveStack.with(.init(pumpEvents: true)) { receiver in
            try await Self.withReporter(receiver.baseURL + "/ingest") { reporter in
            reporter.offer(Self.events(30) + Self.events(5, source: "elsewhere"))
            #expect(reporter.counts.waiting == 30)
            #expect(await reporter.sendWaiting() == .sent)
            #expect(reporter.counts == EventReporter.Counts(sent: 30, dropped: 0, rejected: 0, retries: 0, waiting: 0))
            #expect(await reporter.sendWaiting() == .nothing)
            let snapshot = try await receiver.recorded(30)
            #expect(snapshot.sources.map(\.id) == ["edge-a"])
            #expect(snapshot.sources.first?.events == 30 && snapshot.sources.first?.stale == false)
            #expect(snapshot.all.figures.tally.requests == 30)
            }
        }
    }

    @Test("An unreachable receiver: the buffer keeps its bound and counts drops, the batch stays for the retry")
    func unreachable() async throws {
        try await Self.withReporter(try await ScriptedHTTPCRM.refusingURL() + "/ingest", capacity: 10) { reporter in
        reporter.offer(Self.events(25))
        #expect(reporter.counts.waiting == 10 && reporter.counts.dropped == 15)
        guard case .failed = await reporter.sendWaiting() else { Issue.record("a refused connection did not fail"); return }
        #expect(reporter.counts.waiting == 10 && reporter.counts.retries == 1 && reporter.counts.sent == 0)
        }
    }

    @Test("A wrong token is refused for good: counted as rejected, not sent again; the right one goes through")
    func token() async throws {
        let token = try BearerSecret(parsing: "ingest-token-0123456789abcdef", source: "test")
        try await LiveStack.with(.init(access: AccessPolicy(ingest: Credentials(bearer: token)))) { receiver in
            try await Self.withReporter(receiver.baseURL + "/ingest", authorization: "Bearer not-the-token-at-all-000") { wrong in
                wrong.offer(Self.events(12))
                #expect(await wrong.sendWaiting() == .sent)
                #expect(wrong.counts.rejected == 12 && wrong.counts.waiting == 0 && wrong.counts.sent == 0)
                #expect(await wrong.sendWaiting() == .nothing)
            }
            // Idle with the wrong token, its heartbeat fails (and backs off) and lists nothing.
            try await Self.withReporter(receiver.baseURL + "/ingest", authorization: "Bearer not-the-token-at-all-000") { idle in
                guard case .failed = await idle.sendWaiting() else { Issue.record("a refused heartbeat passed"); return }
                #expect(receiver.monitor.snapshot.sources.isEmpty)
            }
            try await Self.withReporter(receiver.baseURL + "/ingest", authorization: token.authorizationHeader) { right in
                right.offer(Self.events(12))
                #expect(await right.sendWaiting() == .sent)
                #expect(right.counts.sent == 12 && right.counts.rejected == 0)
            }
        }
    }

    @Test("A 400 for some lines: the accepted ones count as sent, the rest as rejected, and none is sent again")
    func partial() async throws {
        try await LiveStack.with(.init(pumpEvents: true)) { receiver in
            try await Self.withReporter(receiver.baseURL + "/ingest") { reporter in
                var events = Self.events(10)
                events[3].latencyMs = 7_200_000  // over the receiver's one-hour limit
                reporter.offer(events)
                #expect(await reporter.sendWaiting() == .sent)
                #expect(reporter.counts.sent == 9 && reporter.counts.rejected == 1 && reporter.counts.waiting == 0)
                _ = try await receiver.recorded(9)
            }
        }
    }

    @Test("run() sends within its interval; with nothing to send it heartbeats, so a quiet instance is not silent")
    func runAndHeartbeat() async throws {
        try await LiveStack.with(.init(pumpEvents: true)) { receiver in
            var settings = EventReporter.Settings(url: receiver.baseURL + "/ingest", authorization: nil) { "quiet-one" }
            settings.interval = .milliseconds(50)
            settings.heartbeat = .milliseconds(200)
            let loops = EventLoops(count: 1)
            defer { Task { await loops.shutdown() } }
            let reporter = EventReporter(settings: settings, loops: loops, logger: Self.quiet)
            let running = Task { await reporter.run() }
            // However the checks end, the reporter stops (and shuts its client down).
            do {
                try await Self.sendsAndHeartbeats(reporter, to: receiver)
            } catch {
                running.cancel()
                await running.value
                throw error
            }
            running.cancel()
            await running.value
            #expect(reporter.counts.sent == 7)
        }
    }

    static func sendsAndHeartbeats(_ reporter: EventReporter, to receiver: LiveStack) async throws {
        reporter.offer(Self.events(7))
        _ = try await receiver.recorded(7)
        let first = try #require(receiver.monitor.snapshot.sources.first { $0.id == "quiet-one" })
        #expect(first.events == 7)
        // No events since: heartbeats keep lastSeen moving.
        let moved = try await within(.seconds(10), "a heartbeat") {
            while true {
                if let later = receiver.monitor.snapshot.sources.first(where: { $0.id == "quiet-one" }), later.lastSeen > first.lastSeen + 250 {
                    return later
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(moved.events == 7)
    }

    @Test("Backoff doubles from the first delay up to the ceiling, with full jitter, never under the floor")
    func backoff() {
        let backoff = RetryBackoff(first: .milliseconds(500), ceiling: .seconds(30), floor: .milliseconds(100))
        var rng = SplitMix64(seed: 11)
        for failures in 1...40 {
            let cap = min(30_000, 500 << min(failures - 1, 30))
            let delays = (0..<200).map { _ in backoff.delay(afterFailures: failures, using: &rng) }
            #expect(delays.allSatisfy { $0 >= .milliseconds(100) && $0 <= .milliseconds(max(100, cap)) }, "after \(failures)")
            // Full jitter: the draws spread over the range rather than sitting at the cap.
            if cap >= 4_000 { #expect(delays.contains { $0 < .milliseconds(cap / 2) } && delays.contains { $0 > .milliseconds(cap / 2) }) }
        }
    }
}
