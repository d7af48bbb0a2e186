/// Row 0: name, LIVE/PAUSED/REPLAY, window, clock, port, events per second.
/// Row 1: the red fault banner when any fault is on, otherwise a quiet status line.
enum HeaderPanel {
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer) {
        buffer.fill(y: 0, style: Style(reverse: true))
        var x = buffer.write(" edgewatch", x: 0, y: 0, style: Style(color: .cyan, bold: true, reverse: true))
        x = buffer.write(" " + spinner(state.heartbeat) + " ", x: x, y: 0, style: Style(reverse: true))
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
        // Narrow terminals get the same facts in fewer words, so nothing is cut off at 80 columns.
        let narrow = buffer.width < 110
        var parts: [String] = []
        // Lost events come first: at 80 columns the end of this line may be cut.
        if let dropped = state.snapshot?.events.droppedQueueFull, dropped > 0 { parts.append("\(dropped) ev dropped") }
        // Refused credentials next, in red: after a deploy or during a brute force they matter at once.
        var lead = " "
        // The CRM breaker first when it is not closed: callers are then answered without the CRM.
        if let breaker = state.snapshot?.breaker, breaker.state != .closed {
            let text = breaker.state == .open ? "CRM BREAKER OPEN" : "CRM BREAKER HALF-OPEN"
            let seconds = max(0, (state.now - breaker.since) / 1000)
            x = buffer.write(" " + text + " \(seconds)s", x: x, y: 0,
                             style: Style(color: breaker.state == .open ? .red : .yellow, bold: true, reverse: true))
            lead = narrow ? " · " : " │ "
        }
        if let filter = state.filter {
            x = buffer.write(" /" + filter + " ", x: x, y: 0, style: Style(color: .cyan, bold: true, reverse: true))
            lead = narrow ? " · " : " │ "
        }
        if let refused = state.snapshot?.all.figures.tally.unauthorized, refused > 0 {
            x = buffer.write(" " + (narrow ? "\(refused) unauth" : "\(refused) unauthorized"), x: x, y: 0,
                             style: Style(color: .red, bold: true, reverse: true))
            lead = narrow ? " · " : " │ "
        }
        // Instances reporting here (serve --report-to); silent ones in yellow.
        if let sources = state.snapshot?.sources, !sources.isEmpty {
            let reporting = sources.count { !$0.stale }
            x = buffer.write(" \(reporting) " + (narrow ? "src" : reporting == 1 ? "source" : "sources"), x: x, y: 0,
                             style: Style(color: .green, bold: true, reverse: true))
            let stale = sources.count - reporting
            if stale > 0 {
                x = buffer.write(" \(stale) silent", x: x, y: 0, style: Style(color: .yellow, bold: true, reverse: true))
            }
            lead = narrow ? " · " : " │ "
        }
        if let snapshot = state.snapshot {
            let filling = snapshot.coveredSeconds < snapshot.windowSeconds
                ? (narrow ? " (\(snapshot.coveredSeconds)s)" : " (\(snapshot.coveredSeconds)s so far)") : ""
            parts.append("window \(snapshot.windowSeconds)s\(filling)")
        }
        parts.append(FigureText.clock(state.now) + (narrow ? "Z" : " UTC"))
        if let port = state.port { parts.append((state.mode == .watch ? "ingest :" : "lookup :") + String(port)) }
        parts.append(FigureText.number(state.eventsPerSecond, digits: 1) + " ev/s")
        if !narrow, let callers = callers(state) { parts.append(callers) }
        buffer.write(lead + parts.joined(separator: narrow ? " · " : " │ "), x: x, y: 0, style: Style(reverse: true))

        if state.faults.isEmpty {
            let text: String
            switch state.mode {
            case .live: text = quietLine(state, narrow: narrow)
            case .replay(let file): text = " replaying \(file) · flush and fault keys are off"
            case .watch: text = " watching events posted to /ingest"
            }
            buffer.write(text, x: 0, y: 1, style: .muted)
        } else {
            buffer.fill(y: 1, style: .banner)
            buffer.write(" FAULT: " + state.faults.joined(separator: " · "), x: 0, y: 1, style: .banner)
        }
    }

    /// One turn of the heartbeat: it moves on every snapshot (four a second), so a screen that
    /// stopped updating is visibly still.
    static func spinner(_ beat: Int) -> String {
        ["◐", "◓", "◑", "◒"][beat & 3]
    }

    /// `traffic 50/s`, with late and dropped arrivals when there are any.
    static func callers(_ state: DashboardState) -> String? {
        guard let rate = state.trafficRate else { return nil }
        let trouble = state.trafficLate + state.trafficDropped > 0 ? " (late \(state.trafficLate), dropped \(state.trafficDropped))" : ""
        return "traffic \(FigureText.number(rate, digits: 0))/s\(trouble)"
    }

    /// Row 1 when no fault is on: the KV split (and, when narrow, the callers' rate).
    static func quietLine(_ state: DashboardState, narrow: Bool) -> String {
        var parts = [narrow ? "no faults" : "no CRM faults"]
        if narrow, let callers = callers(state) { parts.append(callers) }
        if let kv = state.kvSplit {
            parts.append(narrow
                ? "KV hits \(kv.ownPercent)% own, \(kv.replicatedPercent)% replicated · \(kv.awaitingReplication) lag misses"
                : "KV hits \(kv.ownPercent)% own colo, \(kv.replicatedPercent)% replicated · \(kv.awaitingReplication) misses awaiting replication")
        }
        if !narrow { parts.append("? for keys") }
        return " " + parts.joined(separator: " · ")
    }
}
