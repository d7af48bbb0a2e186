import Foundation
/// The CRM as the lookup sees it: one call per cache miss.
public protocol CustomerDirectory: Sendable {
    func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome
}

/// The clocks a lookup reads, injected so tests control time.
public protocol LookupClocks: Sendable {
    /// Monotonic time in nanoseconds, for latency and cache expiry.
    func monotonicNanos() -> UInt64
    /// Wall-clock time in milliseconds since the Unix epoch, for event timestamps.
    func epochMillis() -> Int64
    /// CPU time consumed so far by the calling thread, in nanoseconds.
    func threadCPUNanos() -> UInt64
}

extension LookupClocks {
    /// Monotonic time in whole milliseconds: the cache's time.
    public var monotonicMillis: Int64 { Int64(monotonicNanos() / 1_000_000) }
}

/// Settings of the lookup itself (the HTTP side has its own).
public struct LookupSettings: Sendable {
    public var serverColo: Colo
    public var foundTTLSeconds: Int64
    public var notFoundTTLSeconds: Int64
    public var queues: TierQueueMap

    public init(
        serverColo: Colo = Colo("DEV")!, foundTTLSeconds: Int64 = 300, notFoundTTLSeconds: Int64 = 60,
        queues: TierQueueMap = TierQueueMap()
    ) {
        self.serverColo = serverColo
        self.foundTTLSeconds = foundTTLSeconds
        self.notFoundTTLSeconds = notFoundTTLSeconds
        self.queues = queues
    }
}

/// The answer to one `/lookup/customer` request, and the event it emitted.
public struct LookupReply: Sendable, Equatable {
    public var status: Int
    public var body: String
    public var event: MetricEvent
}

/// The customer-lookup middleware: key normalisation, per-colo cache, CRM call, response and
/// metric event. It does no I/O of its own: the CRM, the clocks and the event sink are injected.
public struct CustomerLookup: Sendable {
    public let settings: LookupSettings
    public let caches: ColoCaches
    /// Misses for the same key in the same colo share one CRM call.
    public let inFlight = InFlightLookups()
    private let crm: any CustomerDirectory
    private let clocks: any LookupClocks
    private let sink: any MetricSink
    private let notFound: CustomerProfile

    public init(
        settings: LookupSettings, caches: ColoCaches, crm: any CustomerDirectory,
        clocks: any LookupClocks, sink: any MetricSink
    ) {
        self.settings = settings
        self.caches = caches
        self.crm = crm
        self.clocks = clocks
        self.sink = sink
        self.notFound = .notFound(queues: settings.queues)
    }

    /// The colo a request is served from: a valid `X-Edge-Colo` header, else the server's own.
    public func colo(header: String?) -> Colo {
        header.flatMap { Colo($0) } ?? settings.serverColo
    }

    /// Handles one request body. Always returns a JSON body and emits exactly one event.
    public func respond(to body: Data, coloHeader: String?) async -> LookupReply {
        var timer = RequestTimer(clocks: clocks)
        let colo = colo(header: coloHeader)
        let request: LookupRequest
        do {
            request = try LookupRequest.decode(body)
        } catch {
            return finish(refusal: error, colo: colo, timer: &timer)
        }
        guard let key = LookupKey.from(ani: request.ani, email: request.email) else {
            return finish(
                profile: notFound, colo: colo, timer: &timer, cacheHit: false,
                errorType: "", eventError: MetricEvent.noLookupKey, error: "No lookup key provided"
            )
        }
        let cacheKey = key.cacheKey
        if let cached = caches.cache(for: colo).profile(for: cacheKey, now: timer.nowMillis) {
            return finish(profile: cached, colo: colo, timer: &timer, cacheHit: true)
        }

        timer.pauseCPU()
        let crm = self.crm
        let (outcome, madeCall) = await inFlight.outcome(for: colo.code + "|" + cacheKey) { await crm.lookUp(key, from: colo) }
        timer.resumeCPU()

        switch outcome {
        case .found(let record):
            let profile = CustomerProfile.found(record, queues: settings.queues)
            let reply = finish(profile: profile, colo: colo, timer: &timer, cacheHit: false)
            // Requests that joined another's call leave the write (and its replication) to it.
            if madeCall {
                caches.store(profile, for: cacheKey, colo: colo, now: timer.nowMillis, ttlMillis: settings.foundTTLSeconds * 1000)
            }
            return reply
        case .notFound:
            let reply = finish(profile: notFound, colo: colo, timer: &timer, cacheHit: false)
            if madeCall {
                caches.store(notFound, for: cacheKey, colo: colo, now: timer.nowMillis, ttlMillis: settings.notFoundTTLSeconds * 1000)
            }
            return reply
        case .failed(let failure):
            // Fail open with the not-found shape, and never cache an outage.
            return finish(
                profile: notFound, colo: colo, timer: &timer, cacheHit: false,
                errorType: failure.rawValue, eventError: failure.rawValue
            )
        }
    }

    /// The reply to a request refused before it was read (for example a body over the limit).
    public func refuse(_ refusal: BadRequest, coloHeader: String?) -> LookupReply {
        var timer = RequestTimer(clocks: clocks)
        return finish(refusal: refusal, colo: colo(header: coloHeader), timer: &timer)
    }

    /// The reply to a request refused for its credentials (401) or throttled (429): the body
    /// is `{"error": message}` and the event's `errorType` is `unauthorized`.
    public func refuseAccess(status: Int, message: String, coloHeader: String?) -> LookupReply {
        var timer = RequestTimer(clocks: clocks)
        return emit(status: status, body: JSONText.errorObject(message), colo: colo(header: coloHeader), timer: &timer,
                    cacheHit: false, found: false, eventError: MetricEvent.unauthorized)
    }

    private func finish(refusal: BadRequest, colo: Colo, timer: inout RequestTimer) -> LookupReply {
        let body = JSONText.errorObject(refusal.message)
        return emit(status: refusal.status, body: body, colo: colo, timer: &timer, cacheHit: false,
                    found: false, eventError: MetricEvent.badRequest)
    }

    private func finish(
        profile: CustomerProfile, colo: Colo, timer: inout RequestTimer, cacheHit: Bool,
        errorType: String = "", eventError: String? = nil, error: String? = nil
    ) -> LookupReply {
        var body = "{" + profile.renderedFields
        body += ",\"latencyMs\":" + JSONText.milliseconds(timer.elapsedMillis)
        body += cacheHit ? ",\"cacheHit\":true" : ",\"cacheHit\":false"
        body += ",\"errorType\":" + JSONText.quoted(errorType)
        if let error { body += ",\"error\":" + JSONText.quoted(error) }
        body += "}"
        return emit(status: 200, body: body, colo: colo, timer: &timer, cacheHit: cacheHit,
                    found: profile.contactFound, eventError: eventError)
    }

    private func emit(
        status: Int, body: String, colo: Colo, timer: inout RequestTimer,
        cacheHit: Bool, found: Bool, eventError: String?
    ) -> LookupReply {
        timer.pauseCPU()
        let event = MetricEvent(
            timestamp: clocks.epochMillis(), colo: colo.code, latencyMs: timer.elapsedMillis,
            cacheHit: cacheHit, customerFound: found, errorType: eventError, cpuMs: timer.cpuMillis
        )
        sink.emit(event)
        return LookupReply(status: status, body: body, event: event)
    }
}

/// Wall time since the request started, and CPU time spent on it outside awaits.
struct RequestTimer {
    let clocks: any LookupClocks
    let started: UInt64
    private var cpuSpent: UInt64 = 0
    private var cpuSegmentStart: UInt64?

    init(clocks: any LookupClocks) {
        self.clocks = clocks
        started = clocks.monotonicNanos()
        cpuSegmentStart = clocks.threadCPUNanos()
    }

    var elapsedMillis: Double { Double(clocks.monotonicNanos() &- started) / 1_000_000 }
    var nowMillis: Int64 { clocks.monotonicMillis }
    var cpuMillis: Double { Double(cpuSpent) / 1_000_000 }

    /// Ends a CPU segment: call before an await, since the task may resume on another thread.
    mutating func pauseCPU() {
        guard let start = cpuSegmentStart else { return }
        let now = clocks.threadCPUNanos()
        if now > start { cpuSpent += now - start }
        cpuSegmentStart = nil
    }

    mutating func resumeCPU() {
        cpuSegmentStart = clocks.threadCPUNanos()
    }
}
