import MetricsEngine

/// The original design's table of targets and alerts, made live for the selected colo.
enum ThresholdsPanel {
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, x: Int, top: Int, width: Int) {
        guard let snapshot = state.snapshot, let row = state.selectedRow else { return }
        let title = pad("THRESHOLDS · \(row.colo)", 17)
        let end = buffer.write(title, x: x, y: top, style: .heading, limit: width)
        buffer.write("target   alert     now      state", x: end, y: top, style: .muted, limit: width - (end - x))
        for (index, metric) in AlertMetric.allCases.enumerated() {
            let y = top + 1 + index
            let threshold = snapshot.thresholds[metric]
            let better = metric.higherIsBetter ? ">" : "<"
            let worse = metric.higherIsBetter ? "<" : ">"
            let figure = metric.figure(in: row.figures)
            let state = row.state(metric)
            let value = FigureText.cell(figure, state: nil, digits: metric.unit == "%" ? 1 : 2)
            var column = buffer.write(pad(shortTitle(metric), 17), x: x, y: y, limit: width)
            column = buffer.write(pad("\(better)\(format(threshold.target))\(metric.unit)", 9), x: column, y: y, limit: width - (column - x))
            column = buffer.write(pad("\(worse)\(format(threshold.alert))\(metric.unit)", 10), x: column, y: y, limit: width - (column - x))
            column = buffer.write(pad(value.0, 9), x: column, y: y, style: value.1 == .muted ? .muted : .plain, limit: width - (column - x))
            let label = figure.sufficient ? FigureText.symbol(state) + " " + state.rawValue : "no data"
            column = buffer.write(pad(label, 8), x: column, y: y, style: figure.sufficient ? FigureText.style(state) : .muted, limit: width - (column - x))
            if metric == .crmErrorRate, let all = row.figures.crmErrorRateOfAll.value {
                buffer.write(" \(FigureText.number(all, digits: 1))% of all lookups", x: column, y: y, style: .muted, limit: width - (column - x))
            }
        }
        // What callers felt: the share answered with their real customer (or a genuine
        // not-found), stale copies included. It falls only when the CRM fails with nothing cached.
        let y = top + 1 + AlertMetric.allCases.count
        let answered = row.figures.answeredRate
        var column = buffer.write(pad("right customer", 17), x: x, y: y, limit: width)
        column = buffer.write(pad("", 19), x: column, y: y, limit: width - (column - x))
        let value = FigureText.cell(answered, state: nil, digits: 1)
        column = buffer.write(pad(value.0, 9), x: column, y: y, style: value.1 == .muted ? .muted : .plain, limit: width - (column - x))
        if let stale = row.figures.staleRate.value, stale > 0 {
            buffer.write("\(FigureText.number(stale, digits: 1))% from stale copies", x: column, y: y, style: .muted, limit: width - (column - x))
        }
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
        Int(exactly: value).map(String.init) ?? FigureText.number(value, digits: 1)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
