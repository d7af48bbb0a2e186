/// Row 0: name, LIVE/PAUSED/REPLAY, window, clock, port, events per second.
/// Row 1: the red fault banner when any fault is on, otherwise a quiet status line.
enum HeaderPanel {
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer) {
        buffer.fill(y: 0, style: Style(reverse: true))
        var x = buffer.write(" edgewatch ", x: 0, y: 0, style: Style(color: .cyan, bold: true, reverse: true))
        let status: (String, Style) = state.paused
            ? (" PAUSED ", Style(color: .yellow, bold: true, reverse: true))
            : {
                switch state.mode {
                case .live: (" LIVE ", Style(color: .green, bold: true, reverse: true))
                case .replay: (" REPLAY ", Style(color: .cyan, bold: true, reverse: true))
                case .watch: (" WATCH ", Style(color: .green, bold: true, reverse: true))
                }
            }()
        x = buffer.write(status.0, x: x, y: 0, style: status.1)
        var parts: [String] = []
        if let snapshot = state.snapshot {
            let filling = snapshot.coveredSeconds < snapshot.windowSeconds ? " (\(snapshot.coveredSeconds)s so far)" : ""
            parts.append("window \(snapshot.windowSeconds)s\(filling)")
        }
        parts.append(FigureText.clock(state.now) + " UTC")
        if let port = state.port { parts.append((state.mode == .watch ? "ingest :" : "lookup :") + String(port)) }
        parts.append(FigureText.number(state.eventsPerSecond, digits: 1) + " ev/s")
        if let rate = state.trafficRate {
            let trouble = state.trafficLate + state.trafficDropped > 0 ? " (late \(state.trafficLate), dropped \(state.trafficDropped))" : ""
            parts.append("traffic \(FigureText.number(rate, digits: 0))/s\(trouble)")
        }
        buffer.write(" " + parts.joined(separator: " │ "), x: x, y: 0, style: Style(reverse: true))

        if state.faults.isEmpty {
            let text: String
            switch state.mode {
            case .live: text = " no CRM faults" + (state.kvSummary.map { " · " + $0 } ?? "") + " · ? for keys"
            case .replay(let file): text = " replaying \(file) · flush and fault keys are off"
            case .watch: text = " watching events posted to /ingest"
            }
            buffer.write(text, x: 0, y: 1, style: .muted)
        } else {
            buffer.fill(y: 1, style: .banner)
            buffer.write(" FAULT: " + state.faults.joined(separator: " · "), x: 0, y: 1, style: .banner)
        }
    }
}
