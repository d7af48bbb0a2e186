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
    /// Write this screen's text and the current snapshot to files.
    case dump(screen: String)
}

/// What came of an effect. The executor runs effects off the screen loop and hands these back;
/// the loop feeds them in through ``DashboardState/receive(_:)``, so state changes only there.
public enum EffectResult: Equatable, Sendable {
    case flushed(colo: String?, entries: Int)
    case faultsChanged(labels: [String], change: String)
    case windowSet(seconds: Int)
    case trafficScaled(rate: Double)
    case dumped(files: [String])
    /// The effect could not be carried out; the text says why.
    case failed(String)
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
}

public enum SortColumn: String, CaseIterable, Sendable {
    case colo, rate = "req/s", p50, p95, hit = "hit%", stale = "stale%", crm = "crm%", cpu, state
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
    public enum Kind: Sendable, Equatable { case alert(AlertState), flush, fault, info }
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
}

/// Everything on screen, and nothing else. Keys change it through ``DashboardState/handle(_:)``.
public struct DashboardState: Sendable {
    public enum Overlay: Sendable, Equatable {
        case none, help
        case confirm(effect: Effect, question: String)
        /// Typing a filter after `/`.
        case filtering(String)
    }

    public static let windowSteps = [10, 30, 60, 120, 300, 600, 900]
    /// The terminal's size, as the screen loop last drew it (a screen dump renders at it).
    public var screenSize: ScreenSize?

    /// The window a key asked for that no shown snapshot has yet (nil when they agree).
    public private(set) var requestedWindow: Int?
    static let logLimit = 200
    static let historyLimit = 900

    public var mode: Mode
    public var snapshot: MetricsSnapshot?
    public var paused = false
    public var overlay = Overlay.none
    public var sort = SortColumn.colo
    /// The selected colo's name ("ALL" selects the ALL row).
    public var selected = "ALL"
    public var faults: [String] = []
    public var log: [LogEntry] = []
    public var history: [HistoryPoint] = []
    /// Lookup listener port, shown in the header.
    public var port: Int?
    public var eventsPerSecond = 0.0
    /// Cache entries per colo, for the flush question.
    public var cacheEntries: [String: Int] = [:]
    public var trafficRate: Double?
    /// Synthetic callers that could not be sent on time, or at all.
    public var trafficLate = 0
    public var trafficDropped = 0
    /// How cache hits split between colos' own writes and replicas.
    public var kvSplit: KVSplit?
    /// The same split for each colo's cache, since start.
    public var cacheSplits: [String: KVSplit] = [:]
    /// The colo shown up close (Enter or → on its row; Esc goes back), or nil for the table.
    public private(set) var detailColo: String?
    /// Its figures step by step, from the engine (frozen while paused, like the snapshot).
    public private(set) var coloDetail: ColoDetail?
    public var logFile: String?
    /// A short message for the key-hint line, e.g. why a key did nothing.
    public var notice: String?
    public var now: Int64 = 0
    /// Snapshots taken in: the header's spinner turns with it, so a frozen screen is obvious.
    public private(set) var heartbeat = 0
    private var pendingMark = false
    private var transitionsSeen = 0

    public init(mode: Mode) {
        self.mode = mode
    }

    /// Rows in display order (sorted, ALL last).
    /// The active filter (k9s style): a colo code prefix or a state (`OK`, `WARN`, `ALERT`);
    /// shown in the header until Esc clears it. The ALL row always stays.
    public var filter: String?

    public var rows: [ColoRow] {
        guard let snapshot else { return [] }
        return sorted(snapshot.colos.filter(matchesFilter)) + [snapshot.all]
    }

    private func matchesFilter(_ row: ColoRow) -> Bool {
        guard let filter = filter?.uppercased(), !filter.isEmpty else { return true }
        if let state = AlertState(rawValue: filter) { return row.worst == state }
        return row.colo.uppercased().hasPrefix(filter)
    }

    /// The longest filter typed (a colo code or a state name is far shorter).
    public static let filterLimit = 16

    public var selectedRow: ColoRow? { rows.first { $0.colo == selected } ?? rows.last }

    /// Moves the selection to the first row shown when the filter hid the selected colo.
    private mutating func keepSelectionVisible() {
        let names = rows.map(\.colo)
        if !names.contains(selected), let first = names.first { selected = first }
    }

    /// Takes a new snapshot from the engine (frozen while paused, except the log and history).
    public mutating func apply(_ snapshot: MetricsSnapshot, eventsPerSecond: Double) {
        now = snapshot.generatedAt
        heartbeat &+= 1
        // Every change since the last snapshot we saw, oldest first, even if others ticked too.
        let missed = snapshot.missedTransitions(after: transitionsSeen)
        if missed > 0 {
            record(LogEntry(time: now, kind: .info, text: "\(missed) state changes came faster than the engine keeps them; see /api/snapshot"))
        }
        for change in snapshot.transitions(after: transitionsSeen) {
            record(LogEntry(time: change.time, kind: .alert(change.to), text: TextReport.describe(change),
                            key: "\(change.colo) \(change.metric.rawValue) \(change.from.rawValue)→\(change.to.rawValue)"))
        }
        transitionsSeen = max(transitionsSeen, snapshot.transitionCount)
        noteSilentSources(snapshot.sources)
        let second = snapshot.generatedAt / 1000 * 1000
        if history.last?.time != second {
            history.append(HistoryPoint(time: second, p95: snapshot.all.figures.p95LatencyMs.value,
                                        hitRate: snapshot.all.figures.cacheHitRate.value, marked: pendingMark))
            pendingMark = false
            if history.count > Self.historyLimit { history.removeFirst(history.count - Self.historyLimit) }
        }
        guard !paused else { return }
        self.snapshot = snapshot
        // Up close, the selection stays on the colo shown, whatever the filter now hides.
        if filter != nil, detailColo == nil { keepSelectionVisible() }
        if snapshot.windowSeconds == requestedWindow { requestedWindow = nil }
        self.eventsPerSecond = eventsPerSecond
    }

    /// Sources that had gone silent when last seen.
    private var silentSources: Set<String> = []

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
    public mutating func apply(detail: ColoDetail?) {
        guard !paused || !fetchedDetail else { return }
        coloDetail = detail?.colo == detailColo ? detail : nil
        detailFetchedFor = detailColo
    }

    /// The colo the last ``apply(detail:)`` was for (the engine may have had nothing for it).
    private var detailFetchedFor: String?
    private var fetchedDetail: Bool { detailColo != nil && detailFetchedFor == detailColo }

    /// Whether the detail view shows a colo whose figures have not been asked for yet.
    public var needsDetail: Bool { detailColo != nil && !fetchedDetail }

    /// Notes a flush, a fault change or anything else worth a log line and a sparkline mark.
    public mutating func note(_ kind: LogEntry.Kind, _ text: String, mark: Bool = true) {
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
        case .failed(let reason):
            notice = reason
        }
    }

    // MARK: Keys

    /// Applies a key and returns what the executor must do.
    public mutating func handle(_ key: Key) -> [Effect] {
        notice = nil
        switch overlay {
        case .help:
            if key == .escape || key == .character("?") || key == .character("q") { overlay = .none }
            return []
        case .confirm(let effect, _):
            overlay = .none
            if key == .character("y") || key == .character("Y") { return [effect] }
            notice = "cancelled"
            return []
        case .filtering(let text):
            switch key {
            case .enter:
                filter = text.isEmpty ? nil : text
                overlay = .none
                keepSelectionVisible()
            case .escape:
                overlay = .none
            case .backspace:
                overlay = .filtering(String(text.dropLast()))
            case .character(let character) where (character.isLetter || character.isNumber) && character.isASCII && text.count < Self.filterLimit:
                overlay = .filtering(text + String(character).uppercased())
            default:
                break
            }
            return []
        case .none:
            if detailColo != nil, key == .escape || key == .left {
                detailColo = nil
                coloDetail = nil
                detailFetchedFor = nil
                // Back in the table, the selection is on a row the filter shows.
                if filter != nil { keepSelectionVisible() }
                return []
            }
            if key == .escape, filter != nil {
                filter = nil
                return []
            }
        }
        guard let command = KeyMap.command(for: key) else { return [] }
        return run(command)
    }

    private mutating func run(_ command: Command) -> [Effect] {
        switch command {
        case .quit:
            return [.quit]
        case .help:
            overlay = .help
        case .pause:
            paused.toggle()
        case .widerWindow, .narrowerWindow:
            // From the window last asked for: the snapshot lags a step, and is frozen while paused.
            let current = requestedWindow ?? snapshot?.windowSeconds ?? 60
            let steps = Self.windowSteps
            let next = command == .widerWindow
                ? steps.first { $0 > current } ?? steps.last!
                : steps.last { $0 < current } ?? steps.first!
            guard next != current else { return [] }
            requestedWindow = next
            return [.setWindow(seconds: next)]
        case .selectNext, .selectPrevious:
            let names = rows.map(\.colo)
            guard !names.isEmpty else { return [] }
            let index = names.firstIndex(of: selected) ?? names.count - 1
            let step = command == .selectNext ? 1 : names.count - 1
            selected = names[(index + step) % names.count]
            if detailColo != nil { detailColo = selected }
        case .nextSort:
            let all = SortColumn.allCases
            sort = all[(all.firstIndex(of: sort)! + 1) % all.count]
        case .flushAll, .flushSelected:
            if let reason = disabledReason { notice = "flush " + reason; return [] }
            let colo = command == .flushAll || selected == "ALL" ? nil : selected
            let entries = colo.map { cacheEntries[$0] ?? 0 } ?? cacheEntries.values.reduce(0, +)
            let scope = colo.map { "\($0)'s cache" } ?? "the whole cache (all colos)"
            overlay = .confirm(effect: .flush(colo: colo), question: "Flush \(scope)? \(entries) entries will go. y/N")
        case .toggleFault(let fault):
            if let reason = disabledReason { notice = "faults " + reason; return [] }
            return [.toggleFault(fault)]
        case .clearFaults:
            if let reason = disabledReason { notice = "faults " + reason; return [] }
            return [.clearFaults]
        case .filter:
            guard detailColo == nil else { notice = "Esc first: the filter is for the colo table"; return [] }
            overlay = .filtering(filter ?? "")
        case .openDetail:
            keepSelectionVisible()
            detailColo = selectedRow?.colo ?? "ALL"
        case .dump:
            guard let size = screenSize else { notice = "no screen to dump yet"; return [] }
            return [.dump(screen: DashboardView.render(self, width: size.width, height: size.height).text)]
        case .fasterTraffic, .slowerTraffic:
            guard trafficRate != nil else { notice = "no synthetic traffic in this mode"; return [] }
            return [.scaleTraffic(by: command == .fasterTraffic ? 1.25 : 0.8)]
        }
        return []
    }

    /// Why flush and fault keys do nothing in this mode, or nil when they work.
    public var disabledReason: String? {
        switch mode {
        case .live: nil
        case .replay: "disabled: this is a replay of a recording"
        case .watch: "disabled: watch mode only reads /ingest; the caches and CRM are elsewhere"
        }
    }

    private func sorted(_ colos: [ColoRow]) -> [ColoRow] {
        func key(_ row: ColoRow) -> Double {
            let f = row.figures
            switch sort {
            case .colo: return 0
            case .rate: return -(f.requestRate.value ?? 0)
            case .p50: return -(f.p50LatencyMs.value ?? 0)
            case .p95: return -(f.p95LatencyMs.value ?? 0)
            case .hit: return f.cacheHitRate.value ?? 101
            case .stale: return -(f.staleRate.value ?? 0)
            case .crm: return -(f.crmErrorRate.value ?? 0)
            case .cpu: return -(f.cpuP95Ms.value ?? 0)
            case .state: return -Double(row.worst == .alert ? 2 : row.worst == .warn ? 1 : 0)
            }
        }
        return colos.sorted { (key($0), $0.colo) < (key($1), $1.colo) }
    }
}
