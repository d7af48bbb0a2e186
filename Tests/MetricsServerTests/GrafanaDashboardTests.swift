import Foundation
import MetricsEngine
@testable import MetricsServer
import TestSupport
import Testing

/// `edgewatch grafana`: its queries are PromQL the real promtool takes and evaluates, the judged
/// figures are the rules' own, and the levels drawn are the console's table.
@Suite("Grafana dashboard from the thresholds table")
struct GrafanaDashboardTests {
    static func panels(_ table: ThresholdTable = ThresholdTable(), window: Int = 60) throws -> [[String: Any]] {
        let json = try GrafanaDashboard.render(table: table, windowSeconds: window)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(dashboard["uid"] as? String == "edgewatch" && dashboard["schemaVersion"] as? Int == 39)
        return try #require(dashboard["panels"] as? [[String: Any]])
    }

    static func expressions(_ panel: [String: Any]) -> [String] {
        (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
    }

    /// The threshold steps as `color value` (`-` for the base step).
    static func steps(_ panel: [String: Any]) -> [String] {
        let defaults = (panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any]
        let steps = (defaults?["thresholds"] as? [String: Any])?["steps"] as? [[String: Any]] ?? []
        return steps.map { step in
            let value = (step["value"] as? NSNumber).map { PrometheusRules.number($0.doubleValue) } ?? "-"
            return (step["color"] as? String ?? "?") + " " + value
        }
    }

    static func panel(_ metric: AlertMetric, in panels: [[String: Any]]) throws -> [String: Any] {
        try #require(panels.first { ($0["title"] as? String)?.hasPrefix(metric.title + " ·") == true }, "no panel for \(metric.title)")
    }

    @Test("Every query is PromQL that promtool takes (as recording rules, the colo picker at All)")
    func promtoolTakesEveryQuery() throws {
        let expressions = try Self.panels().flatMap(Self.expressions)
        #expect(expressions.count == 10)
        var rules = ["groups:", "  - name: grafana", "    rules:"]
        for (index, expression) in expressions.enumerated() {
            rules += ["      - record: grafana:query_\(index)", "        expr: \(PrometheusRules.quoted(expression.replacingOccurrences(of: "$colo", with: ".*")))"]
        }
        try PrometheusRulesTests.inFolder(["grafana.yml": rules.joined(separator: "\n") + "\n"]) { folder in
            let result = try PrometheusRulesTests.promtool("check rules grafana.yml", in: folder)
            #expect(result.status == 0 && result.output.contains("SUCCESS: \(expressions.count) rules found"), "\(result.output)")
        }
    }

    @Test("Each judged figure is the rules' expression narrowed to the picked colos, with the target and alert level as its thresholds")
    func figuresAndLevels() throws {
        let panels = try Self.panels()
        for metric in AlertMetric.allCases {
            let panel = try Self.panel(metric, in: panels)
            #expect(Self.expressions(panel) == [PrometheusRules.expression(metric, range: "60s", colos: #"colo=~"$colo""#)])
            let levels = ThresholdTable()[metric]
            let target = PrometheusRules.number(levels.target), alert = PrometheusRules.number(levels.alert)
            let expected = metric.higherIsBetter ? ["red -", "yellow \(alert)", "green \(target)"] : ["green -", "yellow \(target)", "red \(alert)"]
            #expect(Self.steps(panel) == expected, "\(metric)")
        }
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == panels.count)
        for panel in panels {
            let refIds = (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["refId"] as? String }
            #expect(Set(refIds).count == refIds.count, "refIds repeat in \(panel["title"] ?? "")")
            let grid = try #require(panel["gridPos"] as? [String: Int])
            #expect(grid["x"]! + grid["w"]! <= 24)
        }
    }

    @Test("A changed table and window change the levels, the titles and the ranges")
    func followsTheTable() throws {
        var table = ThresholdTable()
        table.p95Latency = Threshold(target: 70, alert: 250)
        let panels = try Self.panels(table, window: 120)
        let p95 = try Self.panel(.p95Latency, in: panels)
        #expect((p95["title"] as? String) == "p95 latency · target 70 ms, alert 250 ms")
        #expect(Self.steps(p95) == ["green -", "yellow 70", "red 250"])
        #expect(panels.flatMap(Self.expressions).allSatisfy { !$0.contains("[60s]") })
        #expect(Self.expressions(p95).allSatisfy { $0.contains("[120s]") })
    }

    @Test("The colo picker narrows: promtool evaluates the hit-rate query for the picked colo only")
    func pickerNarrows() throws {
        let query = PrometheusRules.expression(.cacheHitRate, range: "60s", colos: #"colo=~"$colo""#).replacingOccurrences(of: "$colo", with: "SIN|NRT")
        let test = """
        evaluation_interval: 5s
        tests:
          - interval: 5s
            input_series:
              - series: 'edgewatch_lookups_total{colo="LHR",cache="hit",outcome="found"}'
                values: '0+50x30'
              - series: 'edgewatch_lookups_total{colo="SIN",cache="hit",outcome="found"}'
                values: '0+5x30'
              - series: 'edgewatch_lookups_total{colo="SIN",cache="miss",outcome="found"}'
                values: '0+45x30'
              - series: 'edgewatch_lookups_total{colo="NRT",cache="miss",outcome="found"}'
                values: '0+50x30'
            promql_expr_test:
              - expr: \(PrometheusRules.quoted(query))
                eval_time: 2m
                exp_samples:
                  - labels: '{colo="NRT"}'
                    value: 0
                  - labels: '{colo="SIN"}'
                    value: 10
        """
        try PrometheusRulesTests.inFolder(["test.yml": test]) { folder in
            let result = try PrometheusRulesTests.promtool("test rules test.yml", in: folder)
            #expect(result.status == 0 && result.output.contains("SUCCESS"), "\(result.output)")
        }
    }
}
