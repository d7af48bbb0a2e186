/// The state of one metric for one colo.
///
/// `NO DATA` is a state of its own, as in Grafana: a colo that has sent nothing for the no-data
/// time (``ThresholdTable/noDataAfterSeconds``) is in it for every metric, whatever it held
/// before, and it starts afresh when events come back.
public enum AlertState: String, Codable, Sendable, Comparable, CaseIterable {
    case ok = "OK"
    case noData = "NO DATA"
    case warn = "WARN"
    case alert = "ALERT"

    /// Severity: OK, NO DATA, WARN, ALERT.
    var rank: Int {
        switch self {
        case .ok: 0
        case .noData: 1
        case .warn: 2
        case .alert: 3
        }
    }

    public static func < (lhs: AlertState, rhs: AlertState) -> Bool { lhs.rank < rhs.rank }
}

/// A change of state, or the start of a pending period, as it goes to the event log and to
/// `/api/snapshot`.
public struct AlertTransition: Codable, Sendable, Equatable {
    /// Milliseconds since the epoch, on the clock the monitor runs on.
    public var time: Int64
    public var colo: String
    public var metric: AlertMetric
    public var value: Double
    /// The level that was crossed: the alert level going into ALERT, the recovery level coming out,
    /// the target between OK and WARN; 0 for changes into and out of NO DATA.
    public var threshold: Double
    public var from: AlertState
    public var to: AlertState
    /// For a change into NO DATA: when the colo was last heard from (nil if never).
    public var lastHeard: Int64?
    /// True when this is not a change but the start of a pending period: the value has begun to
    /// point to `to`, and the state changes if it keeps doing so for the pending period (what
    /// Prometheus shows as `alertstate="pending"`). Left out of the JSON when false.
    public var pending: Bool?

    public init(
        time: Int64, colo: String, metric: AlertMetric, value: Double, threshold: Double, from: AlertState, to: AlertState,
        lastHeard: Int64? = nil, pending: Bool = false
    ) {
        self.time = time
        self.colo = colo
        self.metric = metric
        self.value = value
        self.threshold = threshold
        self.from = from
        self.to = to
        self.lastHeard = lastHeard
        self.pending = pending ? true : nil
    }

    /// True for the start of a pending period, false for a change of state.
    public var isPending: Bool { pending == true }
}

/// A value pointing to another state than the one held, waiting out the pending period.
public struct Pending: Codable, Sendable, Equatable {
    /// The state it points to.
    public var to: AlertState
    /// Since when it has pointed there without a break (epoch ms).
    public var since: Int64
    /// When the state changes if it keeps pointing there (epoch ms).
    public var due: Int64
}

/// The state machine for one (colo, metric), calm as Prometheus `for:` and Grafana's pending
/// period are:
/// - every change, OK↔WARN as well as WARN↔ALERT, happens only once the value has pointed to the
///   new state for `pendingSeconds` without a break;
/// - entering a worse state takes crossing its level (the target for WARN, the alert level for
///   ALERT); leaving it takes being better than that level by the hysteresis margin;
/// - so a state just left cannot come back before a full pending period, and a value sitting on a
///   level changes state at most once per pending period;
/// - figures with too few samples neither raise nor clear a state, and restart the timer;
/// - a silent colo is NO DATA, and coming back it starts afresh from OK, the pending period
///   applying to any change from there.
public struct AlertTracker: Sendable, Equatable {
    public private(set) var state: AlertState
    /// For each other state: since when the value has pointed to it (or beyond it, away from the
    /// current state) without a break. A value that swings between WARN and ALERT levels has been
    /// "at least WARN" all along, so it reaches WARN; it does not reach ALERT until it stays there.
    public private(set) var pointingSince: [AlertState: Int64] = [:]
    /// When the state last changed: no change comes within a pending period of it.
    public private(set) var changedAt: Int64?
    /// The state the value pointed to at the last evaluation, when not the one held.
    public private(set) var pointingTo: AlertState?
    /// When a pending start toward each state was last logged: at most one a pending period (and
    /// at least 10 s apart), so a value swinging across a level, or a sample count hovering at the
    /// minimum, cannot push real changes out of the log.
    private var pendingLogged: [AlertState: Int64] = [:]

    /// A tracker holding `state`: OK for a colo just seen, NO DATA for one never heard from.
    public init(state: AlertState = .ok) {
        self.state = state
    }

    /// Judges `figure` at `nowMillis`. Returns what happened: a change of state, the start of a
    /// pending period, or (coming back from NO DATA) the change out of it first.
    public mutating func evaluate(
        _ figure: Figure, metric: AlertMetric, table: ThresholdTable, colo: String, nowMillis: Int64
    ) -> [AlertTransition] {
        var records: [AlertTransition] = []
        if state == .noData {
            // Events again: start afresh. The pending period applies to anything worse than OK.
            // (A tracker that has only ever been NO DATA, ALL before the first event, has nothing
            // to come back from: no change is logged.)
            let silenced = changedAt != nil
            self = AlertTracker()
            if silenced {
                records.append(AlertTransition(time: nowMillis, colo: colo, metric: metric, value: figure.value ?? 0, threshold: 0,
                                               from: .noData, to: .ok))
            }
        }
        guard figure.sufficient, let value = figure.value else {
            pointingSince = [:]
            pointingTo = nil
            return records
        }
        let levels = Levels(metric: metric, threshold: table[metric], hysteresis: table.hysteresis)
        let candidate = levels.state(of: value, from: state)
        let began = candidate != state && pointingSince[candidate] == nil
        for other in [AlertState.ok, .warn, .alert] where other != state {
            let pointing = other > state ? candidate >= other : candidate <= other
            pointingSince[other] = pointing ? (pointingSince[other] ?? nowMillis) : nil
        }
        pointingTo = candidate == state ? nil : candidate
        let pending = Int64(table.pendingSeconds) * 1000
        if let change = change(to: candidate, value: value, levels: levels, pending: pending, colo: colo, metric: metric, nowMillis: nowMillis) {
            return records + [change]
        }
        let spacing = max(pending, Self.minimumPendingLogSpacing)
        if began, nowMillis - (pendingLogged[candidate] ?? .min / 2) >= spacing {
            pendingLogged[candidate] = nowMillis
            records.append(AlertTransition(time: nowMillis, colo: colo, metric: metric, value: value,
                                           threshold: levels.crossed(from: state, to: candidate), from: state, to: candidate, pending: true))
        }
        return records
    }

    /// The change the pending period allows now, if any (and makes it).
    private mutating func change(
        to candidate: AlertState, value: Double, levels: Levels, pending: Int64, colo: String, metric: AlertMetric, nowMillis: Int64
    ) -> AlertTransition? {
        if let changedAt, nowMillis - changedAt < pending { return nil }
        // The furthest state, away from the current one, that the value has held for the pending period.
        let order: [AlertState] = candidate > state ? [.alert, .warn] : [.ok, .warn]
        guard let next = order.first(where: { $0 != state && (pointingSince[$0].map { nowMillis - $0 >= pending } ?? false) }) else {
            return nil
        }
        let transition = AlertTransition(time: nowMillis, colo: colo, metric: metric, value: value,
                                         threshold: levels.crossed(from: state, to: next), from: state, to: next)
        // Clocks for states further the same way keep running; the rest start again from here.
        pointingSince = pointingSince.filter { next > state ? $0.key > next : $0.key < next }
        state = next
        changedAt = nowMillis
        pointingTo = candidate == next ? nil : candidate
        return transition
    }

    /// The colo has gone silent: NO DATA, whatever was held. Returns the change, if this is one.
    public mutating func silence(metric: AlertMetric, colo: String, value: Double?, lastHeard: Int64?, nowMillis: Int64) -> AlertTransition? {
        guard state != .noData else { return nil }
        let from = state
        self = AlertTracker(state: .noData)
        changedAt = nowMillis
        return AlertTransition(time: nowMillis, colo: colo, metric: metric, value: value ?? 0, threshold: 0, from: from, to: .noData,
                               lastHeard: lastHeard)
    }

    /// The least time between two logged pending starts toward one state.
    static let minimumPendingLogSpacing: Int64 = 10_000

    /// The next change while the value waits out the pending period: the state it will go to
    /// first (a value past the alert level goes to WARN first when it pointed there earlier) and
    /// when; nil when the value points to the state held (or there is too little data).
    public func pending(pendingSeconds: Int) -> Pending? {
        guard let pointingTo else { return nil }
        let period = Int64(pendingSeconds) * 1000
        let earliest = (changedAt ?? .min / 2) + period
        // The same order `change` takes them in: the furthest first, among those due soonest.
        let order: [AlertState] = (pointingTo > state ? [.alert, .warn] : [.ok, .warn]).filter { $0 != state }
        var next: Pending?
        for target in order {
            guard let since = pointingSince[target] else { continue }
            let due = max(since + period, earliest)
            if next == nil || due < next!.due { next = Pending(to: target, since: since, due: due) }
        }
        return next
    }

    /// A metric's levels with the hysteresis margin on the way back.
    struct Levels {
        let higherIsBetter: Bool
        let target: Double
        let alert: Double
        let hysteresis: Double

        init(metric: AlertMetric, threshold: Threshold, hysteresis: Double) {
            higherIsBetter = metric.higherIsBetter
            target = threshold.target
            alert = threshold.alert
            self.hysteresis = hysteresis
        }

        func better(_ value: Double, than level: Double) -> Bool { higherIsBetter ? value > level : value < level }
        func worse(_ value: Double, than level: Double) -> Bool { higherIsBetter ? value < level : value > level }
        /// The level a value must beat to leave the state that `level` leads into.
        /// For a percentage (higher is better) the margin stops halfway to 100 %, so a high
        /// target still has an exit a real value can reach.
        func exit(_ level: Double) -> Double {
            higherIsBetter ? min(level * (1 + hysteresis), (level + 100) / 2) : level * (1 - hysteresis)
        }

        /// Where `value` belongs, seen from `current`.
        func state(of value: Double, from current: AlertState) -> AlertState {
            let inAlert = current == .alert ? !better(value, than: exit(alert)) : worse(value, than: alert)
            if inAlert { return .alert }
            // Meeting the target exactly is a miss (a hit rate of exactly 60 % is not "> 60 %").
            let missesTarget = !better(value, than: target)
            let inWarn = current >= .warn ? !better(value, than: exit(target)) : missesTarget
            return inWarn ? .warn : .ok
        }

        /// The level named in the log line: the one entered going worse, the exit level going better.
        func crossed(from: AlertState, to: AlertState) -> Double {
            if to > from { return to == .alert ? alert : target }
            return to == .ok ? exit(target) : exit(alert)
        }
    }
}

extension ThresholdTable {
    /// Where `value` sits against `metric`'s levels as shown (the target and the alert level),
    /// with no hysteresis and no pending period: what the mark beside a figure says.
    public func level(of value: Double, for metric: AlertMetric) -> AlertState {
        AlertTracker.Levels(metric: metric, threshold: self[metric], hysteresis: hysteresis).state(of: value, from: .ok)
    }

    /// The level a value must beat, for the pending period, to leave `state` for a better one.
    public func exitLevel(for metric: AlertMetric, leaving state: AlertState) -> Double? {
        let levels = AlertTracker.Levels(metric: metric, threshold: self[metric], hysteresis: hysteresis)
        switch state {
        case .alert: return levels.exit(levels.alert)
        case .warn: return levels.exit(levels.target)
        case .ok, .noData: return nil
        }
    }
}
