import MetricsEngine

/// Row 0: name, LIVE/PAUSED/REPLAY, window, clock, port, events per second.
/// Row 1: the red fault banner when any fault is on, otherwise a quiet status line.
enum HeaderPanel {
    static func render(_ state: DashboardState, into buffer: inout ScreenBuffer) {
        buffer.fill(y: 0, style: Style(reverse: true))
        var x = buffer.write(" edgewatch", x: 0, y: 0, style: Style(color: .cyan, bold: true, reverse: true))
        x = buffer.write(" " + spinner(state.heartbeat) + " ", x: x, y: 0, style: Style(reverse: true))
        let status: (String, Style) = if state.link?.isDown == true {
            // Never mistaken for live: the figures behind it are old (row 1 says how old).
            (" DISCONNECTED ", Style(color: .red, bold: true, reverse: true))
        } else if state.rewind != nil {
            // Never mistaken for live: row 1 says which moment, and how far behind live.
            (" REWOUND ", Style(color: .yellow, bold: true, reverse: true))
        } else if state.paused || state.playback?.paused == true {
            (" PAUSED ", Style(color: .yellow, bold: true, reverse: true))
        } else {
            switch state.mode {
            case .live: (" LIVE ", Style(color: .green, bold: true, reverse: true))
            case .replay: (" REPLAY ", Style(color: .cyan, bold: true, reverse: true))
            case .watch: (" WATCH ", Style(color: .green, bold: true, reverse: true))
            case .attached: (" ATTACHED ", Style(color: .green, bold: true, reverse: true))
            }
        }
        x = buffer.write(status.0, x: x, y: 0, style: status.1)
        // Narrow terminals get the same facts in fewer words, so nothing is cut off at 80 columns.
        let narrow = buffer.width < 110
        var parts: [String] = []
        // Lost events come first: at 80 columns the end of this line may be cut.
        if let dropped = state.snapshot?.events.droppedQueueFull, dropped > 0 { parts.append("\(dropped) ev dropped") }
        if let dropped = state.recording?.dropped, dropped > 0 { parts.append("\(dropped) " + (narrow ? "unrec" : "not recorded")) }
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
        // Pages that cannot leave: nobody is woken while this shows.
        if state.pagingFailure != nil {
            x = buffer.write(narrow ? " PAGING FAILS" : " PAGING FAILING", x: x, y: 0, style: Style(color: .red, bold: true, reverse: true))
            lead = narrow ? " · " : " │ "
        }
        // Events that cannot be kept: the morning review will have a hole here.
        if let recording = state.recording, recording.failure != nil {
            x = buffer.write(narrow ? " REC FAILS" : " RECORDING FAILING", x: x, y: 0, style: Style(color: .red, bold: true, reverse: true))
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
            // A viewer's shorter window: the states are still judged over the server's.
            let judged = snapshot.alertWindowSeconds.map { narrow ? " (alerts \($0)s)" : " (alerts judged over \($0)s)" } ?? ""
            parts.append("window \(snapshot.windowSeconds)s\(filling)\(judged)")
        }
        parts.append(FigureText.clock(state.now) + (narrow ? "Z" : " UTC"))
        if let recording = state.recording, recording.failure == nil { parts.append("● rec") }
        if let port = state.port { parts.append((state.mode == .watch ? "ingest :" : "lookup :") + String(port)) }
        parts.append(FigureFormat.decimal(state.eventsPerSecond) + " ev/s")
        if !narrow, let callers = callers(state) { parts.append(callers) }
        buffer.write(lead + parts.joined(separator: narrow ? " · " : " │ "), x: x, y: 0, style: Style(reverse: true))

        if let link = state.link, link.isDown {
            buffer.fill(y: 1, style: .banner)
            buffer.write(linkBanner(link, state: state), x: 0, y: 1, style: .banner)
        } else if let rewind = state.rewind {
            buffer.fill(y: 1, style: .rewound)
            buffer.write(rewindBanner(rewind, state: state), x: 0, y: 1, style: .rewound)
        } else if let playback = state.playback {
            progress(playback, into: &buffer)
        } else if state.faults.isEmpty {
            let text: String
            switch state.mode {
            case .live: text = quietLine(state, narrow: narrow)
            case .replay(let file): text = " replaying \(file)"
            case .watch: text = watchLine(state)
            case .attached(let url, let flushOff): text = " attached to \(url)" + (flushOff == nil ? " · f F flush its caches" : "") + " · ? for keys"
            }
            buffer.write(text, x: 0, y: 1, style: .muted)
        } else {
            buffer.fill(y: 1, style: .banner)
            buffer.write(faultBanner(state.faults, width: buffer.width), x: 0, y: 1, style: .banner)
        }
    }

    /// ` FAULT: CRM 503 50% · CRM DOWN`, or when that does not fit, the same without the repeated
    /// `CRM` (` CRM FAULTS: 503 50% · DOWN`); cut with `…` only when even that does not fit.
    static func faultBanner(_ faults: [String], width: Int) -> String {
        let full = " FAULT: " + faults.joined(separator: " · ")
        guard full.count > width else { return full }
        let short = faults.map { $0.hasPrefix("CRM ") ? String($0.dropFirst(4)) : $0 }
        return " CRM FAULTS: " + short.joined(separator: " · ")
    }

    /// Row 1 while an attached console's connection is lost: for how long, why, and how old the
    /// figures on screen are.
    static func linkBanner(_ link: LinkStatus, state: DashboardState) -> String {
        let seconds = (link.downMillis ?? 0) / 1000
        let problem = link.problem.map { " (\($0))" } ?? ""
        // How old the figures are before where they came from: at 80 columns the end is cut.
        let old = state.snapshot.map { " · figures from " + FigureText.clock($0.generatedAt) + " UTC are old" } ?? ""
        return " DISCONNECTED \(seconds)s · retrying\(old) · \(link.url)\(problem)"
    }

    /// Row 1 while rewound: the moment shown, how far behind live, and where it came from:
    /// ` REWOUND 03:12:00 UTC · live is 6h ahead · L live · from the recording · , . { } ( ) step`.
    static func rewindBanner(_ rewind: Rewind, state: DashboardState) -> String {
        guard let shown = rewind.shown else {
            return " REWINDING to \(FigureText.clock(rewind.asked)) UTC… · L live"
        }
        let at = shown.snapshot.generatedAt
        let ahead = " · live is \(FigureText.span(state.now - at)) ahead"
        let moving = rewind.asked != shown.asked ? " · going to \(FigureText.clock(rewind.asked))…" : ""
        let source = shown.fromRecording ? " · from the recording" : " · kept by the engine"
        var silence = ""
        if let last = shown.lastEvent, at - last > Int64(shown.snapshot.noDataSeconds) * 1000 {
            silence = " · nothing recorded since \(FigureText.clock(last))"
        }
        // The way back before the rest: at 80 columns the end is cut.
        return " REWOUND \(FigureText.clock(at)) UTC\(ahead) · L live\(moving)\(silence)\(source) · , . { } ( ) step"
    }

    /// Row 1 in watch mode: where to post while nothing comes, then what is posted.
    static func watchLine(_ state: DashboardState) -> String {
        let url = state.ingestURL ?? "/ingest"
        guard let all = state.snapshot?.all, !all.silent else {
            let since = state.snapshot?.all.lastHeard.map { " since " + FigureText.clock($0) } ?? ""
            return " NO DATA\(since) · post events to \(url)"
        }
        return " watching events posted to \(url)"
    }

    /// Row 1 in a replay: `▶ 2:13 / 6:40 ━━━━━━╸────── ×10`, `❚❚ PAUSED …`, or at the end
    /// `■ end of recording at 6:40`.
    static func progress(_ playback: PlaybackStatus, into buffer: inout ScreenBuffer) {
        let total = max(0, playback.lastMillis - playback.firstMillis)
        let position = min(max(0, playback.positionMillis - playback.firstMillis), total)
        let speed = playback.speed.map { "×" + ($0 >= 1 ? FigureText.number($0, digits: 0) : FigureFormat.decimal($0)) } ?? "×max"
        let (mark, word): (String, String) = playback.ended ? ("■", "") : playback.paused ? ("❚❚", " PAUSED") : ("▶", "")
        var x = buffer.write(" \(mark)\(word) \(FigureText.duration(position)) / \(FigureText.duration(total)) ", x: 0, y: 1,
                             style: Style(color: .cyan, bold: true))
        if playback.ended {
            buffer.write("end of recording at \(FigureText.duration(total)) (\(FigureText.clock(playback.lastMillis)) UTC) · , { seek back",
                         x: x, y: 1, style: Style(color: .cyan, bold: true))
            return
        }
        let tail = " " + speed
        let bar: Int = max(0, buffer.width - x - tail.count - 2)
        let share: Double = total > 0 ? Double(position) / Double(total) : 0
        let filled = Int((share * Double(bar)).rounded(.down))
        x = buffer.write(String(repeating: "━", count: filled), x: x, y: 1, style: Style(color: .cyan), ellipsis: false)
        x = buffer.write(String(repeating: "─", count: bar - filled), x: x, y: 1, style: .muted, ellipsis: false)
        buffer.write(tail, x: x, y: 1, style: Style(color: .cyan, bold: true))
    }

    /// One turn of the heartbeat: it moves on every new snapshot (four a second), so a screen
    /// whose data stopped coming is visibly still.
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
