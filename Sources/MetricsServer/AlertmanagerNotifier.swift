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
/// Once a second it reads the snapshot the ticker last published (it never touches a lookup or
/// the engine's lock beyond that read) into an ``AlertBook``; it sends when the firing set
/// changes and every ``Settings/resend`` while alerts hold, with `endsAt` past the next resend.
/// Each POST has one deadline over the whole exchange; a failed round is tried again after a
/// jittered backoff, and failures are counted (`/metrics`). What waits is the book itself,
/// bounded by the engine's rows: there is no queue to grow.
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
        /// The last failure, in a few words; nil once a round succeeds.
        public var lastFailure: String?
    }

    public let settings: Settings
    private let monitor: LiveMonitor
    private let book: Mutex<AlertBook>
    private let state = Mutex(Counts())
    private let client: HTTPClient
    private let logger: Logger
    private let wallClock: @Sendable () -> Int64

    public init(settings: Settings, book: AlertBook, monitor: LiveMonitor, loops: EventLoops, logger: Logger,
                wallClock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.settings = settings
        self.monitor = monitor
        self.book = Mutex(book)
        self.logger = logger
        self.wallClock = wallClock
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: loops.group, configuration: configuration)
    }

    public var counts: Counts { state.withLock { $0 } }

    public func run() async {
        var lastTaken: Int64 = .min
        var lastSend: ContinuousClock.Instant?
        var retryAt: ContinuousClock.Instant?
        var failures = 0
        var rng = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let snapshot = monitor.snapshot
            var changed = false
            if snapshot.generatedAt != lastTaken {
                lastTaken = snapshot.generatedAt
                changed = book.withLock { $0.take(snapshot, nowMillis: wallClock()) }
            }
            let now = clock.now
            let resendDue = lastSend.map { now - $0 >= settings.resend } ?? true
            let retryDue = retryAt.map { now >= $0 } ?? false
            let anything = book.withLock { $0.firing > 0 || $0.resolving > 0 } || changed
            if (changed || retryDue || (resendDue && anything)) && (retryAt == nil || retryDue) {
                if await sendRound() {
                    failures = 0
                    retryAt = nil
                } else {
                    failures += 1
                    retryAt = clock.now + settings.backoff.delay(afterFailures: failures, using: &rng)
                }
                lastSend = clock.now
            }
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(1)) }
        }
        try? await client.shutdown()
    }

    /// Closes the client when the notifier never ran.
    public func shutdown() async {
        try? await client.shutdown()
    }

    /// Posts the book's alerts to every URL at once; true when every one accepted them.
    func sendRound() async -> Bool {
        let (alerts, firing) = book.withLock { ($0.payload(nowMillis: wallClock()), $0.firing) }
        state.withLock { $0.firing = firing }
        guard !alerts.isEmpty, let body = try? JSONEncoder().encode(alerts) else { return true }
        let results = await withTaskGroup(of: String?.self) { group in
            for url in settings.urls {
                group.addTask { await self.post(body, to: url) }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        let wasFailing = counts.lastFailure != nil
        state.withLock { counts in
            counts.sent += settings.urls.count - results.count
            counts.failed += results.count
            counts.lastFailure = results.first
        }
        if let first = results.first, !wasFailing { logger.warning("alerts to Alertmanager failed (\(first)); retrying with backoff") }
        if results.isEmpty && wasFailing { logger.notice("alerts reach Alertmanager again") }
        if results.isEmpty { book.withLock { $0.delivered() } }
        return results.isEmpty
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
