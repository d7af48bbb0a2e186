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
        /// The server's window: the longest a viewer can ask for (read again on reconnecting).
        var serverWindow: Int
        /// The colo the screen shows up close, whether it changed since the poller last read it,
        /// and whether its figures have come yet.
        var wanted: String?
        var wantedChanged = false
        var detailFetched = false
        /// The window this viewer asked for (nil: the server's).
        var window: Int?
        /// When the last snapshot came (monotonic ms), and, once a read failed, why.
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
        self.now = now
        self.logger = logger
        shared = Mutex(Shared(snapshot: first, history: Self.points(history), serverWindow: serverWindow, lastAnswer: now()))
    }

    /// With no snapshot for this long, the figures are old even before a read has failed: the
    /// screen greys them rather than let a hung server look live.
    static let staleAfterMillis: Int64 = 2_000

    func input(detailColo: String?) -> DashboardInput {
        let time = now()
        return shared.withLock { shared in
            if shared.wanted != detailColo {
                shared.wanted = detailColo
                shared.wantedChanged = true
                shared.detailFetched = false
                shared.detail = nil
            }
            var input = DashboardInput(snapshot: shared.snapshot)
            input.detail = shared.detail?.colo == detailColo ? shared.detail : nil
            input.detailPending = detailColo != nil && !shared.detailFetched
            input.windowLimit = shared.serverWindow
            let silent = time - shared.lastAnswer
            let down = shared.down || silent > Self.staleAfterMillis
            input.link = LinkStatus(url: engine.base, downMillis: down ? silent : nil,
                                    problem: down ? shared.problem ?? "no answer for \(silent / 1000) s" : nil)
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
        shared.withLock { $0.window = seconds >= $0.serverWindow ? nil : seconds }
    }

    /// The colo up close is read again this often, and never sooner than ``detailGap`` after the
    /// last read (keys that move the selection quickly do not become a burst of reads).
    static let detailInterval: Int64 = 1_000
    static let detailGap: Int64 = 250

    func run() async throws {
        let clock = ContinuousClock()
        var failures = 0
        var reconnecting = false
        var fullLog = false
        var nextSnapshot = clock.now + Self.interval
        var lastDetail: Int64 = .min / 2
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if clock.now >= nextSnapshot {
                do {
                    fullLog = try await poll(reconnecting: reconnecting, fullLog: fullLog)
                    if reconnecting { logger.notice("attached again to \(engine.base)") }
                    failures = 0
                    reconnecting = false
                    nextSnapshot = clock.now + Self.interval
                } catch {
                    failures += 1
                    if !reconnecting { logger.warning("lost \(engine.base): \(error.short); retrying") }
                    reconnecting = true
                    shared.withLock {
                        $0.down = true
                        $0.problem = error.short
                    }
                    nextSnapshot = clock.now + Self.backoff.delay(afterFailures: failures, using: &random)
                }
            }
            if !reconnecting {
                let time = now()
                let (wanted, changed) = shared.withLock { ($0.wanted, $0.wantedChanged) }
                if let wanted, time - lastDetail >= Self.detailGap, changed || time - lastDetail >= Self.detailInterval {
                    lastDetail = time
                    await readDetail(wanted)
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// One snapshot (and, on reconnecting, what the server is now and the history the screen
    /// missed); returns whether the next read must take the whole change log (the server started
    /// again: its count went back).
    private func poll(reconnecting: Bool, fullLog: Bool) async throws(RemoteError) -> Bool {
        let (window, seen) = shared.withLock { ($0.window, $0.snapshot.transitionCount) }
        var about: ReadRoutes.About?
        var history: [HistorySample]?
        if reconnecting {
            about = try await engine.about()
            history = try await engine.history()
        }
        let since = reconnecting || fullLog ? 0 : seen
        var snapshot = try await engine.snapshot(window: window, since: since)
        let restarted = snapshot.transitionCount < since
        let time = now()
        shared.withLock { shared in
            // An answer since a count holds only the changes after it: the rest are here already.
            // From a server that started again, the changes come whole at the next read.
            if since > 0 && !restarted {
                // The answer may hold more than asked (the server rounds up, so readers share
                // answers): the newest it lacks, then what it has.
                let new = min(snapshot.transitionCount - since, snapshot.recentTransitions.count)
                snapshot.recentTransitions = Array((snapshot.recentTransitions.prefix(new) + shared.snapshot.recentTransitions).prefix(MetricsMonitor.defaultTransitionLogSize))
            }
            shared.snapshot = snapshot
            if let about {
                shared.serverWindow = about.windowSeconds
                if let window = shared.window, window >= about.windowSeconds { shared.window = nil }
            }
            // With the link marked up in the same step, so the screen never sees one without the other.
            if let history { shared.history = Self.points(history) }
            shared.lastAnswer = time
            shared.down = false
            shared.problem = nil
        }
        return restarted
    }

    /// The colo up close, over the viewer's window. A failed read keeps what the screen has: the
    /// snapshot's reads decide whether the connection is up.
    private func readDetail(_ colo: String) async {
        let window = shared.withLock { shared in
            shared.wantedChanged = false
            return shared.window
        }
        let detail: ColoDetail?
        do { detail = try await engine.detail(colo: colo, window: window) } catch { return }
        shared.withLock { shared in
            guard shared.wanted == colo else { return }
            shared.detail = detail
            shared.detailFetched = true
        }
    }

    static func points(_ samples: [HistorySample]) -> [HistoryPoint] {
        samples.map { HistoryPoint(time: $0.time, p95: $0.p95LatencyMs, hitRate: $0.hitRate) }
    }
}
