import Foundation

/// The snapshot as a plain-text table, for `edgewatch report` and logs.
public enum TextReport {
    public static func render(_ snapshot: MetricsSnapshot, title: String) -> String {
        var lines = [
            title,
            "window \(snapshot.windowSeconds)s (\(snapshot.coveredSeconds)s covered), figures marked * have fewer than \(snapshot.minimumSamples) samples; rates are over the seconds each colo was observed",
            "",
        ]
        let header = ["colo", "req/s", "p50 ms", "p95 ms", "p99 ms", "hit %", "stale %", "found %", "right %", "CRM err %", "of all %", "CPU p50", "CPU p95", "n", "seen s", "state"]
        var rows = [header]
        for row in snapshot.colos + [snapshot.all] {
            let f = row.figures
            rows.append([
                row.colo, number(f.requestRate, unit: "/s"), number(f.p50LatencyMs, unit: "ms"), number(f.p95LatencyMs, unit: "ms"),
                number(f.p99LatencyMs, unit: "ms"), number(f.cacheHitRate, unit: "%"), number(f.staleRate, unit: "%"), number(f.foundRate, unit: "%"),
                number(f.answeredRate, unit: "%"),
                number(f.crmErrorRate, unit: "%"), number(f.crmErrorRateOfAll, unit: "%"), number(f.cpuP50Ms, unit: "ms"), number(f.cpuP95Ms, unit: "ms"),
                String(f.tally.requests), String(f.observedSeconds),
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
            for line in describe(Array(snapshot.recentTransitions.prefix(40).reversed())).suffix(20).reversed() { lines.append("  " + line) }
        }
        return lines.joined(separator: "\n")
    }

    /// One log line for one change:
    /// - `09:02:41 SIN p95_latency WARN → ALERT (value 412 ms, threshold 300)`;
    /// - `09:02:31 SIN p95_latency OK → ALERT pending (value 412 ms, threshold 300)`;
    /// - `09:44:00 LHR p95_latency OK → NO DATA (no events since 09:43:50)`.
    public static func describe(_ change: AlertTransition, clock withClock: Bool = true) -> String {
        let head = (withClock ? clock(change.time) + " " : "") + "\(change.colo) \(change.metric.rawValue) "
        if change.isPending {
            return head + "\(change.from.rawValue) → \(change.to.rawValue) pending (value \(valueText(change)), threshold \(thresholdText(change)))"
        }
        if change.to == .noData { return head + "\(change.from.rawValue) → NO DATA (\(silence(change.lastHeard)))" }
        if change.from == .noData { return head + "NO DATA → \(change.to.rawValue) (events again; states start afresh)" }
        return head + "\(change.from.rawValue) → \(change.to.rawValue) (value \(valueText(change)), threshold \(thresholdText(change)))"
    }

    /// Log lines for `changes` (oldest first), with a colo's metrics going into or out of NO
    /// DATA at one moment folded into one line each:
    /// `09:44:00 LHR → NO DATA: no events since 09:43:50 (was ALERT crm_error_rate)`.
    public static func describe(_ changes: [AlertTransition]) -> [String] {
        groups(changes).map { describe(group: $0) }
    }

    /// `changes` (oldest first) in the groups one log line each describes: a colo's metrics
    /// going into NO DATA (or out of it) at one moment together, everything else alone.
    public static func groups(_ changes: [AlertTransition]) -> [[AlertTransition]] {
        var groups: [[AlertTransition]] = []
        for change in changes {
            if let first = groups.last?.first, isSilenceChange(first), isSilenceChange(change),
               first.colo == change.colo, first.time == change.time, first.to == change.to, first.from == .noData || first.to == .noData,
               (first.to == .noData) == (change.to == .noData) {
                groups[groups.count - 1].append(change)
            } else {
                groups.append([change])
            }
        }
        return groups
    }

    /// The one line for a group from ``groups(_:)``.
    public static func describe(group: [AlertTransition], clock withClock: Bool = true) -> String {
        guard let first = group.first else { return "" }
        return isSilenceChange(first) ? silenceLine(group, clock: withClock) : describe(first, clock: withClock)
    }

    /// A change into or out of NO DATA (not a pending start).
    static func isSilenceChange(_ change: AlertTransition) -> Bool {
        !change.isPending && (change.to == .noData || change.from == .noData)
    }

    private static func silenceLine(_ group: [AlertTransition], clock withClock: Bool) -> String {
        let first = group[0]
        let head = (withClock ? clock(first.time) + " " : "") + first.colo
        if first.to == .noData {
            let held = group.filter { $0.from != .ok }
            let was = held.isEmpty ? "" : " (was " + held.map { "\($0.from.rawValue) \($0.metric.rawValue)" }.joined(separator: ", ") + ")"
            let what = group.count == AlertMetric.allCases.count ? "" : " " + group.map(\.metric.rawValue).joined(separator: ", ")
            return head + what + " → NO DATA: \(silence(first.lastHeard))" + was
        }
        let what = group.count == AlertMetric.allCases.count ? "" : " " + group.map(\.metric.rawValue).joined(separator: ", ")
        return head + what + " NO DATA → \(first.to.rawValue): events again; states start afresh"
    }

    private static func silence(_ lastHeard: Int64?) -> String {
        lastHeard.map { "no events since \(clock($0))" } ?? "no events yet"
    }

    static func valueText(_ change: AlertTransition) -> String {
        FigureFormat.value(change.value, unit: change.metric.unit) + " " + change.metric.unit
    }

    static func thresholdText(_ change: AlertTransition) -> String {
        FigureFormat.value(change.threshold, unit: change.metric.unit)
    }

    /// `OK`, or the shown states that are not OK: `ALERT crm_error_rate, LOW DATA p95_latency`.
    static func stateSummary(_ row: ColoRow) -> String {
        if row.silent { return "NO DATA" + (row.lastHeard.map { " since \(clock($0))" } ?? "") }
        let shown = row.shownWorst
        guard shown != .ok else { return "OK" }
        let bad = AlertMetric.allCases.filter { row.state($0) != .ok || (row.shown($0) != .ok && row.shown($0) != .lowData) }
        guard !bad.isEmpty else { return shown.rawValue }
        return bad.map { metric in
            let figure = metric.figure(in: row.figures)
            return figure.sufficient ? "\(row.state(metric).rawValue) \(metric.rawValue)" : "LOW DATA \(metric.rawValue) (held \(row.state(metric).rawValue), n=\(figure.n))"
        }.joined(separator: ", ")
    }

    static func number(_ figure: Figure, unit: String) -> String {
        guard let value = figure.value else { return "-" }
        return FigureFormat.value(value, unit: unit) + (figure.sufficient ? "" : "*")
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
