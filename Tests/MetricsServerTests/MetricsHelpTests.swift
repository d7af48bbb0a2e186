import AccessControl
import EdgeHTTP
import Foundation
import LookupCore
import MetricsEngine
import TestSupport
import Testing
@testable import MetricsServer

/// `/metrics` as Prometheus reads it: every family described, microseconds resolved, the alert
/// states as a gauge, and promtool's own check.
@Suite("/metrics for Prometheus")
struct MetricsHelpTests {
    static let t0: Int64 = 1_794_000_000_000

    static func event(_ colo: String, latencyMs: Double, at second: Int = 0, error: String? = nil) -> MetricEvent {
        MetricEvent(timestamp: t0 + Int64(second) * 1_000, colo: colo, latencyMs: latencyMs, cacheHit: error == nil, customerFound: error == nil,
                    errorType: error, cpuMs: latencyMs / 2)
    }

    /// An export holding every family: lookups, access, the breaker, a reporter, viewers, alert
    /// states, paging, the recorder, the listener's connections.
    static func fullExposition(alerts: MetricsSnapshot) -> String {
        let export = PrometheusExport()
        export.record(contentsOf: [event("LHR", latencyMs: 0.015), event("LHR", latencyMs: 0.045), event("SIN", latencyMs: 0.15)])
        export.record(access: AccessGate.Counts(refused: [.read: 2], throttled: 1, evictions: 0, tracked: 1))
        export.record(breaker: .open, rejected: [.circuitOpen: 3])
        var report = EventReporter.Counts()
        report.sent = 5
        export.record(report: report)
        export.record(viewers: (attached: 2, refused: 1))
        var paging = AlertmanagerNotifier.Counts()
        paging.sent = 1
        export.record(alertmanager: paging)
        var recording = EventRecorder.Counts()
        recording.written = 3
        export.record(recorder: recording)
        var connections = ConnectionCounts.Values()
        connections.fastAnswers = 7
        export.record(connections: connections)
        let caches = ColoCaches()
        caches.store(.notFound(queues: TierQueueMap()), for: "customer:ani:15550000042", colo: Colo("LHR")!, now: 0, ttlMillis: 1_000)
        export.record(cacheEntries: caches)
        return String(decoding: export.exposition(alerts: alerts), as: UTF8.self)
    }

    /// A snapshot with LHR in ALERT for p95 latency and SIN silent.
    static func alerts() -> MetricsSnapshot {
        var monitor = MetricsMonitor(thresholds: ThresholdTable())
        var snapshot = monitor.tick(nowMillis: t0)
        for second in 0..<40 {
            let now = t0 + Int64(second) * 1_000
            for _ in 0..<5 { monitor.record(event("LHR", latencyMs: 900, at: second), nowMillis: now) }
            if second < 5 { for _ in 0..<5 { monitor.record(event("SIN", latencyMs: 5, at: second), nowMillis: now) } }
            snapshot = monitor.tick(nowMillis: now)
        }
        return snapshot
    }

    @Test("Every family has # HELP just before its # TYPE, and every family described is one edgewatch exports")
    func help() {
        let lines = Self.fullExposition(alerts: Self.alerts()).split(separator: "\n").map(String.init)
        let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
        #expect(types.count == MetricsHelp.text.count, "every family is exported here, once")
        for index in types {
            let name = lines[index].split(separator: " ")[2]
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "\(name) has no help")
        }
    }

    @Test("Latency buckets resolve microseconds: 15, 45 and 150 µs land in different buckets")
    func microseconds() {
        let text = Self.fullExposition(alerts: Self.alerts())
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.00001"} 0"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.00002"} 1"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.00005"} 2"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="SIN",le="0.0001"} 0"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="SIN",le="0.0002"} 1"#))
        #expect(text.contains(#"edgewatch_lookup_cpu_seconds_bucket{colo="LHR",le="0.00001"} 1"#))
    }

    @Test("edgewatch_alert_state holds each (colo, metric)'s state as the console does: 0 OK, 1 WARN, 2 ALERT, 3 NO DATA")
    func alertStates() throws {
        let snapshot = Self.alerts()
        let lhr = try #require(snapshot.colos.first { $0.colo == "LHR" })
        #expect(lhr.state(.p95Latency) == .alert)
        let text = Self.fullExposition(alerts: snapshot)
        #expect(text.contains(#"edgewatch_alert_state{colo="LHR",metric="p95_latency"} 2"#))
        #expect(text.contains(#"edgewatch_alert_state{colo="SIN",metric="p95_latency"} 3"#), "silent: NO DATA")
        #expect(text.contains(#"edgewatch_alert_state{colo="ALL",metric="cache_hit_rate"} "#))
        let series = text.split(separator: "\n").filter { $0.hasPrefix("edgewatch_alert_state{") }
        #expect(series.count == (snapshot.colos.count + 1) * AlertMetric.allCases.count)
    }

    @Test("promtool check metrics passes on a live server's /metrics")
    func promtool() async throws {
        try #require(runShell("command -v promtool > /dev/null 2>&1") == 0, "promtool is not installed: apt-get install prometheus (CI's .ci/run does)")
        try await LiveStack.with(.init(pumpEvents: true)) { stack in
            for index in 0..<5 { _ = try await stack.lookup(#"{"ani":"+1555000004\#(index)"}"#, colo: index % 2 == 0 ? "LHR" : "SIN") }
            _ = try await stack.recorded(5)
            let metrics = try await stack.request(.GET, "/metrics").body
            #expect(metrics.contains("edgewatch_alert_state{"))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("promtool-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            for (name, text) in [("live", metrics), ("full", Self.fullExposition(alerts: Self.alerts()))] {
                let input = folder.appendingPathComponent("\(name).prom"), output = folder.appendingPathComponent("\(name).out")
                try text.write(to: input, atomically: true, encoding: .utf8)
                let status = runShell("promtool check metrics < '\(input.path)' > '\(output.path)' 2>&1")
                let said = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                #expect(status == 0 && said.isEmpty, "promtool on the \(name) exposition: \(said)")
            }
        }
    }
}
