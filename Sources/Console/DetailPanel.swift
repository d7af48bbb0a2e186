import MetricsEngine

/// One colo up close (Enter or → on a row; Esc goes back): its figures step by step over the
/// window as sparklines, its latency as log-spaced bars, its CRM errors by type, CPU, its cache,
/// and its own recent state changes. Laid out for 80×24 and growing with the screen.
enum DetailPanel {
    static func render(_ state: DashboardState, colo: String, into buffer: inout ScreenBuffer, top: Int, bottom: Int) {
        let width = buffer.width
        let row = state.snapshot.flatMap { snapshot in colo == "ALL" ? snapshot.all : snapshot.colos.first { $0.colo == colo } }
        let detail = state.coloDetail?.colo == colo ? state.coloDetail : nil
        title(state, colo: colo, row: row, detail: detail, into: &buffer, y: top, width: width)
        guard let row, let detail else {
            let text = state.snapshot == nil ? "waiting for the first snapshot" : "no events from \(colo) in the window"
            buffer.write(text, x: 1, y: top + 2, style: .muted)
            return
        }
        sparklines(row, detail, into: &buffer, top: top + 1, width: width)
        let lower = top + 7
        let half = width / 2
        latency(detail, into: &buffer, x: 0, top: lower, bottom: bottom, width: half - 1)
        side(state, row: row, into: &buffer, x: half + 1, top: lower, bottom: bottom, width: width - half - 1)
    }

    // MARK: Title and sparklines

    /// `LHR ✖ ALERT · window 60s by 1 s · 9.4 req/s · latency ≤312 ms`: the state first, so a
    /// narrow screen cuts the least useful part.
    private static func title(
        _ state: DashboardState, colo: String, row: ColoRow?, detail: ColoDetail?,
        into buffer: inout ScreenBuffer, y: Int, width: Int
    ) {
        let bar = Style(color: .cyan, bold: true, reverse: true)
        buffer.fill(y: y, style: bar)
        var x = buffer.write(" " + (colo == "ALL" ? "ALL colos" : colo) + " ", x: 0, y: y, style: bar)
        if let row {
            let shown = row.shownWorst
            var style = FigureText.style(shown)
            style.reverse = true
            style.bold = true
            let since = row.silent ? row.lastHeard.map { " since " + FigureText.clock($0) } ?? "" : ""
            x = buffer.write(shown.rawValue + since + " ", x: x, y: y, style: style)
        }
        var parts: [String] = []
        if let snapshot = state.snapshot {
            parts.append("window \(snapshot.windowSeconds)s" + (detail.map { " by \($0.stepSeconds) s" } ?? ""))
        }
        if let figures = row?.figures {
            // The rate with what it divides by: n over the seconds the colo was observed.
            let rate = figures.requestRate.value.map { FigureFormat.decimal($0) + " req/s" } ?? "— req/s"
            parts.append("\(rate) · n=\(figures.tally.requests) in \(figures.observedSeconds) s seen")
        }
        if let detail { parts.append("latency ≤" + FigureText.value(latencyCeiling(detail, span: width), unit: "ms") + " ms") }
        if !parts.isEmpty { buffer.write("· " + parts.joined(separator: " · "), x: x, y: y, style: bar) }
    }

    static let labelWidth = 10, valueWidth = 9

    /// The latency sparklines share one scale, the highest p99 step shown, so they compare.
    static func latencyCeiling(_ detail: ColoDetail, span width: Int) -> Double {
        max(1, detail.points.suffix(max(1, width - labelWidth - valueWidth)).compactMap(\.p99LatencyMs).max() ?? 1)
    }

    /// Six rows, one column per step of the window, each ending with the window's figure.
    private static func sparklines(_ row: ColoRow, _ detail: ColoDetail, into buffer: inout ScreenBuffer, top: Int, width: Int) {
        let span = max(1, width - labelWidth - valueWidth)
        let points = Array(detail.points.suffix(span))
        let ceiling = latencyCeiling(detail, span: width)
        let f = row.figures
        let lines: [(String, [Double?], Double, String)] = [
            ("p50 ms", points.map(\.p50LatencyMs), ceiling, milliseconds(f.p50LatencyMs)),
            ("p95 ms", points.map(\.p95LatencyMs), ceiling, milliseconds(f.p95LatencyMs)),
            ("p99 ms", points.map(\.p99LatencyMs), ceiling, milliseconds(f.p99LatencyMs)),
            ("hit %", points.map(\.hitRate), 100, percent(f.cacheHitRate)),
            ("stale %", points.map(\.staleRate), 100, percent(f.staleRate)),
            ("CRM err %", points.map(\.crmErrorRate), 100, percent(f.crmErrorRate)),
        ]
        for (index, line) in lines.enumerated() {
            // Right-aligned: the newest step sits next to the window's figure.
            buffer.write(line.0, x: 0, y: top + index, style: .muted, limit: labelWidth - 1)
            SparklinePanel.row(label: "", values: line.1, ceiling: line.2, marks: line.1.map { _ in false },
                               into: &buffer, x: span - points.count, y: top + index, labelWidth: labelWidth, span: span)
            buffer.write(FigureText.rightAligned(line.3, valueWidth - 1), x: width - valueWidth + 1, y: top + index, style: .heading)
        }
    }

    private static func milliseconds(_ figure: Figure) -> String {
        figure.value.map { FigureFormat.milliseconds($0) } ?? "—"
    }

    private static func percent(_ figure: Figure) -> String {
        figure.value.map { FigureFormat.decimal($0) } ?? "—"
    }

    // MARK: Latency distribution

    /// `<1 ms`, `1–2`, … `200–500`, `0.5–1 s`, … `≥5 s`, from the engine's bucket edges.
    static func bucketLabel(_ index: Int) -> String {
        let edges = ColoDetail.bucketEdgesMs
        func seconds(_ ms: Double) -> String {
            ms.truncatingRemainder(dividingBy: 1000) == 0 ? "\(Int(ms / 1000))" : FigureText.number(ms / 1000, digits: 1)
        }
        func plain(_ ms: Double) -> String { "\(Int(ms))" }
        if index == 0 { return "<" + plain(edges[0]) + " ms" }
        guard index < edges.count else {
            let last = edges[edges.count - 1]
            return last >= 1000 ? "≥" + seconds(last) + " s" : "≥" + plain(last) + " ms"
        }
        let (lower, upper) = (edges[index - 1], edges[index])
        return upper >= 1000 ? seconds(lower) + "–" + seconds(upper) + " s" : plain(lower) + "–" + plain(upper)
    }

    private static func latency(_ detail: ColoDetail, into buffer: inout ScreenBuffer, x: Int, top: Int, bottom: Int, width: Int) {
        let total = detail.latencyBuckets.reduce(0) { $0 + $1.count }
        buffer.write("LATENCY ms · window · n=\(total)", x: x, y: top, style: .heading, limit: width)
        let labelWidth = 9, countWidth = 12
        let barWidth = max(1, width - labelWidth - countWidth)
        let largest = max(1, detail.latencyBuckets.map(\.count).max() ?? 1)
        for (index, bucket) in detail.latencyBuckets.enumerated() where top + 1 + index < bottom {
            let y = top + 1 + index
            buffer.write(FigureText.rightAligned(bucketLabel(index), labelWidth - 1), x: x, y: y, style: .muted)
            let cells = bucket.count == 0 ? 0 : max(1, Int((Double(bucket.count) / Double(largest) * Double(barWidth)).rounded()))
            buffer.write(String(repeating: "█", count: cells), x: x + labelWidth, y: y,
                         style: Style(color: (bucket.upToMs ?? .infinity) > 300 ? .yellow : .cyan))
            let share = total > 0 ? FigureFormat.decimal(100 * Double(bucket.count) / Double(total)) + "%" : ""
            let text = bucket.count == 0 ? "" : "\(bucket.count) \(share)"
            buffer.write(FigureText.rightAligned(text, countWidth - 1), x: x + labelWidth + barWidth + 1, y: y, limit: countWidth - 1)
        }
    }

    // MARK: Errors, CPU, cache, changes

    private static func side(
        _ state: DashboardState, row: ColoRow, into buffer: inout ScreenBuffer, x: Int, top: Int, bottom: Int, width: Int
    ) {
        let f = row.figures
        var y = top
        func line(_ text: String, _ style: Style = .plain) {
            guard y < bottom else { return }
            buffer.write(text, x: x, y: y, style: style, limit: width)
            y += 1
        }
        let errors = f.errors.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        let errorCount = errors.reduce(0) { $0 + $1.value }
        line("ERRORS · by errorType · \(errorCount)", .heading)
        if errors.isEmpty { line("none in the window", .muted) }
        let shown = errors.count > 4 ? 3 : errors.count
        for (kind, count) in errors.prefix(shown) {
            let share = FigureFormat.decimal(100 * Double(count) / Double(max(1, f.tally.requests)))
            line(FigureText.pad(kind, width - 16) + FigureText.rightAligned("\(count)", 7) + FigureText.rightAligned(share + "%", 8),
                 Style(color: ColoFigures.isCRMError(kind) ? .red : .yellow))
        }
        if errors.count > shown { line("… and \(errors.count - shown) more kinds", .muted) }
        line("CPU ms  p50 " + milliseconds(f.cpuP50Ms) + "  p95 " + milliseconds(f.cpuP95Ms))
        cache(state, colo: row.colo, line: line)
        if let sources = state.coloDetail?.sources, !sources.isEmpty {
            let silent = Set((state.snapshot?.sources ?? []).filter(\.stale).map(\.id))
            let nameWidth = max(4, width - 31)
            let title = nameWidth >= 18 ? "BY SOURCE · 1 min" : "BY SOURCE"
            line(FigureText.pad(title, nameWidth) + "   req  hit%  err% p95", .heading)
            // Half of what is left, so the colo's changes keep some room.
            let room = max(1, (bottom - y - 1) / 2)
            let shown = sources.count > room ? room - 1 : sources.count
            for source in sources.prefix(max(1, shown)) {
                let figures = FigureText.rightAligned("\(source.requests)", 6)
                    + FigureText.rightAligned(source.hitRate.map(FigureFormat.decimal) ?? "—", 6)
                    + FigureText.rightAligned(source.crmErrorRate.map(FigureFormat.decimal) ?? "—", 6)
                    + " " + (source.p95Bucket.map(bucketLabel) ?? "—")
                // Too long for the column: the end is kept, where host:port ids differ.
                let mark = silent.contains(source.id) ? "⚠" : ""
                let room = nameWidth - 1 - mark.count
                let name = mark + (source.id.count > room ? "…" + String(source.id.suffix(room - 1)) : source.id)
                line(FigureText.pad(name, nameWidth) + figures,
                     silent.contains(source.id) ? Style(color: .yellow, bold: true) : .plain)
            }
            if sources.count > max(1, shown) { line("… \(sources.count - max(1, shown)) more sources", .muted) }
        }
        line("CHANGES · \(row.colo)", .heading)
        let changes = (state.snapshot?.recentTransitions ?? []).filter { $0.colo == row.colo }
        if changes.isEmpty { line("none kept", .muted) }
        for change in changes {
            line(FigureText.clock(change.time) + " " + change.metric.rawValue + " " + change.from.rawValue + " → " + change.to.rawValue,
                 FigureText.style(change.to))
        }
    }

    private static func cache(_ state: DashboardState, colo: String, line: (String, Style) -> Void) {
        guard state.mode == .live else {
            line("CACHE  not in this process", .muted)
            return
        }
        let entries = colo == "ALL" ? state.cacheEntries.values.reduce(0, +) : state.cacheEntries[colo] ?? 0
        let split = colo == "ALL" ? state.kvSplit : state.cacheSplits[colo]
        let awaiting = split.map { $0.awaitingReplication > 0 ? " · \($0.awaitingReplication) awaiting" : "" } ?? ""
        line("CACHE  \(entries) entries" + awaiting, .plain)
        if let split {
            line("hits \(split.ownPercent)% own · \(split.replicatedPercent)% replicated", .plain)
        } else {
            line("no hits yet", .muted)
        }
    }
}
