import Foundation
import LookupCore

/// The window, the thresholds and an alert state machine per (colo, metric), together.
/// Pure: every call takes the time.
public struct MetricsMonitor: Sendable {
    public private(set) var window: MetricsWindow
    public let thresholds: ThresholdTable
    private var trackers: [String: [AlertMetric: AlertTracker]] = [:]
    /// Who forwards events here (events with a `source`).
    private var sources = SourceBook()
    /// Recent state changes, newest first (bounded).
    public private(set) var transitions: [AlertTransition] = []
    public private(set) var transitionCount = 0
    /// ALL's p95 and hit rate over the window, a second at a time, oldest first (at most
    /// ``historySeconds``): what a console watching since the start would have drawn.
    public private(set) var history: [HistorySample] = []
    public static let historySeconds = 900
    /// Enough for several ticks of every colo changing every metric (65 × 5 a tick at worst).
    public static let defaultTransitionLogSize = 1_000
    public let transitionLogSize: Int

    public init(
        windowSeconds: Int = MetricsWindow.defaultSeconds, thresholds: ThresholdTable = ThresholdTable(), maximumColos: Int = ColoName.maximumColos,
        transitionLogSize: Int = MetricsMonitor.defaultTransitionLogSize, forgetsSilentColos: Bool = true
    ) {
        self.transitionLogSize = max(1, transitionLogSize)
        window = MetricsWindow(windowSeconds: windowSeconds, minimumSamples: thresholds.minimumSamples, maximumColos: maximumColos,
                               noDataSeconds: thresholds.noDataAfterSeconds)
        window.forgetsSilentColos = forgetsSilentColos
        self.thresholds = thresholds
    }

    public mutating func record(_ event: MetricEvent, nowMillis: Int64) {
        window.record(event, nowMillis: nowMillis)
        sources.record(event, nowMillis: nowMillis)
    }

    /// ``record(_:nowMillis:)`` for each event, with the window's lookups shared by each run of
    /// one colo and second.
    public mutating func record(contentsOf events: [MetricEvent], nowMillis: Int64) {
        window.record(contentsOf: events, nowMillis: nowMillis)
        for event in events { sources.record(event, nowMillis: nowMillis) }
    }

    public mutating func setWindow(seconds: Int, nowMillis: Int64) {
        window.setWindow(seconds: seconds, nowMillis: nowMillis)
    }

    /// Computes the figures at `nowMillis`, advances every alert state machine, and returns the
    /// snapshot; `snapshot.newTransitions` are the changes (and pending starts) this call made.
    /// Only the one ticker of a process calls this; everyone else reads what it published.
    public mutating func tick(nowMillis: Int64) -> MetricsSnapshot {
        let figures = window.figures(nowMillis: nowMillis)
        for colo in figures.retired { trackers[colo] = nil }
        sources.forget(nowMillis: nowMillis)
        var new: [AlertTransition] = []
        var rows: [ColoRow] = []
        for colo in figures.colos + [figures.all] {
            let name = colo.colo
            let silent = window.isSilent(colo: name, nowMillis: nowMillis)
            let lastHeard = window.lastHeard(colo: name)
            var states: [String: AlertState] = [:]
            var pending: [String: Pending] = [:]
            for metric in AlertMetric.allCases {
                // ALL starts in NO DATA (it is listed before anything is heard); a colo is listed
                // only once heard, so it starts at OK.
                var tracker = trackers[name]?[metric] ?? AlertTracker(state: name == ColoName.all ? .noData : .ok)
                let figure = metric.figure(in: colo)
                if silent {
                    if let change = tracker.silence(metric: metric, colo: name, value: figure.value, lastHeard: lastHeard, nowMillis: nowMillis) {
                        new.append(change)
                    }
                } else {
                    new += tracker.evaluate(figure, metric: metric, table: thresholds, colo: name, nowMillis: nowMillis)
                }
                trackers[name, default: [:]][metric] = tracker
                states[metric.rawValue] = tracker.state
                if let waiting = tracker.pending(pendingSeconds: thresholds.pendingSeconds) { pending[metric.rawValue] = waiting }
            }
            rows.append(ColoRow(figures: colo, states: states, pending: pending, lastHeard: lastHeard, silent: silent))
        }
        let second = nowMillis.floorDiv(1000) * 1000
        if (history.last?.time ?? .min) < second, let all = rows.last {
            history.append(HistorySample(time: second, p95LatencyMs: all.figures.p95LatencyMs.value, hitRate: all.figures.cacheHitRate.value))
            if history.count > Self.historySeconds { history.removeFirst(history.count - Self.historySeconds) }
        }
        transitions.insert(contentsOf: new.reversed(), at: 0)
        if transitions.count > transitionLogSize { transitions.removeLast(transitions.count - transitionLogSize) }
        transitionCount += new.count
        return MetricsSnapshot(
            generatedAt: nowMillis, breaker: nil, windowSeconds: window.windowSeconds,
            coveredSeconds: window.coveredSeconds(nowMillis: nowMillis), minimumSamples: window.minimumSamples,
            noDataSeconds: window.noDataSeconds,
            colos: rows.dropLast(), all: rows.last!,
            events: .init(recorded: window.recorded, droppedTooOld: window.droppedTooOld,
                          clampedFromFuture: window.clampedFromFuture),
            thresholds: thresholds, newTransitions: new, recentTransitions: transitions,
            transitionCount: transitionCount,
            sources: sources.statuses(nowMillis: nowMillis), eventsFromUnlistedSources: sources.unlistedEvents
        )
    }

    /// `judged` (the snapshot this monitor's last tick published) with every figure computed over
    /// its last `seconds` instead of the whole window: a viewer's shorter window, which changes
    /// nothing here. The states stay those judged over the window (``MetricsSnapshot/alertWindowSeconds``
    /// says so). `seconds` at or over the window gives `judged` itself.
    public func view(seconds: Int, judged: MetricsSnapshot) -> MetricsSnapshot {
        guard seconds < window.windowSeconds else { return judged }
        var narrowed = window
        narrowed.setWindow(seconds: seconds, nowMillis: judged.generatedAt)
        let figures = narrowed.figures(nowMillis: judged.generatedAt)
        let byColo = Dictionary(figures.colos.map { ($0.colo, $0) }, uniquingKeysWith: { first, _ in first })
        func narrowedRow(_ row: ColoRow, _ figures: ColoFigures?) -> ColoRow {
            var row = row
            if let figures { row.figures = figures }
            return row
        }
        var view = judged
        view.windowSeconds = narrowed.windowSeconds
        view.coveredSeconds = narrowed.coveredSeconds(nowMillis: judged.generatedAt)
        view.alertWindowSeconds = window.windowSeconds
        view.colos = judged.colos.map { narrowedRow($0, byColo[$0.colo]) }
        view.all = narrowedRow(judged.all, figures.all)
        return view
    }

    /// Notes that `source` is alive though it had no events to send (its heartbeat).
    public mutating func heard(from source: String, nowMillis: Int64) {
        sources.heard(from: source, nowMillis: nowMillis)
    }

    /// One colo (or "ALL") step by step over the window; see ``ColoDetail``.
    public mutating func detail(colo: String, nowMillis: Int64) -> ColoDetail? {
        guard var detail = window.detail(colo: colo, nowMillis: nowMillis) else { return nil }
        detail.sources = sources.split(colo: colo, nowMillis: nowMillis)
        return detail
    }

    /// The current state of one metric for one colo (OK for a colo never seen).
    public func state(colo: String, metric: AlertMetric) -> AlertState {
        trackers[colo]?[metric]?.state ?? .ok
    }
}

/// ALL's figures at one second, for the history sparklines.
public struct HistorySample: Sendable, Equatable, Codable {
    /// The second (epoch ms).
    public var time: Int64
    public var p95LatencyMs: Double?
    public var hitRate: Double?

    public init(time: Int64, p95LatencyMs: Double?, hitRate: Double?) {
        self.time = time
        self.p95LatencyMs = p95LatencyMs
        self.hitRate = hitRate
    }
}

/// One colo's figures with the state of each metric.
public struct ColoRow: Sendable, Equatable, Codable {
    public var figures: ColoFigures
    /// The state held, by ``AlertMetric`` raw value (NO DATA for every metric while silent).
    public var states: [String: AlertState]
    /// Metrics whose value points to another state than the one held, waiting out the pending
    /// period, by ``AlertMetric`` raw value.
    public var pending: [String: Pending]
    /// When the colo was last heard from (epoch ms, this process's clock); nil if never.
    public var lastHeard: Int64?
    /// Nothing heard for the no-data time: the figures are the window's last, and old.
    public var silent: Bool

    public init(figures: ColoFigures, states: [String: AlertState], pending: [String: Pending] = [:], lastHeard: Int64? = nil, silent: Bool = false) {
        self.figures = figures
        self.states = states
        self.pending = pending
        self.lastHeard = lastHeard
        self.silent = silent
    }

    public var colo: String { figures.colo }
    public func state(_ metric: AlertMetric) -> AlertState { states[metric.rawValue] ?? .ok }
    public func pending(_ metric: AlertMetric) -> Pending? { pending[metric.rawValue] }
    /// The worst state held by any metric.
    public var worst: AlertState { states.values.max() ?? .ok }

    /// What `metric`'s state is shown as: NO DATA while silent; LOW DATA when its figure has too
    /// few samples (the held state is then neither raised nor cleared, and not shown as current);
    /// otherwise the state held.
    public func shown(_ metric: AlertMetric) -> ShownState {
        if silent { return .noData }
        guard metric.figure(in: figures).sufficient else { return .lowData }
        return ShownState(state(metric))
    }

    /// What the row's STATE says, and what sorts first: NO DATA while silent; else the worst
    /// state held by a metric judged on enough samples, or LOW DATA where a metric with too few
    /// holds a state other than OK (it can be neither raised nor cleared), or where nothing has
    /// enough samples to be judged. A metric with too few samples that holds OK is left out: a
    /// CRM error rate with no CRM calls, behind a perfect cache, says nothing about the colo.
    public var shownWorst: ShownState {
        if silent { return .noData }
        var worst: ShownState?
        for metric in AlertMetric.allCases {
            let shown: ShownState
            if metric.figure(in: figures).sufficient {
                shown = ShownState(state(metric))
            } else if state(metric) != .ok {
                shown = .lowData
            } else {
                continue
            }
            worst = max(worst ?? shown, shown)
        }
        return worst ?? .lowData
    }

    /// What the row asks of an on-call engineer: its shown state, or a worse state still held
    /// by a metric with too few samples. Rows sort by this, and a line for rows out of view
    /// counts them by it, so a held ALERT behind LOW DATA is never the row that hides.
    public var attention: ShownState {
        let held = states.values.filter { $0 != .noData }.map(ShownState.init).max() ?? .ok
        return max(shownWorst, held)
    }
}

/// A metric's state as the screen and reports show it: the held ``AlertState``, or LOW DATA
/// for a figure with too few samples. Ordered by how much it asks for attention: a colo gone
/// silent (an instance down, perhaps) above a WARN, below an ALERT.
public enum ShownState: String, Sendable, Comparable, CaseIterable {
    case ok = "OK"
    case lowData = "LOW DATA"
    case warn = "WARN"
    case noData = "NO DATA"
    case alert = "ALERT"

    public init(_ state: AlertState) {
        switch state {
        case .ok: self = .ok
        case .noData: self = .noData
        case .warn: self = .warn
        case .alert: self = .alert
        }
    }

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: ShownState, rhs: ShownState) -> Bool { lhs.rank < rhs.rank }
}

/// Everything the dashboard and `/api/snapshot` show, at one moment.
public struct MetricsSnapshot: Sendable, Equatable, Codable {
    public struct EventCounts: Sendable, Equatable, Codable {
        public var recorded: Int
        /// Older than the window when they arrived.
        public var droppedTooOld: Int
        /// Timestamped in the future; counted at "now".
        public var clampedFromFuture: Int
        /// Lost before the engine because the in-process queue was full.
        public var droppedQueueFull = 0
        /// `/ingest` events refused on a full queue (their senders got 503 and may resend).
        public var refusedQueueFull = 0
    }

    public var generatedAt: Int64
    /// The window the alert states are judged over, when the figures are over another: a
    /// viewer's shorter window (``MetricsMonitor/view(seconds:judged:)``). Nil when they agree.
    public var alertWindowSeconds: Int? = nil
    /// When the engine that published this started (epoch ms): another value is another engine (a
    /// server that started again), whatever its counts say.
    public var engineStartedAt: Int64? = nil
    /// The CRM circuit breaker, when this process runs the lookup (nil for `watch` and replays).
    public var breaker: CRMCalls.BreakerStatus?
    public var windowSeconds: Int
    public var coveredSeconds: Int
    public var minimumSamples: Int
    /// Seconds without an event after which a colo is NO DATA.
    public var noDataSeconds: Int
    public var colos: [ColoRow]
    public var all: ColoRow
    public var events: EventCounts
    public var thresholds: ThresholdTable
    public var newTransitions: [AlertTransition]
    /// Newest first: every change the engine still keeps (at most
    /// ``MetricsMonitor/transitionLogSize``; older ones are counted in ``transitionsDropped``).
    public var recentTransitions: [AlertTransition]
    /// State changes since the monitor started; with `recentTransitions`, lets a reader that did
    /// not make every tick (the screen during a fast replay) pick up the changes it missed.
    public var transitionCount: Int

    /// The edgewatch instances forwarding events here (`serve --report-to`), by id.
    public var sources: [SourceStatus]
    /// Events from sources past the first 64: counted in every figure, but their source is not listed.
    public var eventsFromUnlistedSources: Int

    /// State changes no longer kept: the log holds the newest, and counts the rest here.
    public var transitionsDropped: Int { max(0, transitionCount - recentTransitions.count) }

    /// The changes after the first `seen`, oldest first (those still kept).
    public func transitions(after seen: Int) -> [AlertTransition] {
        let unseen = min(max(0, transitionCount - seen), recentTransitions.count)
        return Array(recentTransitions.prefix(unseen).reversed())
    }

    /// Changes after the first `seen` that are no longer kept, so a reader can say it missed them.
    public func missedTransitions(after seen: Int) -> Int {
        max(0, transitionCount - seen - recentTransitions.count)
    }
}

extension MetricsSnapshot {
    /// The snapshot as `/api/snapshot` serves it (keys sorted, so dumps and diffs are stable).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension MetricsSnapshot {
    /// The rows `previous` listed that this snapshot no longer does: colos silent for the window
    /// plus ``MetricsWindow/retireAfterWindowSeconds``, now forgotten.
    public func colosGone(since previous: MetricsSnapshot) -> [ColoRow] {
        let listed = Set(colos.map(\.colo))
        return previous.colos.filter { !listed.contains($0.colo) }
    }
}
