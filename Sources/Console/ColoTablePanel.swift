import MetricsEngine

/// One row per colo plus ALL: req/s, p50, p95, hit %, stale %, CRM err %, CPU p95, state.
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
        Column(title: "CPU ms", width: 8, sort: .cpu), Column(title: "STATE", width: 8, sort: .state),
    ]

    /// Columns the table takes.
    static var width: Int { columns.reduce(0) { $0 + $1.width } }

    /// Draws at row `top`; returns the next free row. `maxRows` bounds the colo rows shown.
    @discardableResult
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, top: Int, maxRows: Int) -> Int {
        var x = 0
        for column in columns {
            let marker = column.sort == state.sort ? "▼" : ""
            let title = column.sort == .colo || column.sort == .state
                ? (" " + column.title + marker) : FigureText.rightAligned(column.title + marker, column.width - 1)
            buffer.write(title, x: x, y: top, style: .heading, limit: column.width)
            x += column.width
        }
        let rows = state.rows
        guard !rows.isEmpty else {
            buffer.write(" waiting for events…", x: 0, y: top + 1, style: .muted)
            return top + 2
        }
        // Keep the selected row and ALL visible when there are more colos than room.
        var shown = Array(rows.dropLast())
        if shown.count > maxRows - 1, maxRows > 1 {
            let selectedIndex = shown.firstIndex { $0.colo == state.selected } ?? 0
            let start = max(0, min(selectedIndex - (maxRows - 2), shown.count - (maxRows - 1)))
            shown = Array(shown[start..<(start + maxRows - 1)])
        }
        var y = top + 1
        for row in shown + [rows.last!] {
            draw(row, selected: row.colo == state.selected, into: &buffer, y: y)
            y += 1
        }
        return y
    }

    static func draw(_ row: ColoRow, selected: Bool, into buffer: inout ScreenBuffer, y: Int) {
        let f = row.figures
        let nameStyle = Style(bold: selected || row.colo == "ALL", reverse: selected)
        buffer.write((selected ? "▶" : " ") + row.colo, x: 0, y: y, style: nameStyle, limit: 6)
        let cells: [(String, Style)] = [
            FigureText.cell(f.requestRate, state: nil),
            FigureText.cell(f.p50LatencyMs, state: row.state(.p50Latency)),
            FigureText.cell(f.p95LatencyMs, state: row.state(.p95Latency)),
            FigureText.cell(f.cacheHitRate, state: row.state(.cacheHitRate)),
            // Stale answers have no threshold: a share that grows is the CRM failing behind the cache.
            FigureText.cell(f.staleRate, state: nil),
            FigureText.cell(f.crmErrorRate, state: row.state(.crmErrorRate)),
            FigureText.cell(f.cpuP95Ms, state: row.state(.cpuTime), digits: 2),
        ]
        var x = columns[0].width
        for (index, cell) in cells.enumerated() {
            let width = columns[index + 1].width
            buffer.write(FigureText.rightAligned(cell.0, width - 1), x: x, y: y, style: cell.1, limit: width - 1)
            x += width
        }
        let worst = row.worst
        buffer.write(" " + worst.rawValue, x: x, y: y, style: FigureText.style(worst), limit: columns.last!.width)
    }
}
