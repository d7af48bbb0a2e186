/// Alert changes, flushes and fault changes, newest first.
enum EventLogPanel {
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer, top: Int, bottom: Int) {
        guard bottom > top else { return }
        buffer.write("EVENTS", x: 0, y: top, style: .heading)
        if state.log.isEmpty {
            buffer.write("no alert changes, flushes or faults yet", x: 0, y: top + 1, style: .muted)
            return
        }
        for (index, entry) in state.log.prefix(bottom - top - 1).enumerated() {
            var style: Style
            switch entry.kind {
            case .alert(let to): style = FigureText.style(to)
            case .pending(let to):
                style = FigureText.style(to)
                style.bold = false
            case .flush: style = Style(color: .cyan, bold: true)
            case .fault: style = Style(color: .red)
            case .info: style = .plain
            }
            var text = entry.text.hasPrefix(FigureText.clock(entry.time)) ? entry.text : FigureText.clock(entry.time) + " " + entry.text
            if entry.count > 1 { text += " ×\(entry.count)" }
            buffer.write(text, x: 0, y: top + 1 + index, style: style)
        }
    }
}
