import AsyncHTTPClient
import EdgeHTTP
import Foundation
import Logging
import MetricsEngine
import NIOCore
import ServiceLifecycle
import Synchronization

/// Sends the engine's alert states to Alertmanager (API v2, `POST /api/v2/alerts`), to every URL
/// given (an HA pair gets each alert from each sender, as Prometheus does).
///
/// Each Alertmanager has a loop of its own, with its own ``AlertBook``, resend timer and backoff,
/// so a dead member of a pair never delays the live one. Once a second a loop reads the snapshot
/// the ticker last published (it never touches a lookup or the engine's lock beyond that read)
/// into its book; it sends when the firing set changes and every ``Settings/resend`` while alerts
/// hold, with `endsAt` past the next resend. Each POST has one deadline over the whole exchange; a
/// failed POST is tried again after a jittered backoff, and failures are counted (`/metrics`).
/// What waits is the books themselves, bounded by the engine's rows: there is no queue to grow.
public final class AlertmanagerNotifier: Service, Sendable {
    public struct Settings: Sendable {
        /// Alertmanager base URLs (`http://am:9093`); alerts go to `<url>/api/v2/alerts`.
        public var urls: [String]
        /// The `Authorization` header value, when Alertmanager sits behind one.
        public var authorization: String?
        public var resend: Duration = .seconds(30)
        public var timeout: Duration = .seconds(5)
        public var backoff = RetryBackoff(first: .seconds(1), ceiling: .seconds(30))

        public init(urls: [String], authorization: String?) {
            self.urls = urls
            self.authorization = authorization
        }
    }

    /// What the notifier has done.
    public struct Counts: Sendable, Equatable {
        /// POSTs Alertmanager accepted, and those that failed (network, deadline, non-2xx).
        public var sent = 0
        public var failed = 0
        /// Alerts firing now.
        public var firing = 0
        /// Why the last POST to each Alertmanager failed, by its place in ``Settings/urls``; nil
        /// once one succeeds.
        var failures: [Int: String] = [:]
        /// The failure to show, in a few words (naming the Alertmanager when there are several);
        /// nil while the last POST to every one succeeded.
        public var lastFailure: String?
    }

    public let settings: Settings
    private let monitor: LiveMonitor
    /// The book each Alertmanager's loop starts from, once it can be made: nil until the listener
    /// has bound its port, which names this instance in the alerts.
    private let makeBook: @Sendable () -> AlertBook?
    private let state = Mutex(Counts())
    private let client: HTTPClient
    private let logger: Logger
    private let wallClock: @Sendable () -> Int64

    public init(settings: Settings, book: @escaping @Sendable () -> AlertBook?, monitor: LiveMonitor, loops: EventLoops, logger: Logger,
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.settings = settings
        self.monitor = monitor
        self.makeBook = book
        self.logger = logger
        self.wallClock = wallClock
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: loops.group, configuration: configuration)
    }

    public var counts: Counts { state.withLock { $0 } }

    public func run() async {
        await withDiscardingTaskGroup { group in
            for index in settings.urls.indices {
                group.addTask { await self.run(target: index) }
            }
        }
        try? await client.shutdown()
    }

    /// Closes the client when the notifier never ran.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One Alertmanager's loop.
    private func run(target: Int) async {
        var book: AlertBook?
        var lastTaken: Int64 = .min
        var lastSend: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if book == nil { book = makeBook() }
            if var current = book {
                let snapshot = monitor.snapshot
                var changed = false
                if snapshot.generatedAt != lastTaken {
                    lastTaken = snapshot.generatedAt
                    // The snapshot's time, not this loop's: every Alertmanager gets the same startsAt.
                    changed = current.take(snapshot, nowMillis: snapshot.generatedAt)
                }
                let now = clock.now
                let resendDue = lastSend.map { now - $0 >= settings.resend } ?? true
                let retryDue = retryAt.map { now >= $0 } ?? false
                let anything = current.firing > 0 || current.resolving > 0 || changed
                if (changed || retryDue || (resendDue && anything)) && (retryAt == nil || retryDue) {
                    if await send(&current, to: target) {
                        failures = 0
                        retryAt = nil
                    } else {
                        failures += 1
                        retryAt = clock.now + settings.backoff.delay(afterFailures: failures, using: &rng)
                    }
                    lastSend = clock.now
                }
                book = current
            }
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(1)) }
        }
    }

    /// Posts `book`'s alerts to one Alertmanager; true when it accepted them.
    func send(_ book: inout AlertBook, to target: Int) async -> Bool {
        let alerts = book.payload(nowMillis: wallClock())
        let firing = book.firing
        state.withLock { $0.firing = firing }
        guard !alerts.isEmpty, let body = try? JSONEncoder().encode(alerts) else { return true }
        let url = settings.urls[target]
        // A stop does not wait out a POST's deadline: Alertmanager holds the alerts until endsAt.
        let failure = await cancelWhenGracefulShutdown { await self.post(body, to: url) }
        if Task.isShuttingDownGracefully || Task.isCancelled { return false }
        let wasFailing = state.withLock { counts in
            let was = counts.failures[target] != nil
            if failure == nil { counts.sent += 1 } else { counts.failed += 1 }
            counts.failures[target] = failure
            counts.lastFailure = counts.failures.min { $0.key < $1.key }.map { index, why in
                settings.urls.count > 1 ? "\(counts.failures.count) of \(settings.urls.count) Alertmanagers: \(settings.urls[index]): \(why)" : why
            }
            return was
        }
        if let failure, !wasFailing { logger.warning("alerts to Alertmanager \(url) failed (\(failure)); retrying with backoff") }
        if failure == nil && wasFailing { logger.notice("alerts reach Alertmanager \(url) again") }
        if failure == nil { book.delivered() }
        return failure == nil
    }

    /// One POST; nil when accepted, else why not.
    private func post(_ body: Data, to base: String) async -> String? {
        var request = HTTPClientRequest(url: (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/v2/alerts")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            guard let answer = try await BoundedExchange.perform(request, on: client, timeout: settings.timeout, maximumBodyBytes: 64 * 1024) else {
                return "no answer within \(settings.timeout.components.seconds) s"
            }
            return (200..<300).contains(answer.status) ? nil : "HTTP \(answer.status)"
        } catch {
            return String(String(describing: error).prefix(120))
        }
    }
}
