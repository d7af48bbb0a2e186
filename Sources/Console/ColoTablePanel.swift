import MetricsEngine

/// One row per colo plus ALL: req/s, p50, p95, hit %, stale %, CRM err %, CPU p95, state.
/// Rows that do not fit are never hidden silently: a line says how many there are and the worst
/// of their states.
enum ColoTablePanel {
    struct Column {
        var title: String
        var width: Int
        var sort: SortColumn
    }

    static let columns = [
        Column(title: "COLO", width: 7, sort: .colo), Column(title: "REQ/S", width: 7, sort: .rate),
        Column(title: "P50 ms", width: 9, sort: .p50), Column(title: "P95 ms", width: 9, sort: .p95),
        Column(title: "HIT %", width: 8, sort: .hit), Column(title: "STALE %", width: 8, sort: .stale),
        Column(title: "CRM ERR %", width: 10, sort: .crm),
        Column(title: "CPU ms", width: 8, sort: .cpu), Column(title: "STATE", width: 10, sort: .state),
    ]

    /// Columns the table takes.
    static var width: Int { columns.reduce(0) { $0 + $1.width } }

    /// Draws at row `top`; returns the next free row. `maxRows` bounds the rows drawn below the
    /// heading (colos, the line for hidden ones, and ALL).
    @discardableResult
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, top: Int, maxRows: Int) -> Int {
        var x = 0
        for column in columns {
            let marker = column.sort == state.sort ? (state.sortReversed ? "▲" : "▼") : ""
            let title = column.sort == .colo || column.sort == .state
                ? (" " + column.title + marker) : FigureText.rightAligned(column.title + marker, column.width - 1)
            buffer.write(title, x: x, y: top, style: .heading, limit: column.width)
            x += column.width
        }
        let rows = state.rows
        guard let all = rows.last, let snapshot = state.snapshot else {
            buffer.write(" waiting for the first snapshot…", x: 0, y: top + 1, style: .muted)
            return top + 2
        }
        let colos = Array(rows.dropLast())
        var (shown, above, below) = (colos, [ColoRow](), [ColoRow]())
        if colos.count > maxRows - 1, maxRows > 2 {
            // One line goes to the hidden rows; the selected row and ALL stay in view.
            let room = maxRows - 2
            let selectedIndex = colos.firstIndex { $0.colo == state.selected } ?? 0
            let start = max(0, min(selectedIndex - (room - 1), colos.count - room))
            shown = Array(colos[start..<(start + room)])
            above = Array(colos[..<start])
            below = Array(colos[(start + room)...])
        }
        var y = top + 1
        for row in shown {
            draw(row, selected: row.colo == state.selected, thresholds: snapshot.thresholds, into: &buffer, y: y)
            y += 1
        }
        if !above.isEmpty || !below.isEmpty {
            buffer.write(hiddenLine(above: above, below: below), x: 0, y: y, style: hiddenStyle(above + below))
            y += 1
        }
        draw(all, selected: all.colo == state.selected, thresholds: snapshot.thresholds, into: &buffer, y: y)
        return y + 1
    }

    /// `+4 more ↓ · 1 ALERT · 2 WARN`: how many rows are out of view, which way, and the states
    /// among them that are not OK.
    /// Counted by what each row asks for (``ColoRow/attention``), so an ALERT held behind too few
    /// samples counts as an ALERT here.
    static func hiddenLine(above: [ColoRow], below: [ColoRow]) -> String {
        let hidden = above + below
        let arrows = (above.isEmpty ? "" : "↑") + (below.isEmpty ? "" : "↓")
        let counts = ShownState.allCases.reversed().compactMap { shown -> String? in
            guard shown != .ok else { return nil }
            let count = hidden.count { $0.attention == shown }
            return count > 0 ? "\(count) \(shown.rawValue)" : nil
        }
        return " +\(hidden.count) more \(arrows) · " + (counts.isEmpty ? "all OK" : counts.joined(separator: " · ")) + " · ↑↓ scroll, / filter"
    }

    private static func hiddenStyle(_ hidden: [ColoRow]) -> Style {
        let worst = hidden.map(\.attention).max() ?? .ok
        return worst >= .warn ? FigureText.style(worst) : .muted
    }

    static func draw(_ row: ColoRow, selected: Bool, thresholds: ThresholdTable, into buffer: inout ScreenBuffer, y: Int) {
        let f = row.figures
        let nameStyle = Style(bold: selected || row.colo == "ALL", reverse: selected)
        buffer.write((selected ? "▶" : " ") + row.colo, x: 0, y: y, style: nameStyle, limit: 6)
        let shown = row.shownWorst
        if row.silent {
            // Old figures would read as live: the row says since when there has been nothing.
            let since = row.lastHeard.map { "no data since " + FigureText.clock($0) } ?? "no events yet"
            buffer.write(" " + since, x: columns[0].width, y: y, style: .muted, limit: width - columns[0].width - columns.last!.width)
        } else {
            let cells: [(String, Style)] = [
                FigureText.cell(f.requestRate, unit: "/s"),
                FigureText.cell(row, .p50Latency, thresholds: thresholds),
                FigureText.cell(row, .p95Latency, thresholds: thresholds),
                FigureText.cell(row, .cacheHitRate, thresholds: thresholds),
                // Stale answers have no threshold: a share that grows is the CRM failing behind the cache.
                FigureText.cell(f.staleRate, unit: "%"),
                FigureText.cell(row, .crmErrorRate, thresholds: thresholds),
                FigureText.cell(row, .cpuTime, thresholds: thresholds),
            ]
            var x = columns[0].width
            for (index, cell) in cells.enumerated() {
                let width = columns[index + 1].width
                buffer.write(FigureText.rightAligned(cell.0, width - 1), x: x, y: y, style: cell.1, limit: width - 1)
                x += width
            }
        }
        buffer.write(" " + shown.rawValue, x: width - columns.last!.width, y: y, style: FigureText.style(shown), limit: columns.last!.width)
    }
}
