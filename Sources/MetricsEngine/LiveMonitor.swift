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
    /// A snapshot a second over the last window, for rewinding without a recording.
    private let kept = Mutex(SnapshotRing())
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
        let seconds = snapshot.windowSeconds
        kept.withLock { $0.keep(snapshot, seconds: seconds) }
        return snapshot
    }

    /// The snapshot published at `time` (the last one at or before it), from the ones kept a
    /// second apart over the last window; nil when `time` is older than those.
    public func published(at time: Int64) -> MetricsSnapshot? {
        kept.withLock { $0.snapshot(at: time) }
    }

    /// The oldest moment ``published(at:)`` can show.
    public var publishedSince: Int64? { kept.withLock { $0.oldest } }

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

    /// A copy of the engine as it is now (copy on write: cheap), for its settings.
    public var configuration: MetricsMonitor { monitor.withLock { $0 } }

    public func setWindow(seconds: Int) {
        let time = now()
        monitor.withLock { $0.setWindow(seconds: seconds, nowMillis: time) }
    }
}

/// The snapshots a monitor published, one a second, over its window: a console rewinds through
/// them without a recording. Bounded by the window (at most 15 minutes) and by rows, so a
/// monitor of many colos keeps fewer seconds.
struct SnapshotRing: Sendable {
    private var snapshots: [MetricsSnapshot] = []
    private var rows = 0
    /// About 16 MB of rows at most.
    static let maximumRows = 16_384

    var oldest: Int64? { snapshots.first?.generatedAt }
    var rowCount: Int { rows }

    mutating func keep(_ snapshot: MetricsSnapshot, seconds: Int) {
        var kept = snapshot
        // The log of changes is the console's own, not the rewound view's (and up to a thousand
        // entries a snapshot).
        kept.recentTransitions = []
        if let last = snapshots.last, last.generatedAt.floorDiv(1000) == snapshot.generatedAt.floorDiv(1000) {
            rows += snapshot.colos.count - last.colos.count
            snapshots[snapshots.count - 1] = kept
        } else {
            snapshots.append(kept)
            rows += snapshot.colos.count + 1
        }
        let horizon = snapshot.generatedAt - Int64(seconds) * 1000
        var drop = 0
        while drop < snapshots.count - 1, snapshots[drop].generatedAt < horizon || rows > Self.maximumRows {
            rows -= snapshots[drop].colos.count + 1
            drop += 1
        }
        if drop > 0 { snapshots.removeFirst(drop) }
    }

    func snapshot(at time: Int64) -> MetricsSnapshot? {
        guard let first = snapshots.first, time >= first.generatedAt else { return nil }
        var low = 0, high = snapshots.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if snapshots[middle].generatedAt <= time { low = middle } else { high = middle - 1 }
        }
        return snapshots[low]
    }
}
