import Logging
import MetricsEngine
import ServiceLifecycle

/// The one owner of time in a process that watches live events (`serve`, `watch`, the
/// dashboard): it ticks the monitor four times a second, which advances every alert state and
/// publishes the snapshot everyone else reads, and logs each change. Replays have their own
/// ticker, the player, on the recording's clock.
public struct AlertTicker: Service {
    public let monitor: LiveMonitor
    public let logger: Logger
    public let interval: Duration
    /// Runs once a second after a tick (more to log: the breaker, refused credentials).
    public let everySecond: (@Sendable () -> Void)?

    public static let defaultInterval: Duration = .milliseconds(250)

    public init(monitor: LiveMonitor, logger: Logger, interval: Duration = AlertTicker.defaultInterval, everySecond: (@Sendable () -> Void)? = nil) {
        self.monitor = monitor
        self.logger = logger
        self.interval = interval
        self.everySecond = everySecond
    }

    public func run() async {
        var log = TransitionLog()
        let clock = ContinuousClock()
        var next = clock.now
        var lastSecond = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            log.write(monitor.tick(), to: logger)
            if clock.now - lastSecond >= .seconds(1) {
                lastSecond = clock.now
                everySecond?()
            }
            // On a fixed schedule, not `interval` after the last tick (which drifts).
            next = max(next + interval, clock.now)
            try? await Task.sleep(until: next, clock: clock)
        }
    }
}

/// Writes the alert changes between the snapshots it is shown to a logger, message first:
/// `alert SIN p95_latency WARN → ALERT (value 412 ms, threshold 300)`. A reader that
/// skipped snapshots still logs every change the engine kept, and says how many it missed.
public struct TransitionLog: Sendable {
    private var seen = 0
    private var last: MetricsSnapshot?
    /// Name each change's own time in the message (a replay's log: the line's time is the wall's).
    private let withClock: Bool

    public init(withClock: Bool = false) {
        self.withClock = withClock
    }

    public mutating func write(_ snapshot: MetricsSnapshot, to logger: Logger) {
        if snapshot.transitionCount < seen {
            // The monitor started again (a replay moved back): so does the count.
            seen = 0
            last = nil
        }
        let missed = snapshot.missedTransitions(after: seen)
        if missed > 0 { logger.warning("\(missed) alert state changes happened faster than the log could keep them") }
        for group in TextReport.groups(snapshot.transitions(after: seen)) {
            let first = group[0]
            // A live log line has its own time; a replay's names the recording's.
            let line = Logger.Message(stringLiteral: "alert " + TextReport.describe(group: group, clock: withClock))
            // Every real change, recoveries and silences included; pending starts are detail.
            if first.isPending { logger.info(line) } else { logger.notice(line) }
        }
        if let last {
            for row in snapshot.colosGone(since: last) {
                logger.notice("\(row.colo) is no longer listed: no data since \(row.lastHeard.map(TextReport.clock) ?? "start")")
            }
        }
        seen = snapshot.transitionCount
        last = snapshot
    }
}
