import MetricsEngine

/// What each family in `/metrics` means (`# HELP`), in one table, and the alert-state gauge,
/// written from the snapshot the ticker last published.
enum MetricsHelp {
    /// Every family edgewatch exports, and its help text.
    static let text: [String: String] = [
        "edgewatch_lookups_total": "Lookups answered, by colo, cache (hit, stale for a stale copy, or miss) and outcome (found, not_found, or the errorType).",
        "edgewatch_lookup_latency_seconds": "Server-side time to answer a lookup, by colo (refused credentials left out).",
        "edgewatch_lookup_cpu_seconds": "Time a lookup's handler ran on its threads, not awaiting the CRM, by colo.",
        "edgewatch_alert_state": "The state each (colo, metric) holds, as on the console: 0 OK, 1 WARN, 2 ALERT, 3 NO DATA.",
        "edgewatch_auth_refused_total": "Requests refused for their credentials, by route.",
        "edgewatch_auth_throttled_total": "Refusals answered 429 because the address kept failing.",
        "edgewatch_auth_throttle_evictions_total": "Addresses the failure throttle forgot with debt because its table was full.",
        "edgewatch_auth_throttle_addresses": "Addresses the failure throttle remembers now.",
        "edgewatch_cache_entries": "Entries each colo's lookup cache holds (fresh, stale copies, and expired ones not yet reclaimed).",
        "edgewatch_crm_breaker_state": "The CRM circuit breaker: 0 closed, 1 half-open, 2 open.",
        "edgewatch_crm_calls_not_made_total": "CRM calls not made, by reason (the breaker open, the bulkhead full).",
        "edgewatch_report_events_total": "Events this instance forwarded with --report-to, by outcome (sent, dropped, rejected).",
        "edgewatch_report_retries_total": "Forwarding POSTs that failed and were tried again.",
        "edgewatch_report_events_waiting": "Events waiting to be forwarded.",
        "edgewatch_viewers": "Consoles (and scripts) reading the read API now.",
        "edgewatch_viewers_refused_total": "Reads refused because the most viewers were attached.",
        "edgewatch_alertmanager_posts_total": "Alert POSTs to Alertmanager, by outcome (sent, failed).",
        "edgewatch_alertmanager_alerts_firing": "Alerts this process is telling Alertmanager about now.",
        "edgewatch_recording_events_total": "Events for the recording (--record), by outcome: written, dropped_behind (the disk could not keep up), dropped_disk (the disk refused them), dropped_old (older than the widest window, 15 min).",
        "edgewatch_recording_bytes_total": "Bytes written to the recording's segments.",
        "edgewatch_fast_path_answers_total": "Requests (cached lookups and /health) answered on the event loop, in front of the routes.",
        "edgewatch_http_malformed_requests_total": "Requests NIO's HTTP parser rejected: answered 400 with a JSON error, then the connection was closed.",
        "edgewatch_http_idle_closed_total": "Connections closed after --idle-timeout with nothing sent either way.",
        "edgewatch_http_request_timeouts_total": "Connections closed because a request had not arrived whole 30 s after its first byte.",
        "edgewatch_recording_segments_removed_total": "Recording segments removed, oldest first, to keep the folder within --record-max-bytes and --record-max-age.",
        "edgewatch_recording_failing": "1 while recording fails (a full or read-only disk), else 0.",
    ]

    /// `# HELP` and `# TYPE` for `name`.
    static func head(_ name: String, type: String, into buffer: inout [UInt8]) {
        if let help = text[name] { buffer.append(contentsOf: "# HELP \(name) \(help)\n".utf8) }
        buffer.append(contentsOf: "# TYPE \(name) \(type)\n".utf8)
    }

    /// `exposition` with a `# HELP` line before each `# TYPE` line whose family has one.
    static func described(_ exposition: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + 2_048)
        let prefix = Array("# TYPE ".utf8)
        var start = 0
        while start < exposition.count {
            let end = exposition[start...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? exposition.count
            let line = exposition[start..<end]
            if line.starts(with: prefix) {
                let name = String(decoding: line.dropFirst(prefix.count).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = text[name] { out.append(contentsOf: "# HELP \(name) \(help)\n".utf8) }
            }
            out.append(contentsOf: line)
            start = end
        }
        return out
    }

    /// The gauge's value for a state.
    static func value(_ state: AlertState) -> Int {
        switch state {
        case .ok: 0
        case .warn: 1
        case .alert: 2
        case .noData: 3
        }
    }

    /// `edgewatch_alert_state{colo,metric}` for every row of `snapshot` (ALL included): a colo the
    /// engine has forgotten has no series, so none goes stale.
    static func alertStates(_ snapshot: MetricsSnapshot, into buffer: inout [UInt8]) {
        let name = "edgewatch_alert_state"
        head(name, type: "gauge", into: &buffer)
        for row in snapshot.colos + [snapshot.all] {
            let colo = DurationBuckets.escapedLabel(row.colo)
            for metric in AlertMetric.allCases {
                buffer.append(contentsOf: "\(name){colo=\"\(colo)\",metric=\"\(metric.rawValue)\"} \(value(row.state(metric)))\n".utf8)
            }
        }
    }
}
