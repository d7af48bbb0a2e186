import LookupCore
import Synchronization

/// A ``MetricsMonitor`` shared between the event consumer, the HTTP routes and the dashboard.
/// Time comes from the injected `now` (wall clock live, a virtual clock in replays).
///
/// One owner for time: only the process's ticker calls ``tick()``, which advances every alert
/// state machine and publishes a snapshot. Everyone else (the console, `/api/snapshot`, dumps,
/// `/metrics`) reads ``snapshot``, the last one published, so when a state changes never
/// depends on who looked, or how often.
public final class LiveMonitor: Sendable {
    private let monitor: Mutex<MetricsMonitor>
    private let latest: Mutex<MetricsSnapshot?> = Mutex(nil)
    private let queueDrops: @Sendable () -> Int
    private let queueRefusals: @Sendable () -> Int
    private let breaker: @Sendable () -> CRMCalls.BreakerStatus?
    public let now: @Sendable () -> Int64
    /// When this monitor was made, on its clock: every snapshot says so.
    public let startedAt: Int64

    public init(
        monitor: MetricsMonitor, now: @escaping @Sendable () -> Int64,
        queueDrops: @escaping @Sendable () -> Int = { 0 }, queueRefusals: @escaping @Sendable () -> Int = { 0 },
        breaker: @escaping @Sendable () -> CRMCalls.BreakerStatus? = { nil }
    ) {
        self.queueRefusals = queueRefusals
        self.breaker = breaker
        self.monitor = Mutex(monitor)
        self.now = now
        self.queueDrops = queueDrops
        startedAt = now()
        tick()
    }

    public func record(_ event: MetricEvent) {
        let time = now()
        monitor.withLock { $0.record(event, nowMillis: time) }
    }

    public func record(contentsOf events: [MetricEvent]) {
        let time = now()
        monitor.withLock { $0.record(contentsOf: events, nowMillis: time) }
    }

    /// Evaluates alerts at the current time, publishes the snapshot and returns it. For the one
    /// ticker only (see the type's notes).
    @discardableResult
    public func tick() -> MetricsSnapshot {
        let time = now()
        var snapshot = monitor.withLock { $0.tick(nowMillis: time) }
        snapshot.events.droppedQueueFull = queueDrops()
        snapshot.events.refusedQueueFull = queueRefusals()
        snapshot.breaker = breaker()
        snapshot.engineStartedAt = startedAt
        latest.withLock { $0 = snapshot }
        return snapshot
    }

    /// The snapshot the last tick published (one is published when the monitor is made).
    public var snapshot: MetricsSnapshot { latest.withLock { $0 }! }

    /// The last snapshot with its figures over the last `seconds` only (a viewer's shorter
    /// window; see ``MetricsMonitor/view(seconds:judged:)``). Computed on a copy, off the lock.
    public func view(seconds: Int) -> MetricsSnapshot {
        view(seconds: seconds, judged: snapshot)
    }

    /// `judged` (a snapshot this monitor published) over the last `seconds`.
    public func view(seconds: Int, judged: MetricsSnapshot) -> MetricsSnapshot {
        let copy = monitor.withLock { $0 }
        return copy.view(seconds: seconds, judged: judged)
    }

    /// ALL's figures a second at a time, as far back as the monitor keeps them.
    public var history: [HistorySample] { monitor.withLock { $0.history } }

    /// Starts again from `monitor` (a replay moved back), keeping the window in force, and
    /// publishes its first snapshot.
    public func reset(to monitor: MetricsMonitor) {
        let time = now()
        self.monitor.withLock { current in
            let seconds = current.window.windowSeconds
            current = monitor
            current.setWindow(seconds: seconds, nowMillis: time)
        }
        tick()
    }

    /// One colo (or "ALL") step by step over the window, now; nil for a colo not in the window.
    /// Computed on a copy taken under the lock (copy on write makes it cheap), so the merges do
    /// not run under the lock; while the copy lives, the pump's first write to a slot copies it.
    /// `seconds` narrows it to a viewer's shorter window (on the copy: nothing changes here).
    public func detail(colo: String, seconds: Int? = nil) -> ColoDetail? {
        let time = now()
        var copy = monitor.withLock { $0 }
        // A colo it does not hold costs nothing (a narrowed window would copy every colo's rings).
        guard colo == ColoName.all || copy.window.coloNames.contains(colo) else { return nil }
        if let seconds, seconds < copy.window.windowSeconds { copy.setWindow(seconds: seconds, nowMillis: time) }
        return copy.detail(colo: colo, nowMillis: time)
    }

    /// Notes that `source` is alive though it had no events to send.
    public func heard(from source: String) {
        let time = now()
        monitor.withLock { $0.heard(from: source, nowMillis: time) }
    }

    public var windowSeconds: Int { monitor.withLock { $0.window.windowSeconds } }

    public func setWindow(seconds: Int) {
        let time = now()
        monitor.withLock { $0.setWindow(seconds: seconds, nowMillis: time) }
    }
}
