import Foundation
import LookupCore
import MetricsEngine

/// What Alertmanager is told, from each snapshot the ticker publishes: every (colo, metric) in
/// WARN (`severity: warning`) or ALERT (`critical`) is a firing alert, and so is a silent colo
/// (`EdgewatchNoData`, at its own severity, or not at all). An alert that stops firing is sent
/// resolved (`endsAt` when it stopped) for the next few sends, then forgotten. Pure: every call
/// takes the time; bounded by the engine's rows.
public struct AlertBook: Sendable {
    /// One alert as Alertmanager's API v2 takes it.
    public struct Alert: Sendable, Equatable, Codable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: String
        public var endsAt: String
        public var generatorURL: String?
    }

    /// The severity of a silent colo's alert, or none.
    public enum NoData: String, Sendable, CaseIterable {
        case warning, critical, off
    }

    struct Key: Hashable {
        var colo: String
        var alertname: String
        var severity: String
    }

    struct Entry {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: Int64
        /// When it stopped firing; nil while it fires.
        var resolvedAt: Int64?
        /// Sends left that still carry it resolved.
        var resolvedSends = 0
    }

    public let instance: String
    public let noData: NoData
    /// Colos whose silence is expected (quiet at night): no `EdgewatchNoData` for them.
    public let quietColos: Set<String>
    public let runbookURL: String?
    public let generatorURL: String?
    /// How long a firing alert holds without a resend: Alertmanager resolves it past `endsAt`.
    public let holdMillis: Int64
    private var entries: [Key: Entry] = [:]

    /// Resolved alerts are sent this many times (one lost POST must not leave one firing).
    static let resolvedSends = 3

    public init(instance: String, noData: NoData = .warning, quietColos: Set<String> = [], runbookURL: String? = nil, generatorURL: String? = nil,
                holdMillis: Int64 = 120_000) {
        self.instance = instance
        self.noData = noData
        self.quietColos = quietColos
        self.runbookURL = runbookURL
        self.generatorURL = generatorURL
        self.holdMillis = holdMillis
    }

    /// Takes in a published snapshot; returns true when the set of firing alerts changed (worth a
    /// send now rather than at the next resend).
    public mutating func take(_ snapshot: MetricsSnapshot, nowMillis: Int64) -> Bool {
        var firing: [Key: (labels: [String: String], annotations: [String: String])] = [:]
        for row in snapshot.colos + [snapshot.all] {
            if row.silent {
                // A row never heard from (ALL at start) has not gone silent: it has not begun.
                guard noData != .off, !quietColos.contains(row.colo), row.lastHeard != nil else { continue }
                let since = row.lastHeard.map { " since " + Self.clock($0) } ?? ""
                firing[Key(colo: row.colo, alertname: Self.noDataName, severity: noData.rawValue)] = (
                    labels(alertname: Self.noDataName, colo: row.colo, severity: noData.rawValue, metric: nil),
                    ["summary": "\(row.colo) has sent no events\(since)"]
                )
                continue
            }
            for metric in AlertMetric.allCases {
                let state = row.state(metric)
                guard state == .warn || state == .alert else { continue }
                let severity = state == .alert ? "critical" : "warning"
                let name = PrometheusRules.alertName(metric)
                let levels = snapshot.thresholds[metric]
                let level = state == .alert ? levels.alert : levels.target
                let unit = metric.unit == "%" ? "%" : " ms"
                let value = metric.figure(in: row.figures).value
                // Written as the console writes it (`900.0`, `42µs`).
                let shown = value.map { FigureFormat.value($0, unit: metric.unit) }
                let withUnit = shown.map { $0.hasSuffix("µs") ? $0 : $0 + unit } ?? "?"
                var annotations = [
                    "summary": "\(row.colo) \(metric.rawValue.replacingOccurrences(of: "_", with: " ")) is \(withUnit), past the \(state == .alert ? "alert level" : "target") \(PrometheusRules.number(level))\(unit)",
                    "threshold": PrometheusRules.number(level),
                ]
                if let shown { annotations["value"] = shown }
                firing[Key(colo: row.colo, alertname: name, severity: severity)] = (labels(alertname: name, colo: row.colo, severity: severity, metric: metric.rawValue), annotations)
            }
        }
        var changed = false
        for (key, alert) in firing {
            var entry = entries[key] ?? Entry(labels: alert.labels, annotations: alert.annotations, startsAt: nowMillis)
            if entries[key] == nil || entry.resolvedAt != nil { changed = true }
            if entry.resolvedAt != nil { entry = Entry(labels: alert.labels, annotations: alert.annotations, startsAt: nowMillis) }
            entry.annotations = alert.annotations
            entries[key] = entry
        }
        // A colo the engine has forgotten (silent past its window and five minutes more) is still
        // silent: its NO DATA alert holds until it is heard again, rather than resolve on its own.
        let listed = Set((snapshot.colos + [snapshot.all]).map(\.colo))
        var forgotten: [(key: Key, startsAt: Int64)] = []
        for (key, entry) in entries where firing[key] == nil && entry.resolvedAt == nil {
            if key.alertname == Self.noDataName, !listed.contains(key.colo) {
                forgotten.append((key, entry.startsAt))
                continue
            }
            resolve(key, at: nowMillis)
            changed = true
        }
        // The engine frees a forgotten colo's place, so new names could keep coming: at most
        // `maximumForgotten` such alerts are held, the oldest resolved first.
        if forgotten.count > Self.maximumForgotten {
            for (key, _) in forgotten.sorted(by: { ($0.startsAt, $0.key.colo) < ($1.startsAt, $1.key.colo) }).prefix(forgotten.count - Self.maximumForgotten) {
                resolve(key, at: nowMillis)
            }
            changed = true
        }
        return changed
    }

    private mutating func resolve(_ key: Key, at nowMillis: Int64) {
        entries[key]?.resolvedAt = nowMillis
        entries[key]?.resolvedSends = Self.resolvedSends
    }

    static let noDataName = "EdgewatchNoData"
    /// NO DATA alerts held for colos the engine has forgotten: as many as it keeps colos.
    static let maximumForgotten = ColoName.maximumColos

    /// The alerts to send now: firing, and recently resolved.
    public func payload(nowMillis: Int64) -> [Alert] {
        var alerts: [Alert] = []
        for key in entries.keys.sorted(by: { ($0.colo, $0.alertname, $0.severity) < ($1.colo, $1.alertname, $1.severity) }) {
            guard let entry = entries[key] else { continue }
            var annotations = entry.annotations
            if let runbookURL { annotations["runbook_url"] = runbookURL }
            let ends = entry.resolvedAt ?? nowMillis + holdMillis
            alerts.append(Alert(labels: entry.labels, annotations: annotations, startsAt: Self.time(entry.startsAt), endsAt: Self.time(ends), generatorURL: generatorURL))
        }
        return alerts
    }

    /// A payload reached this book's Alertmanager: each resolved alert in it has one send fewer to go,
    /// and is forgotten after ``resolvedSends``. (A failed send counts for nothing.)
    public mutating func delivered() {
        for (key, entry) in entries where entry.resolvedAt != nil {
            entries[key]?.resolvedSends -= 1
            if (entries[key]?.resolvedSends ?? 0) <= 0 { entries[key] = nil }
        }
    }

    /// Resolved alerts still to be sent.
    public var resolving: Int { entries.values.count { $0.resolvedAt != nil } }

    /// Alerts firing now.
    public var firing: Int { entries.values.count { $0.resolvedAt == nil } }

    private func labels(alertname: String, colo: String, severity: String, metric: String?) -> [String: String] {
        var labels = ["alertname": alertname, "colo": colo, "severity": severity, "instance": instance]
        if let metric { labels["metric"] = metric }
        return labels
    }

    /// RFC 3339 with milliseconds, UTC (`2026-11-06T21:20:00.123Z`), as Alertmanager's API takes
    /// it. Half a millisecond is added because the formatter truncates, and a double does not hold
    /// most thousandths exactly.
    static func time(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: (Double(millis) + 0.5) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func clock(_ millis: Int64) -> String {
        String(time(millis).dropFirst(11).prefix(8)) + " UTC"
    }
}
