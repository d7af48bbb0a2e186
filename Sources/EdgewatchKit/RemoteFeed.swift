import Console
import EdgeHTTP
import Logging
import MetricsEngine
import MetricsServer
import ServiceLifecycle
import Synchronization

/// The console's feed from another edgewatch (`edgewatch attach`): a poller reads the server's
/// snapshot twice a second (the colo up close and the history beside it), and ``input(detailColo:)``
/// hands the screen the last it read, at once, with the connection's state.
///
/// A lost connection is a state: the last figures stay, the link says for how long nothing has
/// come, and the poller tries again after a capped, jittered backoff, then picks up where the
/// server is (history and state changes included) without a restart.
final class RemoteFeed: DashboardFeed, Service {
    let capabilities: Capabilities
    let engine: RemoteEngine
    /// The server's window: the longest a viewer can ask for.
    let serverWindow: Int
    /// Monotonic milliseconds, for how long the connection has been lost.
    let now: @Sendable () -> Int64
    let logger: Logger

    /// Time between two reads of the snapshot: the screen is at most this plus one exchange behind.
    static let interval: Duration = .milliseconds(500)
    /// Waits between tries while the server does not answer: full jitter, doubling to 5 s.
    static let backoff = RetryBackoff(first: .milliseconds(500), ceiling: .seconds(5), floor: .milliseconds(100))

    private struct Shared {
        var snapshot: MetricsSnapshot
        var detail: ColoDetail?
        var history: [HistoryPoint] = []
        /// The colo the screen shows up close, and whether it changed since the poller last read it.
        var wanted: String?
        var wantedChanged = false
        /// The window this viewer asked for (nil: the server's).
        var window: Int?
        /// When the last answer came (monotonic ms), and, while the connection is lost, why.
        var lastAnswer: Int64
        var problem: String?
        var down = false
    }

    private let shared: Mutex<Shared>

    /// A feed starting from what the first contact read.
    init(engine: RemoteEngine, capabilities: Capabilities, serverWindow: Int, first: MetricsSnapshot, history: [HistorySample],
         now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.engine = engine
        self.capabilities = capabilities
        self.serverWindow = serverWindow
        self.now = now
        self.logger = logger
        shared = Mutex(Shared(snapshot: first, history: Self.points(history), lastAnswer: now()))
    }

    func input(detailColo: String?) -> DashboardInput {
        let time = now()
        return shared.withLock { shared in
            if shared.wanted != detailColo {
                shared.wanted = detailColo
                shared.wantedChanged = true
                shared.detail = nil
            }
            var input = DashboardInput(snapshot: shared.snapshot)
            input.detail = shared.detail?.colo == detailColo ? shared.detail : nil
            input.windowLimit = serverWindow
            input.link = LinkStatus(url: engine.base, downMillis: shared.down ? time - shared.lastAnswer : nil, problem: shared.down ? shared.problem : nil)
            // History is handed over once per (re)connection; the screen keeps it.
            input.engineHistory = shared.history
            shared.history = []
            return input
        }
    }

    /// The snapshot the screen shows now (for a dump).
    var snapshot: MetricsSnapshot { shared.withLock { $0.snapshot } }

    /// Shows the figures over `seconds` (at most the server's window) from the next read on.
    func setWindow(seconds: Int) {
        shared.withLock { $0.window = seconds >= serverWindow ? nil : seconds }
    }

    func run() async throws {
        var failures = 0
        var reconnecting = false
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await poll(fullHistory: reconnecting)
                if reconnecting { logger.notice("attached again to \(engine.base)") }
                failures = 0
                reconnecting = false
                await pause(Self.interval)
            } catch {
                failures += 1
                if !reconnecting { logger.warning("lost \(engine.base): \(error.short); retrying") }
                reconnecting = true
                shared.withLock {
                    $0.down = true
                    $0.problem = error.short
                }
                await pause(Self.backoff.delay(afterFailures: failures, using: &random))
            }
        }
    }

    /// One round: the snapshot (and, after a lost connection, the history the screen missed),
    /// then the colo up close if there is one.
    private func poll(fullHistory: Bool) async throws(RemoteError) {
        let (window, seen, wanted) = shared.withLock { shared in
            shared.wantedChanged = false
            return (shared.window, shared.snapshot.transitionCount, shared.wanted)
        }
        let history = fullHistory ? try await engine.history() : nil
        var since = fullHistory ? 0 : seen
        var snapshot = try await engine.snapshot(window: window, since: since)
        if snapshot.transitionCount < since {
            // The server started again (its count went back): read its whole log.
            since = 0
            snapshot = try await engine.snapshot(window: window, since: 0)
        }
        let detail = try await wanted.asyncMap { colo throws(RemoteError) in try await engine.detail(colo: colo, window: window) }
        let time = now()
        shared.withLock { shared in
            // An answer since a count holds only the changes after it: the rest are here already.
            if since > 0 {
                snapshot.recentTransitions = Array((snapshot.recentTransitions + shared.snapshot.recentTransitions).prefix(MetricsMonitor.defaultTransitionLogSize))
            }
            shared.snapshot = snapshot
            // With the link marked up in the same step, so the screen never sees one without the other.
            if let history { shared.history = Self.points(history) }
            if shared.wanted == wanted { shared.detail = detail ?? nil }
            shared.lastAnswer = time
            shared.down = false
            shared.problem = nil
        }
    }

    /// Sleeps for `duration`, or less when the screen opens another colo up close.
    private func pause(_ duration: Duration) async {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end && !Task.isCancelled && !Task.isShuttingDownGracefully {
            if shared.withLock({ $0.wantedChanged }) && !shared.withLock({ $0.down }) { return }
            try? await Task.sleep(for: min(.milliseconds(50), end - clock.now))
        }
    }

    static func points(_ samples: [HistorySample]) -> [HistoryPoint] {
        samples.map { HistoryPoint(time: $0.time, p95: $0.p95LatencyMs, hitRate: $0.hitRate) }
    }
}

extension Optional {
    /// `map` for an async closure that throws one error type.
    func asyncMap<T, E: Error>(_ transform: (Wrapped) async throws(E) -> T) async throws(E) -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
