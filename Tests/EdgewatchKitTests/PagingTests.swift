import Foundation
import LookupCore
import MetricsEngine
import MetricsServer
import TestSupport
import Testing
@testable import EdgewatchKit

/// Alert states to a real Alertmanager on loopback, read back through its own API.
@Suite("Paging: alerts to a real Alertmanager", .serialized)
struct PagingTests {
    /// A stack judging fast (no pending period, 5 samples, NO DATA after 5 s) that sends to `urls`
    /// every second.
    static func options(alertmanager urls: [String]) -> StackConfiguration {
        var configuration = LiveStack.Options(pumpEvents: true).configuration
        var table = ThresholdTable()
        table.pendingSeconds = 0
        table.minimumSamples = 5
        configuration.metrics.monitor = MetricsMonitor(thresholds: table)
        var alerting = AlertingConfiguration(urls: urls, authorization: nil)
        alerting.resend = .seconds(1)
        // Longer than every wait below: an alert resolves only because it was sent resolved.
        alerting.hold = .seconds(120)
        alerting.runbookURL = "https://runbooks.example/edgewatch"
        configuration.alerting = alerting
        return configuration
    }

    /// Slow LHR lookups (900 ms each, past p95's alert level), posted to /ingest.
    static func slow(_ stack: Stack, count: Int = 10, colo: String = "LHR") async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let lines = (0..<count).map { _ in
            #"{"timestamp":\#(now),"service":"genesys-edge-middleware","colo":"\#(colo)","latencyMs":900,"cacheHit":true,"customerFound":true,"errorType":null}"#
        }
        let reply = try await HTTPProbe.send(.POST, "http://127.0.0.1:\(stack.port!)/ingest", body: lines.joined(separator: "\n"))
        #expect(reply.status == 202)
    }

    /// A real Alertmanager and a stack sending to it, both always stopped.
    static func withAlertmanager(_ body: (RealAlertmanager, Stack) async throws -> Void) async throws {
        try #require(RealAlertmanager.installed, "prometheus-alertmanager is not installed: apt-get install prometheus-alertmanager (CI's .ci/run does)")
        let manager = try await RealAlertmanager.start()
        let stack: Stack
        do {
            stack = try await Stack.start(Self.options(alertmanager: [manager.baseURL]))
        } catch {
            await manager.remove()
            throw error
        }
        do {
            try await body(manager, stack)
        } catch {
            await stack.shutdown()
            await manager.remove()
            throw error
        }
        await stack.shutdown()
        await manager.remove()
    }

    @Test("A colo past its alert level pages as critical with its labels and words; silent, it resolves and NO DATA pages instead")
    func fireAndResolve() async throws {
        try await Self.withAlertmanager { manager, stack in
            try await Self.slow(stack)
            try await eventually("the p95 alert in Alertmanager", within: .seconds(20)) {
                try await manager.alerts().contains { $0.labels["alertname"] == "EdgewatchP95Latency" && $0.labels["severity"] == "critical" && $0.labels["colo"] == "LHR" }
            }
            // ALL is past the level too; Alertmanager lists the two in no set order.
            let alert = try #require(try await manager.alerts().first {
                $0.labels["alertname"] == "EdgewatchP95Latency" && $0.labels["severity"] == "critical" && $0.labels["colo"] == "LHR"
            })
            #expect(alert.labels["metric"] == "p95_latency" && alert.labels["instance"]?.isEmpty == false)
            #expect(alert.annotations["summary"] == "LHR p95 latency is 900.0 ms, past the alert level 300 ms")
            #expect(alert.annotations["runbook_url"] == "https://runbooks.example/edgewatch" && alert.state == "active")
            // Nothing more comes from LHR: after 5 s it is NO DATA, and the latency alert resolves.
            try await eventually("NO DATA paging, the latency alert resolved", within: .seconds(30)) {
                let alerts = try await manager.alerts()
                return alerts.contains { $0.labels["alertname"] == "EdgewatchNoData" && $0.labels["colo"] == "LHR" }
                    && !alerts.contains { $0.labels["alertname"] == "EdgewatchP95Latency" }
            }
            #expect(stack.metrics.monitor.snapshot.colos.first { $0.colo == "LHR" }?.silent == true)
        }
    }

    @Test("Alertmanager down: nothing waits on it and failures are counted; started again, it gets the alerts back at the next resend")
    func downAndBack() async throws {
        try await Self.withAlertmanager { manager, stack in
            try await Self.slow(stack)
            try await eventually("the alert in Alertmanager", within: .seconds(20)) {
                try await manager.alerts().contains { $0.labels["alertname"] == "EdgewatchP95Latency" }
            }
            try await manager.stop()
            _ = runShell("rm -rf '\(manager.folder.appendingPathComponent("data").path)'")
            // Keep LHR alive while Alertmanager is away, and lookups keep being answered.
            let failedBefore = try await Self.failures(stack)
            try await eventually("failed sends counted", within: .seconds(20)) {
                try await Self.slow(stack, count: 5)
                return try await Self.failures(stack) > failedBefore
            }
            let lookup = try await HTTPProbe.send(.POST, "http://127.0.0.1:\(stack.port!)/lookup/customer", body: #"{"ani":"+15550000042"}"#, timeout: .seconds(2))
            #expect(lookup.status == 200, "a lookup does not wait on Alertmanager")
            let back = try await RealAlertmanager.start(port: manager.port, folder: manager.folder)
            try await eventually("the alert back in a fresh Alertmanager", within: .seconds(30)) {
                try await Self.slow(stack, count: 5)
                return try await back.alerts().contains { $0.labels["alertname"] == "EdgewatchP95Latency" && $0.labels["colo"] == "LHR" }
            }
        }
    }

    @Test("Three Alertmanagers, one hanging and one refusing: the live one gets a new alert at once, the failure names the refusing one, and instance is the port bound")
    func pairWithOneHung() async throws {
        try #require(RealAlertmanager.installed, "prometheus-alertmanager is not installed: apt-get install prometheus-alertmanager (CI's .ci/run does)")
        let hung = try await ScriptedHTTPCRM.start(.neverAnswer)
        let refusingURL: String
        let manager: RealAlertmanager
        do {
            refusingURL = String(try await ScriptedHTTPCRM.refusingURL().dropLast("/api/v2".count))
            manager = try await RealAlertmanager.start()
        } catch {
            await hung.stop()
            throw error
        }
        var options = Self.options(alertmanager: ["http://127.0.0.1:\(hung.port)", refusingURL, manager.baseURL])
        // Each POST to the hung member holds its whole deadline, longer than this test: a live
        // member that waited for it would get nothing more, and only the refusing one fails.
        options.alerting?.timeout = .seconds(60)
        let stack: Stack
        do {
            stack = try await Stack.start(options)
        } catch {
            await hung.stop()
            await manager.remove()
            throw error
        }
        do {
            try await Self.slow(stack)
            try await eventually("the LHR alert in the live Alertmanager", within: .seconds(20)) {
                try await manager.alerts().contains { $0.labels["alertname"] == "EdgewatchP95Latency" && $0.labels["colo"] == "LHR" }
            }
            let alert = try #require(try await manager.alerts().first { $0.labels["colo"] == "LHR" })
            #expect(alert.labels["instance"] == "\(ReporterConfiguration.hostName()):\(stack.port!)", "the bound port, not the configured 0")
            #expect(alert.generatorURL?.hasSuffix(":\(stack.port!)/api/snapshot") == true, "\(alert.generatorURL ?? "none")")
            // The hung member now holds a POST for 60 s; SIN's alert must not wait for it, nor for
            // the refusing member's backoff.
            try await Self.slow(stack, colo: "SIN")
            try await eventually("SIN's alert in the live Alertmanager while the other hangs", within: .seconds(8)) {
                try await manager.alerts().contains { $0.labels["alertname"] == "EdgewatchP95Latency" && $0.labels["colo"] == "SIN" }
            }
            #expect(stack.notifier?.counts.sent ?? 0 >= 2)
            let failure = try #require(stack.notifier?.counts.lastFailure)
            #expect(failure.hasPrefix("1 of 3 Alertmanagers: \(refusingURL): "), "\(failure)")
        } catch {
            await stack.shutdown()
            await hung.stop()
            await manager.remove()
            throw error
        }
        // The stop does not wait out the hung POST's deadline.
        let stopping = ContinuousClock.now
        await stack.shutdown()
        #expect(ContinuousClock.now - stopping < .seconds(8))
        await hung.stop()
        await manager.remove()
    }

    /// Failed POSTs, as `/metrics` counts them.
    static func failures(_ stack: Stack) async throws -> Int {
        let metrics = try await HTTPProbe.send(.GET, "http://127.0.0.1:\(stack.port!)/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"edgewatch_alertmanager_posts_total{outcome="failed"}"#) }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }
}
