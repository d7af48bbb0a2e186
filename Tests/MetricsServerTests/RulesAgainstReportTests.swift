import EdgeHTTP
import Foundation
import LookupCore
import MetricsEngine
@testable import MetricsServer
import TestSupport
import Testing

/// Screen and pager tell one story: each sample recording, scraped as `/metrics` would have shown
/// it every 5 s, is replayed by the real `promtool test rules` through `edgewatch rules`, and its
/// alerts must fire for exactly the colos and metrics that `edgewatch report` (the engine) says
/// are WARN or ALERT.
///
/// Compared where the two are defined to agree, and only there:
/// - the engine's state has held for one evaluation interval plus the pending period and a scrape
///   (so Prometheus's `for:` has seen it too);
/// - the value is past the level that state names without hysteresis (Prometheus has none);
/// - the figure has at least half as many samples again as the minimum (`increase()` extrapolates);
/// - a percentile does not share a histogram bucket with a level (Prometheus knows only the
///   bucket), and a rate is at least 2 points from a level.
/// Each colo and metric is compared on its own, through Prometheus's `ALERTS` series; the points
/// left out are counted, and the test needs enough of each kind compared to be able to fail.
@Suite("promtool replays the sample recordings and fires what report says")
struct RulesAgainstReportTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sample-metrics")
    static let stepSeconds = 5
    static let table = ThresholdTable()
    static let windowSeconds = MetricsWindow.defaultSeconds

    /// What a Prometheus scraping `/metrics` every `stepSeconds` holds for the families the rules
    /// read: each series' values, `nil` before it first appears.
    static func scraped(_ recording: Recording, start: Int64, steps: Int) -> [(series: String, values: [Double?])] {
        let export = PrometheusExport()
        var series: [String: [Double?]] = [:]
        var next = 0
        for step in 0...steps {
            let now = start + Int64(step * stepSeconds) * 1000
            let upTo = recording.events[next...].firstIndex { $0.timestamp > now } ?? recording.events.count
            export.record(contentsOf: recording.events[next..<upTo])
            next = upTo
            for line in String(decoding: export.exposition(), as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                let name = String(line[..<space])
                guard name.hasPrefix("edgewatch_lookups_total{") || name.hasPrefix("edgewatch_lookup_latency_seconds_bucket{")
                    || name.hasPrefix("edgewatch_lookup_cpu_seconds_bucket{") else { continue }
                series[name, default: Array(repeating: nil, count: steps + 1)][step] = value
            }
        }
        return series.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The engine's verdict on one colo and metric at one second.
    struct Verdict: Equatable {
        var state: AlertState
        /// True when Prometheus, which sees buckets and extrapolated counts, must say the same.
        var clear: Bool
    }

    static func verdict(_ row: ColoRow, _ metric: AlertMetric) -> Verdict {
        let state = row.state(metric)
        let figure = metric.figure(in: row.figures)
        guard let value = figure.value, figure.n >= table.minimumSamples * 3 / 2 else { return Verdict(state: state, clear: false) }
        let levels = [table[metric].target, table[metric].alert]
        let apart: Bool
        if metric.unit == "%" {
            apart = levels.allSatisfy { abs(value - $0) >= 2 }
        } else {
            let bounds = [0] + PrometheusExport.buckets.map { Double($0.nanoseconds) / 1e6 } + [.infinity]
            let bucket = bounds.indices.dropFirst().first { value <= bounds[$0] } ?? bounds.count - 1
            apart = levels.allSatisfy { !(bounds[bucket - 1] < $0 && $0 <= bounds[bucket]) || $0 == bounds[bucket] && value < $0 }
        }
        return Verdict(state: state, clear: apart && table.level(of: value, for: metric) == state && state != .noData)
    }

    struct Tally { var compared = 0, firing = 0, critical = 0, skipped = 0; var firingByMetric: [AlertMetric: Int] = [:] }

    /// The promtool test for one recording, and what it compares.
    static func promtoolTest(_ file: String) throws -> (test: String, tally: Tally) {
        let recording = Recording(jsonLines: try Data(contentsOf: folder.appendingPathComponent(file)))
        let start = recording.firstMillis! / 1000 * 1000
        let seconds = Int((recording.lastMillis! - start) / 1000)
        var verdicts: [Int: [String: [AlertMetric: Verdict]]] = [:]
        var monitor = MetricsMonitor(windowSeconds: windowSeconds, thresholds: table)
        _ = recording.play(into: &monitor) { snapshot in
            let second = Int((snapshot.generatedAt + 1 - start) / 1000)
            verdicts[second] = Dictionary(uniqueKeysWithValues: snapshot.colos.map { row in
                (row.colo, Dictionary(uniqueKeysWithValues: AlertMetric.allCases.map { ($0, verdict(row, $0)) }))
            })
            return true
        }
        let colos = Set(recording.events.map(\.colo)).sorted()
        let held = stepSeconds + table.pendingSeconds + stepSeconds
        var tally = Tally()
        var lines = [
            "rule_files: [rules.yml]",
            "evaluation_interval: \(stepSeconds)s",
            "tests:",
            "  - interval: \(stepSeconds)s",
            "    input_series:",
        ]
        for (series, values) in scraped(recording, start: start, steps: seconds / stepSeconds) {
            lines += ["      - series: '\(series)'", "        values: '\(values.map { $0.map { PrometheusRules.number($0) } ?? "_" }.joined(separator: " "))'"]
        }
        // Each colo and metric on its own, through Prometheus's own ALERTS series: 0 for no alert,
        // 1 for the warning alone, 3 for the warning and the critical one (2 would be critical alone).
        lines.append("    promql_expr_test:")
        for time in stride(from: windowSeconds + held, through: seconds, by: 10) {
            for metric in AlertMetric.allCases {
                for colo in colos {
                    let history: [Verdict?] = (time - held...time).map { verdicts[$0]?[colo]?[metric] }
                    guard let last = history.last, let now = last, now.clear, history.allSatisfy({ $0 == now }) else {
                        tally.skipped += 1
                        continue
                    }
                    func firing(_ severity: String) -> String {
                        "(sum(ALERTS{alertname=\"\(PrometheusRules.alertName(metric))\",colo=\"\(colo)\",alertstate=\"firing\",severity=\"\(severity)\"}) or vector(0))"
                    }
                    let expected = now.state == .alert ? 3 : now.state == .warn ? 1 : 0
                    lines += ["      - expr: '\(firing("warning")) + 2 * \(firing("critical"))'", "        eval_time: \(time)s",
                              "        exp_samples: [{labels: '{}', value: \(expected)}]"]
                    tally.compared += 1
                    tally.firing += expected > 0 ? 1 : 0
                    tally.critical += expected == 3 ? 1 : 0
                    if expected > 0 { tally.firingByMetric[metric, default: 0] += 1 }
                }
            }
        }
        return (lines.joined(separator: "\n") + "\n", tally)
    }

    @Test("Every sample recording: promtool's alerts are the engine's WARN and ALERT states, colo by colo, metric by metric")
    func sameStory() throws {
        var total = Tally()
        for file in SampleFiles.all {
            let (test, tally) = try Self.promtoolTest(file)
            try PrometheusRulesTests.inFolder(["rules.yml": PrometheusRules.render(table: Self.table, windowSeconds: Self.windowSeconds), "test.yml": test]) { folder in
                let result = try PrometheusRulesTests.promtool("test rules test.yml", in: folder)
                #expect(result.status == 0 && result.output.contains("SUCCESS"), "\(file): \(result.output.prefix(4000))")
            }
            total.compared += tally.compared
            total.firing += tally.firing
            total.critical += tally.critical
            total.skipped += tally.skipped
            total.firingByMetric.merge(tally.firingByMetric, uniquingKeysWith: +)
        }
        // Enough of each kind compared that a wrong rule shows.
        #expect(total.compared >= 1_000 && total.firing >= 50 && total.critical >= 20, "\(total)")
        #expect(AlertMetric.allCases.allSatisfy { total.firingByMetric[$0, default: 0] >= 10 }, "firing points compared per metric: \(total.firingByMetric)")
        #expect(total.skipped * 2 < total.compared, "most comparisons left out: \(total)")
    }

    @Test("The comparison fails when the rules' table differs from the console's (a hit-rate target of 80 % against steady traffic at 75 %)")
    func canFail() throws {
        var stricter = Self.table
        stricter.cacheHitRate = Threshold(target: 80, alert: 30)
        let file = "steady.jsonl"
        let (test, tally) = try Self.promtoolTest(file)
        #expect(tally.compared > 100)
        let rules = PrometheusRules.render(table: stricter, windowSeconds: Self.windowSeconds)
        try PrometheusRulesTests.inFolder(["rules.yml": rules, "test.yml": test]) { folder in
            let result = try PrometheusRulesTests.promtool("test rules test.yml", in: folder)
            #expect(result.status != 0 && result.output.contains("EdgewatchCacheHitRate"), "\(result.output.prefix(2000))")
        }
    }
}

/// The sample recordings' file names.
enum SampleFiles {
    static let all = ["steady.jsonl", "cold-start.jsonl", "crm-outage.jsonl", "crm-slowdown.jsonl", "apac-spike.jsonl", "cpu-regression.jsonl",
                      "crm-hang-stale.jsonl"]
}
