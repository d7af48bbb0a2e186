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
}

/// The state machine for one (colo, metric):
/// - WARN as soon as the target is missed, OK as soon as it is met;
/// - ALERT once the alert threshold has been crossed for `pendingSeconds` without a break;
/// - out of ALERT only after the value has been better than the alert level by the hysteresis
///   margin for `pendingSeconds`;
/// - figures with too few samples hold the state and restart both timers.
public struct AlertTracker: Sendable, Equatable {
    public private(set) var state: AlertState = .ok
    /// When the value first crossed the alert level in the current run (pending alert).
    public private(set) var breachingSince: Int64?
    /// When the value first came back past the recovery level while in ALERT.
    public private(set) var recoveringSince: Int64?

    public init() {}

    public mutating func evaluate(
        _ figure: Figure, metric: AlertMetric, table: ThresholdTable, colo: String, nowMillis: Int64
    ) -> AlertTransition? {
        guard figure.sufficient, let value = figure.value else {
            breachingSince = nil
            recoveringSince = nil
            return nil
        }
        let threshold = table[metric]
        let pending = Int64(table.pendingSeconds) * 1000
        let worse: (Double, Double) -> Bool = metric.higherIsBetter ? { $0 < $1 } : { $0 > $1 }
        let missesTarget = metric.higherIsBetter ? value <= threshold.target : value >= threshold.target
        let recoveryLevel = metric.higherIsBetter
            ? threshold.alert * (1 + table.hysteresis) : threshold.alert * (1 - table.hysteresis)
        let calm: AlertState = missesTarget ? .warn : .ok

        var next = state
        var crossed = threshold.target
        if state == .alert {
            let recovered = metric.higherIsBetter ? value > recoveryLevel : value < recoveryLevel
            if recovered {
                recoveringSince = recoveringSince ?? nowMillis
                if nowMillis - recoveringSince! >= pending {
                    next = calm
                    crossed = recoveryLevel
                }
            } else {
                recoveringSince = nil
            }
        } else {
            if worse(value, threshold.alert) {
                breachingSince = breachingSince ?? nowMillis
                if nowMillis - breachingSince! >= pending {
                    next = .alert
                    crossed = threshold.alert
                } else {
                    next = calm
                }
            } else {
                breachingSince = nil
                next = calm
            }
        }
        guard next != state else { return nil }
        let transition = AlertTransition(time: nowMillis, colo: colo, metric: metric, value: value,
                                         threshold: crossed, from: state, to: next)
        state = next
        if next == .alert { breachingSince = nil }
        if state != .alert { recoveringSince = nil }
        return transition
    }
}
