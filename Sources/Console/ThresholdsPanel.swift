import MetricsEngine

/// The original design's table of targets and alerts, made live for the selected colo. The state
/// column says what is held and why: `✓ OK`, `OK → ALERT in 6s` (pending), `WARN until >66%`
/// (back inside the target, waiting out the hysteresis), `LOW DATA n=6`, `NO DATA`.
enum ThresholdsPanel {
    static let titleWidth = 15, targetWidth = 8, alertWidth = 8, nowWidth = 9

    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, x: Int, top: Int, width: Int) {
        guard let snapshot = state.snapshot, let row = state.selectedRow else { return }
        let end = buffer.write("THRESHOLDS · \(row.colo)", x: x, y: top, style: .heading, limit: width)
        let headings = max(x + titleWidth, end + 1)
        buffer.write(FigureText.pad("target", targetWidth) + FigureText.pad("alert", alertWidth) + FigureText.pad("now", nowWidth) + "state",
                     x: headings, y: top, style: .muted, limit: width - (headings - x))
        for (index, metric) in AlertMetric.allCases.enumerated() {
            let y = top + 1 + index
            let threshold = snapshot.thresholds[metric]
            let better = metric.higherIsBetter ? ">" : "<"
            let worse = metric.higherIsBetter ? "<" : ">"
            let figure = metric.figure(in: row.figures)
            let value = FigureText.cell(figure, unit: metric.unit)
            var column = buffer.write(FigureText.pad(shortTitle(metric), titleWidth), x: x, y: y, limit: width)
            column = buffer.write(FigureText.pad("\(better)\(format(threshold.target))\(metric.unit)", targetWidth), x: column, y: y, limit: width - (column - x))
            column = buffer.write(FigureText.pad("\(worse)\(format(threshold.alert))\(metric.unit)", alertWidth), x: column, y: y, limit: width - (column - x))
            column = buffer.write(FigureText.pad(row.silent ? "—" : value.0, nowWidth), x: column, y: y, style: value.1 == .muted || row.silent ? .muted : .plain,
                                  limit: width - (column - x))
            let label = stateLabel(row, metric, snapshot: snapshot)
            column = buffer.write(label.0, x: column, y: y, style: label.1, limit: width - (column - x))
            // Only when it fits whole: it is context, not the state.
            if metric == .crmErrorRate, !row.silent, let all = row.figures.crmErrorRateOfAll.value {
                let note = "  " + FigureFormat.decimal(all) + "% of all lookups"
                if column + note.count <= x + width { buffer.write(note, x: column, y: y, style: .muted) }
            }
        }
        // What callers felt: the share answered with their real customer (or a genuine
        // not-found), stale copies included. It falls only when the CRM fails with nothing cached.
        let y = top + 1 + AlertMetric.allCases.count
        var column = buffer.write(FigureText.pad("right customer", titleWidth + targetWidth + alertWidth), x: x, y: y, limit: width)
        let value = FigureText.cell(row.figures.answeredRate, unit: "%")
        column = buffer.write(FigureText.pad(row.silent ? "—" : value.0, nowWidth), x: column, y: y, style: value.1 == .muted || row.silent ? .muted : .plain,
                              limit: width - (column - x))
        if !row.silent, let stale = row.figures.staleRate.value, stale > 0 {
            buffer.write(FigureFormat.decimal(stale) + "% from stale copies", x: column, y: y, style: .muted, limit: width - (column - x))
        }
    }

    /// What the state column says for `metric` in `row`, and its style.
    static func stateLabel(_ row: ColoRow, _ metric: AlertMetric, snapshot: MetricsSnapshot) -> (String, Style) {
        let held = row.state(metric)
        if row.silent { return ("NO DATA", .muted) }
        let figure = metric.figure(in: row.figures)
        guard figure.sufficient, let value = figure.value else {
            return ("LOW DATA n=\(figure.n)" + (held == .ok ? "" : " · held " + held.rawValue), .muted)
        }
        let level = snapshot.thresholds.level(of: value, for: metric)
        if let pending = row.pending(metric) {
            let seconds = max(0, (pending.due - snapshot.generatedAt + 999) / 1000)
            var style = FigureText.style(level)
            style.bold = false
            return ("\(held.rawValue) → \(pending.to.rawValue) in \(seconds)s", style)
        }
        if level != held, let exit = snapshot.thresholds.exitLevel(for: metric, leaving: held) {
            // Inside the level again, but not yet past the hysteresis margin.
            let way = metric.higherIsBetter ? ">" : "<"
            var style = FigureText.style(held)
            style.bold = false
            return ("\(held.rawValue) until \(way)\(FigureText.value(exit, unit: metric.unit))\(metric.unit)", style)
        }
        return (FigureText.symbol(held) + " " + held.rawValue, FigureText.style(held))
    }

    static func shortTitle(_ metric: AlertMetric) -> String {
        switch metric {
        case .p50Latency: "p50 latency"
        case .p95Latency: "p95 latency"
        case .cacheHitRate: "cache hit rate"
        case .crmErrorRate: "CRM error rate"
        case .cpuTime: "CPU time p95"
        }
    }

    static func format(_ value: Double) -> String {
        Int(exactly: value).map(String.init) ?? FigureFormat.decimal(value)
    }
}
