import FaultCatalog
import MetricsEngine

/// What the executor is asked to do after a key.
public enum Effect: Equatable, Sendable {
    case quit
    /// Flush one colo's cache, or all when nil.
    case flush(colo: String?)
    case toggleFault(FaultKind)
    case clearFaults
    case setWindow(seconds: Int)
    case scaleTraffic(by: Double)
    /// Write this screen's text and the current snapshot to files (the effect side renders the
    /// screen: the reducer only asks).
    case dump
    /// Tell a replay's player to pause or play, seek, or change speed.
    case playback(PlaybackCommand)
    /// Fetch the figures as they were at this moment (epoch ms).
    case rewind(to: Int64)
}

/// What a replay's player is asked to do.
public enum PlaybackCommand: Equatable, Sendable {
    case togglePause
    /// Move by this many seconds of the recording (back when negative).
    case seek(seconds: Int)
    /// Multiply the speed by this factor.
    case scaleSpeed(by: Double)
}

/// What came of an effect. The executor runs effects off the screen loop and hands these back;
/// the loop feeds them in through ``DashboardState/receive(_:)``, so state changes only there.
public enum EffectResult: Equatable, Sendable {
    case flushed(colo: String?, entries: Int)
    case faultsChanged(labels: [String], change: String)
    case windowSet(seconds: Int)
    case trafficScaled(rate: Double)
    case dumped(files: [String])
    case playback(PlaybackStatus)
    /// The figures at an earlier moment, asked for with ``Effect/rewind(to:)``.
    case rewound(RewoundView)
    /// Nothing could be shown for that moment; the text says why.
    case rewindFailed(asked: Int64, reason: String)
    /// The effect could not be carried out; the text says why.
    case failed(String)
}

/// The figures at an earlier moment, and where they came from.
public struct RewoundView: Sendable, Equatable {
    /// The moment asked for (epoch ms).
    public var asked: Int64
    public var snapshot: MetricsSnapshot
    /// Played from the recording on disk, rather than kept by the engine.
    public var fromRecording: Bool
    /// With a recording: the last event recorded before the moment.
    public var lastEvent: Int64?

    public init(asked: Int64, snapshot: MetricsSnapshot, fromRecording: Bool, lastEvent: Int64? = nil) {
        self.asked = asked
        self.snapshot = snapshot
        self.fromRecording = fromRecording
        self.lastEvent = lastEvent
    }
}

/// A console looking at an earlier moment: the one asked for, and the one shown (nil until the
/// first answer comes).
public struct Rewind: Sendable, Equatable {
    public var asked: Int64
    public var shown: RewoundView?
}

/// Where a replay stands: shown as its progress line.
public struct PlaybackStatus: Sendable, Equatable {
    /// The recording's first and last event, and the time shown now (epoch ms).
    public var firstMillis: Int64
    public var lastMillis: Int64
    public var positionMillis: Int64
    /// Recording seconds per real second; nil for as fast as possible.
    public var speed: Double?
    public var paused: Bool
    /// Played to its last event.
    public var ended: Bool

    public init(firstMillis: Int64, lastMillis: Int64, positionMillis: Int64, speed: Double?, paused: Bool, ended: Bool) {
        self.firstMillis = firstMillis
        self.lastMillis = lastMillis
        self.positionMillis = positionMillis
        self.speed = speed
        self.paused = paused
        self.ended = ended
    }
}

/// A terminal's size in cells.
public struct ScreenSize: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

/// Where the figures come from, which decides what the keys may do.
public enum Mode: Sendable, Equatable {
    /// Our own middleware, CRM and callers: every key works.
    case live
    /// A recording: nothing to flush or break.
    case replay(file: String)
    /// Only events from `/ingest`: the caches and CRM are somebody else's.
    case watch
    /// Another edgewatch's engine, read over HTTP (`edgewatch attach`): its caches can be flushed
    /// when it allows it; `flushOff` says why it does not.
    case attached(url: String, flushOff: String?)

    public var kind: ModeKind {
        switch self {
        case .live: .live
        case .replay: .replay
        case .watch: .watch
        case .attached: .attached
        }
    }
}

/// Cache hits on a colo's own writes versus replicas from other colos, and misses that found a
/// replica still on its way.
public struct KVSplit: Sendable, Equatable {
    public var ownPercent: Int
    public var awaitingReplication: Int
    public var replicatedPercent: Int { 100 - ownPercent }

    public init(ownHits: Int, replicatedHits: Int, awaitingReplication: Int) {
        let hits = max(1, ownHits + replicatedHits)
        ownPercent = Int((100 * Double(ownHits) / Double(hits)).rounded())
        self.awaitingReplication = awaitingReplication
    }
}

/// One line of the event log.
public struct LogEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case alert(AlertState)
        /// A value began to point to this state: the pending period runs.
        case pending(AlertState)
        case flush, fault, info
    }
    public var time: Int64
    public var kind: Kind
    public var text: String
    /// Entries with the same key within ``DashboardState/repeatWindowMillis`` collapse into one
    /// line, shown with its count (an alert change's key is colo, metric, from and to).
    public var key: String?
    public var count = 1

    public init(time: Int64, kind: Kind, text: String, key: String? = nil) {
        self.time = time
        self.kind = kind
        self.text = text
        self.key = key
    }
}

/// One second of history for the sparklines; `marked` when a flush or fault change happened.
public struct HistoryPoint: Sendable, Equatable {
    public var time: Int64
    public var p95: Double?
    public var hitRate: Double?
    public var marked = false

    public init(time: Int64, p95: Double?, hitRate: Double?, marked: Bool = false) {
        self.time = time
        self.p95 = p95
        self.hitRate = hitRate
        self.marked = marked
    }
}

/// Everything on screen, and nothing else. Keys change it through ``DashboardState/handle(_:)``.
public struct DashboardState: Sendable {
    public enum Overlay: Sendable, Equatable {
        case none, help
        case confirm(effect: Effect, question: String)
        /// Typing a filter after `/`: the table narrows as it is typed; Esc goes back to `previous`.
        case filtering(String, previous: String?)
    }

    public static let windowSteps = MetricsWindow.steps
    /// The terminal's size, as the screen loop last drew it (a screen dump renders at it).
    public internal(set) var screenSize: ScreenSize?

    /// The window a key asked for that no shown snapshot has yet (nil when they agree).
    public internal(set) var requestedWindow: Int?
    static let logLimit = 200
    static let historyLimit = 900

    public internal(set) var mode: Mode
    public internal(set) var snapshot: MetricsSnapshot?
    public internal(set) var paused = false
    public internal(set) var overlay = Overlay.none
    /// The column the colo table is sorted by; worst state first until another is chosen.
    public internal(set) var sort = SortColumn.state
    /// The sort turned around (`I`).
    public internal(set) var sortReversed = false
    /// The selected colo's name ("ALL" selects the ALL row).
    public internal(set) var selected = "ALL"
    /// The active filter (k9s style): a colo code prefix or a state (`OK`, `WARN`, `ALERT`,
    /// `NO DATA`, `LOW DATA`); shown in the header until Esc clears it. The ALL row always stays.
    public internal(set) var filter: String?
    public internal(set) var faults: [String] = []
    public internal(set) var log: [LogEntry] = []
    public internal(set) var history: [HistoryPoint] = []
    /// The connection to the edgewatch the screen reads, when it reads another (`attach`).
    public internal(set) var link: LinkStatus?
    /// The longest window the feed can show; the window keys stop there.
    public internal(set) var windowLimit: Int?
    /// Why alerts are not reaching Alertmanager, while they are not.
    public internal(set) var pagingFailure: String?
    /// The earlier moment shown instead of the live figures (nil: live).
    public internal(set) var rewind: Rewind?
    /// The process's recording, when it keeps one.
    public internal(set) var recording: RecordingStatus?
    /// Lookup listener port, shown in the header.
    public internal(set) var port: Int?
    /// Where events are posted (watch), said while none have come.
    public internal(set) var ingestURL: String?
    public internal(set) var eventsPerSecond = 0.0
    /// Cache entries per colo, for the flush question.
    public internal(set) var cacheEntries: [String: Int] = [:]
    public internal(set) var trafficRate: Double?
    /// Synthetic callers that could not be sent on time, or at all.
    public internal(set) var trafficLate = 0
    public internal(set) var trafficDropped = 0
    /// How cache hits split between colos' own writes and replicas.
    public internal(set) var kvSplit: KVSplit?
    /// The same split for each colo's cache, since start.
    public internal(set) var cacheSplits: [String: KVSplit] = [:]
    /// A replay's position, speed and whether it is paused or at its end.
    public internal(set) var playback: PlaybackStatus?
    /// The colo shown up close (Enter or → on its row; Esc goes back), or nil for the table.
    public internal(set) var detailColo: String?
    /// Its figures step by step, from the engine (frozen while paused, like the snapshot).
    public internal(set) var coloDetail: ColoDetail?
    public internal(set) var logFile: String?
    /// A short message for the key-hint line, e.g. why a key did nothing.
    public internal(set) var notice: String?
    public internal(set) var now: Int64 = 0
    /// New snapshots taken in: the header's spinner turns with it, so a frozen screen is obvious.
    /// A feed that hands the same snapshot again (one that lost its source) does not turn it.
    public private(set) var heartbeat = 0
    private var pendingMark = false
    private var transitionsSeen = 0
    /// The last snapshot taken in (also while paused): colos it lists that the next does not
    /// have been forgotten, and say so in the log.
    var lastTaken: MetricsSnapshot?
    /// Sources that had gone silent when last seen.
    private var silentSources: Set<String> = []
    /// The colo the last ``apply(detail:)`` was for (the engine may have had nothing for it).
    var detailFetchedFor: String?
    /// The colo whose figures the feed said were on their way: asked for, so not asked again at once.
    var detailAskedFor: String?

    /// What the process behind the screen can do (keys for the rest are not offered).
    public internal(set) var capabilities: Capabilities

    public init(mode: Mode, capabilities: Capabilities? = nil, logFile: String? = nil) {
        self.mode = mode
        self.capabilities = capabilities ?? .all(for: mode.kind)
        self.logFile = logFile
    }

    /// Takes in a tick's input from the feed: the snapshot (see ``apply(_:)``), the colo up close,
    /// and the figures around them.
    public mutating func receive(_ input: DashboardInput) {
        port = input.port
        ingestURL = input.ingestURL
        cacheEntries = input.cacheEntries
        if let split = input.kvSplit { kvSplit = split }
        cacheSplits.merge(input.cacheSplits) { $1 }
        if let traffic = input.traffic {
            trafficRate = traffic.rate
            trafficLate = traffic.late
            trafficDropped = traffic.dropped
        }
        if let faults = input.faults { self.faults = faults }
        if let playback = input.playback { self.playback = playback }
        noteLink(input.link)
        windowLimit = input.windowLimit
        if pagingFailure == nil, let failure = input.pagingFailure {
            record(LogEntry(time: now, kind: .alert(.warn), text: "alerts are not reaching Alertmanager: " + failure))
        } else if pagingFailure != nil, input.pagingFailure == nil {
            record(LogEntry(time: now, kind: .info, text: "alerts reach Alertmanager again"))
        }
        pagingFailure = input.pagingFailure
        if recording?.failure == nil, let failure = input.recording?.failure {
            record(LogEntry(time: now, kind: .alert(.warn), text: "recording fails: " + failure))
        } else if recording?.failure != nil, input.recording != nil, input.recording?.failure == nil {
            record(LogEntry(time: now, kind: .info, text: "recording works again"))
        }
        recording = input.recording
        takeHistory(input.engineHistory)
        apply(input.snapshot)
        if detailColo != nil {
            if input.detailPending { detailAskedFor = detailColo } else { apply(detail: input.detail) }
        }
    }

    /// The terminal's size, as the screen loop draws at it.
    public mutating func resize(_ size: ScreenSize) {
        screenSize = size
    }

    /// The latest events-per-second figure, shown as ``eventsPerSecond`` when not paused.
    private var measuredEventsPerSecond = 0.0

    /// When the events-per-second figure was last measured, and the events recorded then.
    private var lastCount: (time: Int64, recorded: Int)?

    /// Events per second over two seconds of the snapshots' own clock (a replay's is virtual):
    /// events posted in batches (a reporter's, once a second) would read as 0, then a spike.
    private mutating func measureEvents(_ snapshot: MetricsSnapshot) {
        guard let last = lastCount, snapshot.generatedAt >= last.time, snapshot.events.recorded >= last.recorded else {
            lastCount = (snapshot.generatedAt, snapshot.events.recorded)
            return
        }
        let elapsed = Double(snapshot.generatedAt - last.time) / 1000
        guard elapsed >= 2 else { return }
        measuredEventsPerSecond = Double(snapshot.events.recorded - last.recorded) / elapsed
        lastCount = (snapshot.generatedAt, snapshot.events.recorded)
    }

    /// The longest filter typed (a colo code or a state name is far shorter).
    public static let filterLimit = 16

    public var selectedRow: ColoRow? { rows.first { $0.colo == selected } ?? rows.last }

    /// Moves the selection to the first row shown when the filter hid the selected colo.
    mutating func keepSelectionVisible() {
        let names = rows.map(\.colo)
        if !names.contains(selected), let first = names.first { selected = first }
    }

    /// Takes a new snapshot from the engine (frozen while paused, except the log and history).
    mutating func apply(_ snapshot: MetricsSnapshot) {
        // Attached, a count that goes back is a server that started again: its engine is new, and
        // what the log holds happened. Otherwise it is a replay moved back.
        let restarted = link != nil && lastTaken != nil
            && (snapshot.transitionCount < transitionsSeen || snapshot.engineStartedAt != lastTaken?.engineStartedAt)
        let movedBack = link == nil && (snapshot.generatedAt < now || snapshot.transitionCount < transitionsSeen)
        if movedBack { rewound(to: snapshot.generatedAt) }
        if restarted {
            transitionsSeen = 0
            lastTaken = nil
        }
        if snapshot.generatedAt != now || heartbeat == 0 { heartbeat &+= 1 }
        now = snapshot.generatedAt
        if restarted { record(LogEntry(time: now, kind: .info, text: "the server started again: its figures and state changes start anew")) }
        // Every change since the last snapshot we saw, oldest first, even if others ticked too.
        let missed = snapshot.missedTransitions(after: transitionsSeen)
        if missed > 0 {
            record(LogEntry(time: now, kind: .info, text: "\(missed) state changes came faster than the engine keeps them; see /api/snapshot"))
        }
        logChanges(snapshot.transitions(after: transitionsSeen))
        transitionsSeen = max(transitionsSeen, snapshot.transitionCount)
        if movedBack { record(LogEntry(time: now, kind: .info, text: "moved back to " + FigureText.clock(now))) }
        if let lastTaken {
            for row in snapshot.colosGone(since: lastTaken) {
                let since = row.lastHeard.map { " since " + FigureText.clock($0) } ?? ""
                record(LogEntry(time: now, kind: .info, text: "\(row.colo) removed from the table: no data\(since)"))
            }
        }
        lastTaken = snapshot
        noteSilentSources(snapshot.sources)
        let second = snapshot.generatedAt.floorDivided(by: 1000) * 1000
        if (history.last?.time ?? .min) < second {
            history.append(HistoryPoint(time: second, p95: snapshot.all.figures.p95LatencyMs.value,
                                        hitRate: snapshot.all.figures.cacheHitRate.value, marked: pendingMark))
            pendingMark = false
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
        // Measured through a pause too, so the first figure after it is not an average over the
        // pause; shown, like every figure, only when not paused.
        measureEvents(snapshot)
        guard !paused, rewind == nil else { return }
        self.snapshot = snapshot
        eventsPerSecond = measuredEventsPerSecond
        // Up close, the selection stays on the colo shown, whatever the filter now hides.
        if filter != nil, detailColo == nil { keepSelectionVisible() }
        if snapshot.windowSeconds == requestedWindow { requestedWindow = nil }
    }

    /// Logs a lost connection and its return, once each.
    private mutating func noteLink(_ new: LinkStatus?) {
        defer { link = new }
        guard let new, (link?.isDown ?? false) != new.isDown else { return }
        if new.isDown {
            record(LogEntry(time: now, kind: .alert(.warn), text: "connection to \(new.url) lost" + (new.problem.map { ": " + $0 } ?? "") + "; retrying"))
        } else if link != nil {
            record(LogEntry(time: now, kind: .info, text: "attached again to \(new.url)"))
        }
    }

    /// Takes in the seconds of `points` the history does not have (the engine kept them while
    /// the screen was not looking: before it attached, or while the connection was lost).
    private mutating func takeHistory(_ points: [HistoryPoint]) {
        guard !points.isEmpty else { return }
        let known = Set(history.map(\.time))
        let missing = points.filter { !known.contains($0.time) }
        guard !missing.isEmpty else { return }
        history = (history + missing).sorted { $0.time < $1.time }
        if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
    }

    /// A replay moved back: what the log and history hold past the new time has not happened yet,
    /// and the engine, played again from the start, tells its changes again: the log's are dropped
    /// and taken anew from it.
    private mutating func rewound(to time: Int64) {
        log.removeAll { entry in
            switch entry.kind {
            case .alert, .pending: true
            default: entry.time > time
            }
        }
        history.removeAll { $0.time > time }
        transitionsSeen = 0
        lastTaken = nil
    }

    /// Log lines for the engine's changes, oldest first: a colo going silent is one line, not
    /// one per metric.
    private mutating func logChanges(_ changes: [AlertTransition]) {
        for group in TextReport.groups(changes) {
            let change = group[0]
            let kind: LogEntry.Kind = change.isPending ? .pending(change.to) : .alert(change.to)
            let what = change.to == .noData || change.from == .noData ? "data" : change.metric.rawValue
            record(LogEntry(time: change.time, kind: kind, text: TextReport.describe(group: group),
                            key: "\(change.colo) \(what) \(change.isPending ? "pending " : "")\(change.from.rawValue)→\(change.to.rawValue)"))
        }
    }

    /// Logs a reporting instance going silent (nothing for 10 s) and coming back.
    private mutating func noteSilentSources(_ sources: [SourceStatus]) {
        let silent = Set(sources.filter(\.stale).map(\.id))
        for id in silent.subtracting(silentSources).sorted() {
            record(LogEntry(time: now, kind: .alert(.warn), text: "source \(id) silent for over 10 s", key: "source \(id) silent"))
        }
        for id in silentSources.subtracting(silent).sorted() where sources.contains(where: { $0.id == id }) {
            record(LogEntry(time: now, kind: .info, text: "source \(id) reporting again", key: "source \(id) back"))
        }
        silentSources = silent
    }

    /// Takes the engine's step-by-step figures for the colo shown up close (ignored while paused,
    /// and when they are for another colo than the one shown).
    mutating func apply(detail: ColoDetail?) {
        guard !paused || !fetchedDetail else { return }
        coloDetail = detail?.colo == detailColo ? detail : nil
        detailFetchedFor = detailColo
    }

    private var fetchedDetail: Bool { detailColo != nil && detailFetchedFor == detailColo }

    /// Whether the detail view shows a colo whose figures have not been asked for yet.
    public var needsDetail: Bool { detailColo != nil && !fetchedDetail && detailAskedFor != detailColo }

    /// Notes a flush, a fault change or anything else worth a log line and a sparkline mark.
    mutating func note(_ kind: LogEntry.Kind, _ text: String, mark: Bool = true) {
        record(LogEntry(time: now, kind: kind, text: text))
        if mark {
            if history.isEmpty { pendingMark = true } else { history[history.count - 1].marked = true }
        }
    }

    /// How far back an identical line is collapsed into the new one.
    public static let repeatWindowMillis: Int64 = 60_000

    private mutating func record(_ entry: LogEntry) {
        var entry = entry
        if let key = entry.key,
           let index = log.firstIndex(where: { $0.key == key && entry.time - $0.time < Self.repeatWindowMillis }) {
            entry.count = log[index].count + 1
            log.remove(at: index)
        }
        log.insert(entry, at: 0)
        if log.count > Self.logLimit { log.removeLast() }
    }

    /// An effect the executor's queue could not take: say so, and forget a window change that
    /// will not happen, so the next `+`/`-` steps from the window actually in force.
    public mutating func refused(_ effect: Effect) {
        notice = "busy: still carrying out earlier keys"
        if case .setWindow = effect { requestedWindow = nil }
    }

    /// Takes in what an effect came to (see ``EffectResult``).
    public mutating func receive(_ result: EffectResult) {
        switch result {
        case .flushed(let colo, let entries):
            note(.flush, "flushed \(colo.map { "\($0)'s cache" } ?? "all caches"): \(entries) entries")
        case .faultsChanged(let labels, let change):
            faults = labels
            note(.fault, "CRM fault: " + change)
        case .windowSet(let seconds):
            note(.info, "window set to \(seconds)s", mark: false)
        case .trafficScaled(let rate):
            trafficRate = rate
        case .dumped(let files):
            // Names first, folder last: at 80 columns the end of the line may be cut.
            let names = files.map { String($0.split(separator: "/").last ?? Substring($0)) }
            let folder = files.first.map { String($0.dropLast(names[0].count)) } ?? ""
            notice = "wrote " + names.joined(separator: " and ") + " in " + folder
            note(.info, "screen dump: " + files.joined(separator: ", "), mark: false)
        case .playback(let status):
            playback = status
        case .rewound(let view):
            // Only the answer to the last step asked for is shown (keys may run ahead of the disk).
            guard let rewind, rewind.asked == view.asked else { return }
            self.rewind = Rewind(asked: view.asked, shown: view)
            snapshot = view.snapshot
        case .rewindFailed(let asked, let reason):
            guard let rewind, rewind.asked == asked else { return }
            if let shown = rewind.shown {
                // Stay on the moment shown.
                self.rewind = Rewind(asked: shown.asked, shown: shown)
            } else {
                backToLive()
            }
            notice = reason
        case .failed(let reason):
            notice = reason
        }
    }

    /// Why flush and fault keys do nothing in this mode, or nil when they work.
    public var disabledReason: String? {
        switch mode {
        case .live: nil
        case .replay: "disabled: this is a replay of a recording (, . { } seek in it)"
        case .watch: "disabled: watch mode only reads /ingest; the caches and CRM are elsewhere"
        case .attached: nil
        }
    }

    /// Why a key that needs `missing` does nothing here.
    func reason(missing: Capabilities) -> String {
        if let disabledReason { return disabledReason }
        if case .attached(_, let flushOff) = mode {
            if missing.contains(.flush) { return "off: " + (flushOff ?? "the server does not take flushes") }
            if missing.contains(.faults) { return "off: fault keys belong to the process running the CRM simulator, never to an attached console" }
            return "off: the synthetic callers belong to the process running them"
        }
        if missing.contains(.faults) { return "off: faults work only with the embedded CRM simulator (no --crm-url)" }
        if missing.contains(.traffic) { return "off: no synthetic traffic here (--rate 0)" }
        return "off here"
    }
}

extension Int64 {
    /// Division rounding toward minus infinity (seconds of a time before 1970 included).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
