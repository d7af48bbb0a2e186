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
        /// When the snapshot last moved on (a new `generatedAt`): a server that answers with the
        /// same figures has an engine that stopped.
        var lastAdvance: Int64
    }

    private let shared: Mutex<Shared>

    /// A feed starting from what the first contact read.
    init(engine: RemoteEngine, capabilities: Capabilities, serverWindow: Int, first: MetricsSnapshot, history: [HistorySample],
         now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.engine = engine
        self.capabilities = capabilities
        self.now = now
        self.logger = logger
        let time = now()
        shared = Mutex(Shared(snapshot: first, history: Self.points(history), serverWindow: serverWindow, lastAnswer: time, lastAdvance: time))
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
            let still = time - shared.lastAdvance
            if shared.down || silent > Self.staleAfterMillis {
                input.link = LinkStatus(url: engine.base, downMillis: silent, problem: shared.problem ?? "no answer for \(silent / 1000) s")
            } else if still > Self.staleAfterMillis {
                input.link = LinkStatus(url: engine.base, downMillis: still, problem: "it answers, but its figures have not moved for \(still / 1000) s")
            } else {
                input.link = LinkStatus(url: engine.base)
            }
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
        shared.withLock { shared in
            shared.window = seconds >= shared.serverWindow ? nil : seconds
            // The colo up close is read again over the new window, at once.
            shared.detail = nil
            shared.detailFetched = false
            shared.wantedChanged = true
        }
    }

    /// The colo up close is read again this often, and never sooner than ``detailGap`` after the
    /// last read (keys that move the selection quickly do not become a burst of reads).
    static let detailInterval: Int64 = 1_000
    static let detailGap: Int64 = 250

    /// Reads until the console quits; a read in flight then is cancelled, not waited for (a hung
    /// server would otherwise hold the quit for a whole exchange deadline).
    func run() async throws {
        await cancelWhenGracefulShutdown { await self.readUntilCancelled() }
    }

    /// The snapshot's reads and the detail's, side by side: a slow detail never holds back the
    /// snapshot, whose reads alone say whether the connection is up.
    private func readUntilCancelled() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.readSnapshots() }
            group.addTask { await self.readDetails() }
        }
    }

    private func readSnapshots() async {
        let clock = ContinuousClock()
        var failures = 0
        var reconnecting = false
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let started = clock.now
            do {
                try await poll(reconnecting: reconnecting)
                if reconnecting { logger.notice("attached again to \(engine.base)") }
                failures = 0
                reconnecting = false
                try? await Task.sleep(until: started + Self.interval, clock: clock)
            } catch {
                failures += 1
                if !reconnecting { logger.warning("lost \(engine.base): \(error.short); retrying") }
                reconnecting = true
                shared.withLock {
                    $0.down = true
                    $0.problem = error.short
                }
                try? await Task.sleep(for: Self.backoff.delay(afterFailures: failures, using: &random))
            }
        }
    }

    private func readDetails() async {
        var lastDetail: Int64 = .min / 2
        while !Task.isCancelled {
            let time = now()
            let (wanted, changed, down) = shared.withLock { ($0.wanted, $0.wantedChanged, $0.down) }
            if !down, let wanted, time - lastDetail >= Self.detailGap, changed || time - lastDetail >= Self.detailInterval {
                lastDetail = time
                await readDetail(wanted)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// One snapshot, and on reconnecting what the server is now (its window) and the history the
    /// screen missed. A server that started again (its engine's start or its count moved) is read
    /// whole at once, as on reconnecting.
    private func poll(reconnecting: Bool) async throws(RemoteError) {
        let (window, seen, started) = shared.withLock { ($0.window, $0.snapshot.transitionCount, $0.snapshot.engineStartedAt) }
        var about: ReadRoutes.About?
        var history: [HistorySample]?
        if reconnecting {
            about = try await engine.about()
            history = try await engine.history()
        }
        let since = reconnecting ? 0 : seen
        var snapshot = try await engine.snapshot(window: window, since: since)
        if since > 0 && (snapshot.transitionCount < since || snapshot.engineStartedAt != started) {
            logger.notice("\(engine.base) started again: reading it whole")
            return try await poll(reconnecting: true)
        }
        let time = now()
        shared.withLock { shared in
            if since > 0 {
                // The answer may hold more than asked (the server rounds up, so readers share
                // answers): the newest it lacks, then what it has.
                let new = min(snapshot.transitionCount - since, snapshot.recentTransitions.count)
                snapshot.recentTransitions = Array((snapshot.recentTransitions.prefix(new) + shared.snapshot.recentTransitions).prefix(MetricsMonitor.defaultTransitionLogSize))
            }
            if snapshot.generatedAt != shared.snapshot.generatedAt { shared.lastAdvance = time }
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
            // Another colo, or another window, asked for meanwhile: this answer is not for the screen.
            guard shared.wanted == colo, shared.window == window, !shared.wantedChanged else { return }
            shared.detail = detail
            shared.detailFetched = true
        }
    }

    static func points(_ samples: [HistorySample]) -> [HistoryPoint] {
        samples.map { HistoryPoint(time: $0.time, p95: $0.p95LatencyMs, hitRate: $0.hitRate) }
    }
}
