import EdgeHTTP
import Logging
import LookupCore
import MetricsEngine
import MetricsServer
import ServiceLifecycle
import Synchronization

/// The metrics side of a process: the event queue, the live monitor, the Prometheus export, and
/// the services that feed them and move alert states along.
public struct MetricsHost: Sendable {
    public let monitor: LiveMonitor
    public let prometheus: PrometheusExport
    public let events: MetricEventStream
    /// The lookup's CRM side, when this process runs one: its breaker goes into snapshots.
    let calls: CRMCalls?
    /// The lookup's caches, when this process runs one: their sizes go into `/metrics`.
    let caches: ColoCaches?
    /// The consoles reading this process's figures over HTTP (`attach`), bounded.
    public let viewers: Viewers

    /// A host whose monitor reads `now` (the wall clock live, a virtual clock in a replay).
    init(monitor: MetricsMonitor, events: MetricEventStream, calls: CRMCalls?, caches: ColoCaches? = nil, now: @escaping @Sendable () -> Int64) {
        self.events = events
        self.calls = calls
        self.caches = caches
        self.monitor = LiveMonitor(
            monitor: monitor, now: now, queueDrops: { events.dropped }, queueRefusals: { events.refused }, breaker: { calls?.breaker }
        )
        prometheus = PrometheusExport()
        let clocks = SystemClocks()
        viewers = Viewers(now: { clocks.monotonicMillis })
    }

    /// `/ingest`, `/metrics` and the console's reads; `flushOff` says why `/api/flush` is refused
    /// here (nil when the lookup runs here with an admin token).
    func addRoutes(to routes: JSONRouter, access: AccessPolicy, reporter: EventReporter?, notifier: AlertmanagerNotifier?, recorder: EventRecorder?,
                   connections: ConnectionCounts? = nil, role: String, flushOff: String?, readAPI: Bool = true, rewind: RewindSource? = nil) {
        MetricsRoutes.add(to: routes, monitor: monitor, sink: events, prometheus: prometheus, access: access, calls: calls, reporter: reporter, viewers: viewers,
                          notifier: notifier, recorder: recorder, connections: connections, caches: caches)
        if readAPI { ReadRoutes.add(to: routes, monitor: monitor, access: access, viewers: viewers, role: role, flushOff: flushOff, rewind: rewind) }
    }

    /// Drains the event stream into the monitor and the Prometheus export (and the reporter and
    /// the recorder).
    func pump(reporter: EventReporter?, recorder: EventRecorder?, engine: Bool, loops: EventLoops) -> EventPump {
        var pump = EventPump(events: events, monitor: monitor, prometheus: prometheus, reporter: reporter, recorder: recorder, loops: loops)
        pump.feedsEngine = engine
        return pump
    }

    /// The process's one ticker: advances alert states four times a second and logs each change;
    /// once a second it also logs the CRM breaker's changes and, once a minute, the requests
    /// refused for their credentials, if any.
    func ticker(logger: Logger, gate: AccessGate?) -> AlertTicker {
        let log = AlertLog(calls: calls, logger: logger, gate: gate)
        let seconds = Mutex(0)
        let refusals = Mutex(AccessGate.Counts())
        return AlertTicker(monitor: monitor, logger: logger) {
            log.logBreakerChanges()
            let second = seconds.withLock { $0 += 1; return $0 }
            if second % 60 == 0 { refusals.withLock { $0 = log.logRefusals(since: $0) } }
        }
    }

    /// What the ticker logs besides alert changes.
    struct AlertLog: Sendable {
        let calls: CRMCalls?
        let logger: Logger
        let gate: AccessGate?

        /// Logs each change of the CRM circuit breaker (a warning when it opens).
        func logBreakerChanges() {
            guard let calls else { return }
            let (changes, dropped) = calls.takeBreakerChanges()
            if dropped > 0 { logger.warning("\(dropped) CRM breaker changes happened faster than the log could keep them") }
            for change in changes {
                let line: Logger.Message = "CRM circuit breaker \(change.from.rawValue) → \(change.to.rawValue)"
                if change.to == .open { logger.warning(line) } else { logger.notice(line) }
            }
        }

        /// Logs the refusals since `before` (a warning: a wrong credential after a deploy, or a guesser).
        func logRefusals(since before: AccessGate.Counts) -> AccessGate.Counts {
            guard let gate else { return before }
            let now = gate.counts
            guard now.totalRefused > before.totalRefused else { return now }
            let routes = AccessGate.Route.allCases.map { "\($0.rawValue) \((now.refused[$0] ?? 0) - (before.refused[$0] ?? 0))" }
            logger.warning("\(now.totalRefused - before.totalRefused) requests refused for their credentials in the last minute (\(routes.joined(separator: ", ")); \(now.throttled - before.throttled) throttled)")
            return now
        }
    }
}
