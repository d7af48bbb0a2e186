import AsyncHTTPClient
import Foundation
import Logging
import LookupCore
import EdgeHTTP
import MetricsEngine
import NIOCore
import ServiceLifecycle
import Synchronization

/// Forwards this process's metric events to another edgewatch's `/ingest` (`serve --report-to`),
/// so several instances feed one console.
///
/// The event pump hands it each batch (``offer(_:)``), which only appends to a bounded buffer:
/// it never waits, so it can never slow a lookup. When the buffer is full, new events are dropped
/// and counted. Once a second (or sooner, past ``Settings/batchLimit`` waiting) the waiting events
/// go out as one NDJSON POST, each stamped with this instance's `source`, under one deadline over
/// the whole exchange. A batch the receiver could not take (network error, timeout, 5xx, 429)
/// is sent again after a backoff that doubles up to a ceiling, with jitter; one it refused for
/// good (401, 403, other 4xx) is counted as rejected and not sent again.
///
/// Only events without a `source` are forwarded: an event another instance forwarded here stays
/// here, so two instances reporting to each other cannot loop. An instance with nothing to send
/// for ``Settings/heartbeat`` posts an empty body naming itself (`X-Edgewatch-Source`), so a
/// quiet instance is not mistaken for a dead one.
public final class EventReporter: Service, Sendable {
    public struct Settings: Sendable {
        /// The receiver's ingest URL.
        public var url: String
        /// The `Authorization` header value, when the receiver's `/ingest` takes a token.
        public var authorization: String?
        /// This instance's id; resolved when the first batch goes (the port may be known only then).
        public var source: @Sendable () -> String
        public var capacity = 50_000
        public var batchLimit = 5_000
        public var interval: Duration = .seconds(1)
        public var heartbeat: Duration = .seconds(4)
        public var timeout: Duration = .seconds(5)
        public var backoff = RetryBackoff()

        public init(url: String, authorization: String?, source: @escaping @Sendable () -> String) {
            self.url = url
            self.authorization = authorization
            self.source = source
        }
    }

    /// What became of the events offered.
    public struct Counts: Sendable, Equatable {
        /// Accepted by the receiver.
        public var sent = 0
        /// Lost because the buffer was full.
        public var dropped = 0
        /// Refused by the receiver for good (bad token, bad lines).
        public var rejected = 0
        /// Sends that failed and were tried again.
        public var retries = 0
        /// Waiting to go, including a batch being retried.
        public var waiting = 0
    }

    public let settings: Settings
    private let buffer = Mutex<(events: [MetricEvent], counts: Counts)>(([], Counts()))
    /// When the receiver last answered, and how it last refused a batch for good (logged once per change).
    private let contact = Mutex<(last: ContinuousClock.Instant?, refusal: Int?)>((nil, nil))
    private let client: HTTPClient
    private let logger: Logger

    public init(settings: Settings, loops: EventLoops, logger: Logger) {
        self.settings = settings
        self.logger = logger
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: .seconds(Int64(settings.timeout.components.seconds)), read: .seconds(Int64(settings.timeout.components.seconds)))
        )
        configuration.decompression = .disabled
        // A refused connection fails this attempt now; the backoff decides when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        // A redirect would carry the token somewhere the operator did not name.
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: loops.group, configuration: configuration)
    }

    public var counts: Counts { buffer.withLock { $0.counts } }

    /// Takes a batch from the pump: those without a `source` are kept for sending, as many as fit.
    public func offer(_ events: [MetricEvent]) {
        buffer.withLock { buffer in
            for event in events where event.source == nil {
                if buffer.events.count < settings.capacity {
                    buffer.events.append(event)
                } else {
                    buffer.counts.dropped += 1
                }
            }
            buffer.counts.waiting = buffer.events.count
        }
    }

    /// Sends until graceful shutdown, then makes one last attempt with what is waiting.
    public func run() async {
        var attempt = 0
        var failing = false
        var rng = SystemRandomNumberGenerator()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let delay = attempt == 0 ? settings.interval : settings.backoff.delay(afterFailures: attempt, using: &rng)
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: delay) }
            var outcome = await sendWaiting()
            // A backlog goes out batch after batch, not one batch a second.
            while outcome == .sent, counts.waiting >= settings.batchLimit, !Task.isShuttingDownGracefully {
                outcome = await sendWaiting()
            }
            switch outcome {
            case .sent, .nothing:
                if failing { logger.notice("reporting to \(settings.url) works again") }
                failing = false
                attempt = 0
            case .failed(let reason):
                if !failing { logger.warning("reporting to \(settings.url) failed (\(reason)); retrying with backoff, \(counts.waiting) events waiting") }
                failing = true
                attempt += 1
            }
        }
        _ = await sendWaiting(heartbeat: false)
        let final = counts
        logger.notice("reporting stopped", metadata: [
            "sent": "\(final.sent)", "dropped": "\(final.dropped)", "rejected": "\(final.rejected)",
            "retries": "\(final.retries)", "unsent": "\(final.waiting)",
        ])
        await shutdown()
    }

    /// Closes the HTTP client (``run()`` does this as it ends).
    public func shutdown() async {
        try? await client.shutdown()
    }

    enum Outcome: Equatable { case nothing, sent, failed(String) }

    /// Sends the oldest waiting events (up to the batch limit) once. They leave the buffer only
    /// when the receiver answered for them. With nothing waiting, sends a heartbeat when one is due.
    func sendWaiting(heartbeat: Bool = true) async -> Outcome {
        let batch = buffer.withLock { Array($0.events.prefix(settings.batchLimit)) }
        let source = settings.source()
        guard !batch.isEmpty else { return heartbeat ? await self.heartbeat(source: source) : .nothing }
        var body = ""
        body.reserveCapacity(batch.count * 220)
        for var event in batch {
            event.source = source
            body += EventCodec.encode(event) + "\n"
        }
        var request = post(ByteBuffer(string: body), source: source)
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        let status: Int
        let reply: ByteBuffer
        do {
            guard let answer = try await BoundedExchange.perform(request, on: client, timeout: settings.timeout, maximumBodyBytes: 64 * 1024) else {
                return retry(batch.count, "no answer within \(settings.timeout)")
            }
            (status, reply) = answer
        } catch {
            return retry(batch.count, "\(type(of: error))")
        }
        switch status {
        case 200..<300:
            settle(batch.count, refusal: nil) { $0.sent += batch.count }
            return .sent
        case 400:
            // Some lines refused; the rest were taken (the reply says how many, and why).
            let accepted = min(max(0, Self.accepted(in: reply) ?? 0), batch.count)
            settle(batch.count, refusal: 400, reason: Self.reason(in: reply)) { $0.sent += accepted; $0.rejected += batch.count - accepted }
            return .sent
        case 408, 429, 500...:
            return retry(batch.count, "HTTP \(status)")
        default:
            settle(batch.count, refusal: status) { $0.rejected += batch.count }
            return .sent
        }
    }

    /// A POST of `body` to the receiver, naming this instance, with the token when there is one.
    private func post(_ body: ByteBuffer, source: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: MetricsRoutes.sourceHeader.rawName, value: source)
        if let authorization = settings.authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(body)
        return request
    }

    /// An empty POST naming this instance, when nothing has reached the receiver for a heartbeat.
    private func heartbeat(source: String) async -> Outcome {
        let last = contact.withLock { $0.last }
        if let last, ContinuousClock.now - last < settings.heartbeat { return .nothing }
        let request = post(ByteBuffer(), source: source)
        let answer: (status: Int, body: ByteBuffer)?
        do {
            answer = try await BoundedExchange.perform(request, on: client, timeout: settings.timeout, maximumBodyBytes: 64 * 1024)
        } catch {
            return .failed("heartbeat: \(type(of: error))")
        }
        guard let answer else { return .failed("heartbeat: no answer within \(settings.timeout)") }
        switch answer.status {
        case 200..<300:
            settle(0, refusal: nil) { _ in }
            return .nothing
        case 408, 429, 500...:
            return .failed("heartbeat: HTTP \(answer.status)")
        default:
            // Refused for good (a wrong token or path): said once, then heartbeats back off like failures.
            settle(0, refusal: answer.status, reason: Self.reason(in: answer.body)) { _ in }
            return .failed("heartbeat refused: HTTP \(answer.status)")
        }
    }

    /// Takes an answered batch out of the buffer. A refusal (a status that is not retried) is
    /// logged when it starts or changes, not for every batch.
    private func settle(_ count: Int, refusal: Int?, reason: String? = nil, _ update: (inout Counts) -> Void) {
        let totals = buffer.withLock { buffer in
            buffer.events.removeFirst(min(count, buffer.events.count))
            update(&buffer.counts)
            buffer.counts.waiting = buffer.events.count
            return buffer.counts
        }
        let previous = contact.withLock { contact in
            defer { contact = (.now, refusal) }
            return contact.refusal
        }
        guard let refusal, refusal != previous else { return }
        let hint = refusal == 401 || refusal == 403 ? "; check --report-token-file" : refusal == 404 ? "; check the --report-to path" : ""
        let why = reason.map { " (\($0))" } ?? ""
        logger.warning("\(settings.url) refuses events with HTTP \(refusal)\(why)\(hint); \(totals.rejected) rejected so far, not sent again")
    }

    /// The receiver's `error` text, kept to 200 printable ASCII characters for the log.
    static func reason(in reply: ByteBuffer) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any],
              let text = object["error"] as? String else { return nil }
        return String(String.UnicodeScalarView(text.unicodeScalars.filter { (0x20...0x7E).contains($0.value) }).prefix(200))
    }

    private func retry(_ count: Int, _ reason: String) -> Outcome {
        buffer.withLock { $0.counts.retries += 1 }
        return .failed(reason)
    }

    static func accepted(in reply: ByteBuffer) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any] else { return nil }
        return (object["accepted"] as? NSNumber)?.intValue
    }
}

/// Exponential backoff with full jitter (as AWS's architecture blog describes it): after `n`
/// failures, a delay drawn uniformly from zero to `min(ceiling, first × 2ⁿ⁻¹)`, never below
/// `floor`. Pure: the randomness is passed in.
public struct RetryBackoff: Sendable, Equatable {
    public var first: Duration = .milliseconds(500)
    public var ceiling: Duration = .seconds(30)
    public var floor: Duration = .milliseconds(100)

    public init(first: Duration = .milliseconds(500), ceiling: Duration = .seconds(30), floor: Duration = .milliseconds(100)) {
        self.first = first
        self.ceiling = ceiling
        self.floor = floor
    }

    public func delay(afterFailures failures: Int, using rng: inout some RandomNumberGenerator) -> Duration {
        let doublings = min(max(0, failures - 1), 30)
        let cap = min(ceiling, first * (1 << doublings))
        let millis = Int64(cap.components.seconds * 1000 + cap.components.attoseconds / 1_000_000_000_000_000)
        let floorMillis = Int64(floor.components.seconds * 1000 + floor.components.attoseconds / 1_000_000_000_000_000)
        return .milliseconds(max(floorMillis, Int64.random(in: 0...max(0, millis), using: &rng)))
    }
}
