import Foundation

/// The snapshot as a plain-text table, for `edgewatch report` and logs.
public enum TextReport {
    public static func render(_ snapshot: MetricsSnapshot, title: String) -> String {
        var lines = [
            title,
            "window \(snapshot.windowSeconds)s (\(snapshot.coveredSeconds)s covered), figures marked * have fewer than \(snapshot.minimumSamples) samples",
            "",
        ]
        let header = ["colo", "req/s", "p50 ms", "p95 ms", "p99 ms", "hit %", "stale %", "found %", "right %", "CRM err %", "of all %", "CPU p50", "CPU p95", "n", "state"]
        var rows = [header]
        for row in snapshot.colos + [snapshot.all] {
            let f = row.figures
            rows.append([
                row.colo, number(f.requestRate, digits: 1), number(f.p50LatencyMs), number(f.p95LatencyMs),
                number(f.p99LatencyMs), number(f.cacheHitRate, digits: 1), number(f.staleRate, digits: 1), number(f.foundRate, digits: 1),
                number(f.answeredRate, digits: 1),
                number(f.crmErrorRate, digits: 1), number(f.crmErrorRateOfAll, digits: 1), number(f.cpuP50Ms), number(f.cpuP95Ms), String(f.tally.requests),
                stateSummary(row),
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.indices.map { column in
                column == 0 || column == row.count - 1
                    ? row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - row[column].count) + row[column]
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        let events = snapshot.events
        lines.append("")
        lines.append("events: \(events.recorded) recorded, \(events.droppedTooOld) dropped as older than the window, \(events.clampedFromFuture) clamped from the future, \(events.droppedQueueFull) dropped and \(events.refusedQueueFull) refused (503) on a full queue")
        if !snapshot.recentTransitions.isEmpty {
            lines.append("")
            lines.append("state changes (newest first):")
            for change in snapshot.recentTransitions.prefix(20) { lines.append("  " + describe(change)) }
        }
        return lines.joined(separator: "\n")
    }

    /// `09:02:41 SIN p95_latency WARN → ALERT (value 412.0 ms, threshold 300.0)`
    public static func describe(_ change: AlertTransition) -> String {
        "\(clock(change.time)) \(change.colo) \(change.metric.rawValue) \(change.from.rawValue) → \(change.to.rawValue) (value \(String(format: "%.1f", change.value)) \(change.metric.unit), threshold \(String(format: "%.1f", change.threshold)))"
    }

    static func stateSummary(_ row: ColoRow) -> String {
        let bad = AlertMetric.allCases.filter { row.state($0) != .ok }
        guard !bad.isEmpty else { return "OK" }
        return bad.map { "\(row.state($0).rawValue) \($0.rawValue)" }.joined(separator: ", ")
    }

    static func number(_ figure: Figure, digits: Int = 2) -> String {
        guard let value = figure.value else { return "-" }
        return String(format: "%.\(digits)f", value) + (figure.sufficient ? "" : "*")
    }

    /// `HH:mm:ss` UTC.
    public static func clock(_ millis: Int64) -> String {
        let seconds = Int(millis.floorDiv(1000).modulo(86_400))
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// ISO 8601 UTC, to the second.
    public static func timestamp(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
