import Foundation
import MetricsEngine
import MetricsServer
import TestSupport
import Testing

/// `edgewatch rules` against the real promtool: the file loads, and its alerts fire where the
/// console's thresholds say, after the pending period.
@Suite("Prometheus rules from the thresholds table")
struct PrometheusRulesTests {
    /// A temporary folder holding `files`, removed after `body`.
    static func inFolder(_ files: [String: String], _ body: (URL) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        try body(folder)
    }

    /// promtool's exit status and what it said.
    static func promtool(_ arguments: String, in folder: URL) throws -> (status: Int32, output: String) {
        try #require(runShell("command -v promtool > /dev/null 2>&1") == 0, "promtool is not installed: apt-get install prometheus (CI's .ci/run does)")
        let output = folder.appendingPathComponent("promtool.out")
        let status = runShell("cd '\(folder.path)' && promtool \(arguments) > '\(output.path)' 2>&1")
        return (status, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test("promtool check rules takes the file, for the default table and for a changed one; the change is in the rules")
    func check() throws {
        var table = ThresholdTable()
        table.p95Latency = Threshold(target: 70, alert: 250)
        table.pendingSeconds = 20
        table.minimumSamples = 50
        let changed = PrometheusRules.render(table: table, windowSeconds: 120)
        #expect(changed.contains("colo:edgewatch_p95_latency:ms > 250 and") && changed.contains("colo:edgewatch_p95_latency:ms >= 70 and"))
        #expect(changed.contains("for: 20s") && !changed.contains("for: 10s") && changed.contains(">= 50") && changed.contains("[120s]"))
        try Self.inFolder(["default.yml": PrometheusRules.render(table: ThresholdTable(), windowSeconds: 60), "changed.yml": changed]) { folder in
            for file in ["default.yml", "changed.yml"] {
                let result = try Self.promtool("check rules \(file)", in: folder)
                #expect(result.status == 0 && result.output.contains("SUCCESS: 15 rules found"), "\(file): \(result.output)")
            }
        }
    }

    /// Series for promtool: LHR answers slowly (every lookup in 0.3–0.5 s), SIN misses its cache
    /// nine times in ten; 50 lookups a 5 s step each.
    static let tests = """
    rule_files:
      - rules.yml
    evaluation_interval: 5s
    tests:
      - interval: 5s
        input_series:
          - series: 'edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.3"}'
            values: '0+0x60'
          - series: 'edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.5"}'
            values: '0+50x60'
          - series: 'edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="+Inf"}'
            values: '0+50x60'
          - series: 'edgewatch_lookups_total{colo="LHR",cache="hit",outcome="found"}'
            values: '0+50x60'
          - series: 'edgewatch_lookups_total{colo="SIN",cache="hit",outcome="found"}'
            values: '0+5x60'
          - series: 'edgewatch_lookups_total{colo="SIN",cache="miss",outcome="found"}'
            values: '0+45x60'
          - series: 'edgewatch_lookups_total{colo="NRT",cache="miss",outcome="found"}'
            values: '0+50x60'
        alert_rule_test:
          # Past both levels, but not yet for the pending period: nothing fires.
          - eval_time: 10s
            alertname: EdgewatchP95Latency
            exp_alerts: []
          - eval_time: 2m
            alertname: EdgewatchP95Latency
            exp_alerts:
              - exp_labels: {colo: LHR, severity: warning, metric: p95_latency}
                exp_annotations: {summary: "LHR p95 latency is 490 ms, past the target 80 ms", threshold: "80"}
              - exp_labels: {colo: LHR, severity: critical, metric: p95_latency}
                exp_annotations: {summary: "LHR p95 latency is 490 ms, past the alert level 300 ms", threshold: "300"}
          - eval_time: 2m
            alertname: EdgewatchCacheHitRate
            exp_alerts:
              - exp_labels: {colo: SIN, severity: warning, metric: cache_hit_rate}
                exp_annotations: {summary: "SIN cache hit rate is 10%, past the target 60%", threshold: "60"}
              - exp_labels: {colo: SIN, severity: critical, metric: cache_hit_rate}
                exp_annotations: {summary: "SIN cache hit rate is 10%, past the alert level 30%", threshold: "30"}
              - exp_labels: {colo: NRT, severity: warning, metric: cache_hit_rate}
                exp_annotations: {summary: "NRT cache hit rate is 0%, past the target 60%", threshold: "60"}
              - exp_labels: {colo: NRT, severity: critical, metric: cache_hit_rate}
                exp_annotations: {summary: "NRT cache hit rate is 0%, past the alert level 30%", threshold: "30"}
          - eval_time: 2m
            alertname: EdgewatchCRMErrorRate
            exp_alerts: []
        promql_expr_test:
          - expr: colo:edgewatch_cache_hit_rate:percent
            eval_time: 2m
            exp_samples:
              - labels: 'colo:edgewatch_cache_hit_rate:percent{colo="LHR"}'
                value: 100
              - labels: 'colo:edgewatch_cache_hit_rate:percent{colo="NRT"}'
                value: 0
              - labels: 'colo:edgewatch_cache_hit_rate:percent{colo="SIN"}'
                value: 10
          - expr: colo:edgewatch_crm_error_rate:percent
            eval_time: 2m
            exp_samples:
              - labels: 'colo:edgewatch_crm_error_rate:percent{colo="NRT"}'
                value: 0
              - labels: 'colo:edgewatch_crm_error_rate:percent{colo="SIN"}'
                value: 0
    """

    @Test("promtool test rules: the alerts fire for the colo and metric past each level, with the console's words, after the pending period")
    func fire() throws {
        try Self.inFolder(["rules.yml": PrometheusRules.render(table: ThresholdTable(), windowSeconds: 60), "test.yml": Self.tests]) { folder in
            let result = try Self.promtool("test rules test.yml", in: folder)
            #expect(result.status == 0 && result.output.contains("SUCCESS"), "\(result.output)")
        }
    }
}
