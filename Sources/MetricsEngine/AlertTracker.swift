/// The state of one metric for one colo.
public enum AlertState: String, Codable, Sendable, Comparable {
    case ok = "OK"
    case warn = "WARN"
    case alert = "ALERT"

    private var rank: Int { self == .ok ? 0 : self == .warn ? 1 : 2 }
    public static func < (lhs: AlertState, rhs: AlertState) -> Bool { lhs.rank < rhs.rank }
}

/// A change of state, as it goes to the event log and to `/api/snapshot`.
public struct AlertTransition: Codable, Sendable, Equatable {
    /// Milliseconds since the epoch, on the clock the monitor runs on.
    public var time: Int64
    public var colo: String
    public var metric: AlertMetric
    public var value: Double
    /// The level that was crossed: the alert level going into ALERT, the recovery level coming out,
    /// the target between OK and WARN.
    public var threshold: Double
    public var from: AlertState
    public var to: AlertState

    public init(time: Int64, colo: String, metric: AlertMetric, value: Double, threshold: Double, from: AlertState, to: AlertState) {
        self.time = time
        self.colo = colo
        self.metric = metric
        self.value = value
        self.threshold = threshold
        self.from = from
        self.to = to
    }
}

/// The state machine for one (colo, metric), calm as Prometheus `for:` and Grafana's pending
/// period are:
/// - every change, OK↔WARN as well as WARN↔ALERT, happens only once the value has pointed to the
///   new state for `pendingSeconds` without a break;
/// - entering a worse state takes crossing its level (the target for WARN, the alert level for
///   ALERT); leaving it takes being better than that level by the hysteresis margin;
/// - so a state just left cannot come back before a full pending period, and a value sitting on a
///   level changes state at most once per pending period;
/// - figures with too few samples hold the state and restart the timer.
public struct AlertTracker: Sendable, Equatable {
    public private(set) var state: AlertState = .ok
    /// For each other state: since when the value has pointed to it (or beyond it, away from the
    /// current state) without a break. A value that swings between WARN and ALERT levels has been
    /// "at least WARN" all along, so it reaches WARN; it does not reach ALERT until it stays there.
    public private(set) var pointingSince: [AlertState: Int64] = [:]
    /// When the state last changed: no change comes within a pending period of it.
    public private(set) var changedAt: Int64?

    public init() {}

    public mutating func evaluate(
        _ figure: Figure, metric: AlertMetric, table: ThresholdTable, colo: String, nowMillis: Int64
    ) -> AlertTransition? {
        guard figure.sufficient, let value = figure.value else {
            pointingSince = [:]
            return nil
        }
        let levels = Levels(metric: metric, threshold: table[metric], hysteresis: table.hysteresis)
        let candidate = levels.state(of: value, from: state)
        for other in [AlertState.ok, .warn, .alert] where other != state {
            let pointing = other > state ? candidate >= other : candidate <= other
            pointingSince[other] = pointing ? (pointingSince[other] ?? nowMillis) : nil
        }
        let pending = Int64(table.pendingSeconds) * 1000
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
        return transition
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
