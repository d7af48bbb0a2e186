/// The key-hint line, the help overlay and the too-small screen.
enum OverlayPanels {
    static func hints(_ state: DashboardState, into buffer: inout ScreenBuffer) {
        let y = buffer.height - 1
        if case .confirm(_, let question) = state.overlay {
            buffer.fill(y: y, style: Style(color: .yellow, bold: true, reverse: true))
            buffer.write(" " + question, x: 0, y: y, style: Style(color: .yellow, bold: true, reverse: true))
            return
        }
        if case .filtering(let text, _) = state.overlay {
            buffer.fill(y: y, style: Style(color: .cyan, bold: true, reverse: true))
            buffer.write(" /" + text + "█  colo code, or OK WARN ALERT NODATA LOWDATA · Enter keeps · Esc undoes", x: 0, y: y,
                         style: Style(color: .cyan, bold: true, reverse: true))
            return
        }
        if let notice = state.notice {
            buffer.write(" " + notice, x: 0, y: y, style: Style(color: .yellow, bold: true))
            return
        }
        // One column spare: writing the last cell of the last line scrolls some terminals.
        buffer.write(KeyMap.hintLine(width: buffer.width - 1, mode: state.mode.kind, capabilities: state.capabilities, detail: state.detailColo != nil),
                     x: 0, y: y, style: .muted)
    }

    static func help(_ state: DashboardState, into buffer: inout ScreenBuffer) {
        let bindings = KeyMap.bindings(for: state.mode.kind, capabilities: state.capabilities)
        var lines = KeyMap.helpLines(for: state.mode.kind, capabilities: state.capabilities).map { FigureText.pad($0.keys, 11) + $0.text }
        // Too many lines for the screen (80×24 has room for 20): the fault keys share one line.
        let faults = bindings.filter { if case .toggleFault = $0.command { true } else { false } }
        if lines.count + marks.count + 2 > buffer.height - 2, faults.count > 1 {
            let first = lines.firstIndex { $0.hasPrefix(FigureText.pad(faults[0].label, 11)) } ?? 0
            lines.removeAll { line in faults.contains { line.hasPrefix(FigureText.pad($0.label, 11)) } }
            let names = faults.compactMap { binding -> String? in
                if case .toggleFault(let kind) = binding.command { return kind.name } else { return nil }
            }
            let spaced = faults.map(\.label).joined(separator: " ")
            let keys = spaced.count < 11 ? spaced : faults.map(\.label).joined()
            lines.insert(FigureText.pad(keys, 11) + "CRM faults: " + names.joined(separator: ", "),
                         at: min(first, lines.count))
        }
        lines += marks
        if let logFile = state.logFile { lines.append("logs: " + logFile) }
        lines.append("Esc or ? closes this help")
        let width = min(buffer.width - 4, (lines.map(\.count).max() ?? 20) + 4)
        let height = min(buffer.height - 2, lines.count + 2)
        let left = (buffer.width - width) / 2
        let top = max(1, (buffer.height - height) / 2)
        for y in top..<(top + height) {
            buffer.write(String(repeating: " ", count: width), x: left, y: y, style: Style(reverse: false))
        }
        buffer.write("┌" + String(repeating: "─", count: width - 2) + "┐", x: left, y: top, style: .title)
        buffer.write(" KEYS ", x: left + 2, y: top, style: .title)
        for (index, line) in lines.prefix(height - 2).enumerated() {
            buffer.write("│ ", x: left, y: top + 1 + index, style: .title)
            buffer.write(line, x: left + 2, y: top + 1 + index, limit: width - 4)
            buffer.write("│", x: left + width - 1, y: top + 1 + index, style: .title)
        }
        buffer.write("└" + String(repeating: "─", count: width - 2) + "┘", x: left, y: top + height - 1, style: .title)
    }

    /// What the marks and states on screen mean.
    static let marks = [
        "✓ ▲ ✖      the figure against the levels: in target, past it, past alert",
        "…          the state held differs: pending, or leaving past the margin",
        "n=6        too few samples: LOW DATA, state neither raised nor cleared",
        "NO DATA    nothing heard; the row says since when, and goes 5 min on",
    ]

    static func tooSmall(into buffer: inout ScreenBuffer) {
        let lines = ["edgewatch needs at least 80×24.", "This terminal is \(buffer.width)×\(buffer.height).", "Enlarge it, or press q to quit."]
        for (index, line) in lines.enumerated() {
            buffer.write(line, x: max(0, (buffer.width - line.count) / 2), y: max(0, buffer.height / 2 - 1) + index,
                         style: index == 0 ? Style(color: .yellow, bold: true) : .plain)
        }
    }
}
