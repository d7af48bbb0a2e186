import Foundation
import Synchronization

/// The answer to one `/lookup/customer` request, and the event it emitted.
public struct LookupReply: Sendable, Equatable {
    public var status: Int
    public var body: String
    public var event: MetricEvent
}

/// A fresh cache hit's answer (always 200): its body, for the caller to write where it wants,
/// and the event it emitted.
public struct CachedReply: Sendable, Equatable {
    public var body: ProfileBody
    public var event: MetricEvent
}

/// The customer-lookup middleware: key normalisation, per-colo cache with stale copies, the
/// guarded CRM call, response and metric event. It does no I/O of its own: the CRM, the clocks
/// and the event sink are injected.
///
/// With a fresh entry the answer is immediate. With a stale copy (a found customer past its
/// TTL) it is immediate too within the stale-while-revalidate window, with one refresh behind
/// it; past that window the CRM gets `staleAfterMillis` before the caller gets the copy
/// (stale-if-error with a soft deadline). With nothing cached the caller waits for the CRM,
/// whose own deadline bounds the wait. A breaker that is open, or a full bulkhead, answers at
/// once: the stale copy if there is one, else the fail-open shape.
public struct CustomerLookup: Sendable {
    public let settings: LookupSettings
    public let caches: ColoCaches
    /// CRM calls: coalescing per key and colo, the bulkhead and the circuit breaker.
    public let calls: CRMCalls
    private let clocks: any LookupClocks
    private let sink: any MetricSink
    private let notFound: CustomerProfile

    public init(
        settings: LookupSettings, caches: ColoCaches, crm: any CustomerDirectory,
        clocks: any LookupClocks, sink: any MetricSink
    ) {
        self.settings = settings
        self.caches = caches
        self.calls = CRMCalls(crm: crm, clocks: clocks, maximumConcurrent: settings.crmConcurrency, breaker: settings.breaker)
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
        let cacheKey = CacheKey(key)
        switch caches.cache(for: colo).read(cacheKey, now: timer.startMillis) {
        case .hit(let profile), .replicatedHit(let profile):
            return finish(profile: profile, colo: colo, timer: &timer, cacheHit: true)
        case .stale(let copy, let millis) where millis < settings.staleWhileRevalidateMillis:
            // Stale-while-revalidate: answer now; one refresh (joined with any in flight) behind it.
            // A refresh the breaker or the bulkhead turns away is said, not hidden.
            if case .rejected(let failure) = admit(key, cacheKey: cacheKey, colo: colo) {
                return finish(stale: copy, colo: colo, timer: &timer, failure: failure)
            }
            return finish(stale: copy, colo: colo, timer: &timer, failure: nil)
        case .stale(let copy, _):
            return await staleIfError(copy, key: key, cacheKey: cacheKey, colo: colo, timer: &timer)
        case .miss, .awaitingReplication:
            switch admit(key, cacheKey: cacheKey, colo: colo) {
            case .rejected(let failure):
                return finish(failure: failure, colo: colo, timer: &timer)
            case .call(let call):
                timer.pauseCPU()
                let outcome = await call.value
                timer.resumeCPU()
                return finish(outcome: outcome, colo: colo, timer: &timer)
            }
        }
    }

    /// The reply when the answer is a fresh cache entry: read, counted, timed and emitted exactly
    /// as ``respond(to:coloHeader:)`` does for a hit. Nil, with nothing counted or emitted, for
    /// anything else, which ``respond(to:coloHeader:)`` then answers. Never waits.
    public func respondFromCache(to body: UnsafeRawBufferPointer, coloHeader: String?) -> CachedReply? {
        var timer = RequestTimer(clocks: clocks)
        let colo = colo(header: coloHeader)
        guard let request = try? LookupRequest.decode(body), let key = LookupKey.from(ani: request.ani, email: request.email) else {
            return nil
        }
        switch caches.cache(for: colo).readIfFresh(CacheKey(key), now: timer.startMillis) {
        case .hit(let profile)?, .replicatedHit(let profile)?:
            let time = timer.stop()
            let body = ProfileBody(profile: profile, latency: time.latency, cacheHit: true, stale: false, errorType: "", error: nil)
            let event = emit(colo: colo, time: time, cacheHit: true, found: profile.contactFound, eventError: nil)
            return CachedReply(body: body, event: event)
        default:
            return nil
        }
    }

    /// Past the revalidation window: the CRM gets until the soft deadline, then the caller gets
    /// the copy, with the failure that made it stale. The call runs on to its own deadline.
    private func staleIfError(
        _ copy: CustomerProfile, key: LookupKey, cacheKey: CacheKey, colo: Colo, timer: inout RequestTimer
    ) async -> LookupReply {
        switch admit(key, cacheKey: cacheKey, colo: colo) {
        case .rejected(let failure):
            return finish(stale: copy, colo: colo, timer: &timer, failure: failure)
        case .call(let call):
            timer.pauseCPU()
            let deadline = timer.started + UInt64(max(0, settings.staleAfterMillis)) * 1_000_000
            let outcome = await FirstOf.value(of: call, orNilAt: deadline, clocks: clocks)
            timer.resumeCPU()
            switch outcome {
            case .some(.failed(let failure)): return finish(stale: copy, colo: colo, timer: &timer, failure: failure)
            case .some(let answer): return finish(outcome: answer, colo: colo, timer: &timer)
            case nil: return finish(stale: copy, colo: colo, timer: &timer, failure: .timeout)
            }
        }
    }

    /// A call for this key and colo, which caches what the CRM answers when it ends.
    private func admit(_ key: LookupKey, cacheKey: CacheKey, colo: Colo) -> CRMCalls.Admission {
        let caches = self.caches
        let clocks = self.clocks
        let settings = self.settings
        let notFound = self.notFound
        return calls.admit(colo.code + "|" + key.cacheKey, key: key, colo: colo) { outcome in
            let now = clocks.monotonicMillis
            switch outcome {
            case .found(let record):
                caches.store(.found(record, queues: settings.queues), for: cacheKey, colo: colo, now: now,
                             ttlMillis: settings.foundTTLSeconds * 1000, staleMillis: settings.staleIfErrorMillis)
            case .notFound:
                caches.store(notFound, for: cacheKey, colo: colo, now: now, ttlMillis: settings.notFoundTTLSeconds * 1000)
            case .failed:
                // Never cache an outage.
                break
            }
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
        return emit(status: status, body: JSONText.errorObject(message), colo: colo(header: coloHeader), time: timer.stop(),
                    cacheHit: false, found: false, eventError: MetricEvent.unauthorized)
    }

    private func finish(outcome: CRMOutcome, colo: Colo, timer: inout RequestTimer) -> LookupReply {
        switch outcome {
        case .found(let record):
            return finish(profile: .found(record, queues: settings.queues), colo: colo, timer: &timer, cacheHit: false)
        case .notFound:
            return finish(profile: notFound, colo: colo, timer: &timer, cacheHit: false)
        case .failed(let failure):
            return finish(failure: failure, colo: colo, timer: &timer)
        }
    }

    /// Fail open with the not-found shape and the failure's `errorType`.
    private func finish(failure: CRMFailure, colo: Colo, timer: inout RequestTimer) -> LookupReply {
        finish(profile: notFound, colo: colo, timer: &timer, cacheHit: false, errorType: failure.rawValue, eventError: failure.rawValue)
    }

    /// A stale copy: the customer's fields, `cacheHit` and `stale` true, and the failure that
    /// made it stale (none for a revalidation).
    private func finish(stale copy: CustomerProfile, colo: Colo, timer: inout RequestTimer, failure: CRMFailure?) -> LookupReply {
        finish(profile: copy, colo: colo, timer: &timer, cacheHit: true, stale: true,
               errorType: failure?.rawValue ?? "", eventError: failure?.rawValue)
    }

    private func finish(refusal: BadRequest, colo: Colo, timer: inout RequestTimer) -> LookupReply {
        let body = JSONText.errorObject(refusal.message)
        return emit(status: refusal.status, body: body, colo: colo, time: timer.stop(), cacheHit: false,
                    found: false, eventError: MetricEvent.badRequest)
    }

    private func finish(
        profile: CustomerProfile, colo: Colo, timer: inout RequestTimer, cacheHit: Bool, stale: Bool = false,
        errorType: String = "", eventError: String? = nil, error: String? = nil
    ) -> LookupReply {
        let time = timer.stop()
        let body = ProfileBody(profile: profile, latency: time.latency, cacheHit: cacheHit, stale: stale, errorType: errorType, error: error)
        return emit(status: 200, body: body.text, colo: colo, time: time, cacheHit: cacheHit,
                    found: profile.contactFound, eventError: eventError, stale: stale)
    }

    private func emit(
        status: Int, body: String, colo: Colo, time: (latency: Double, cpu: Double),
        cacheHit: Bool, found: Bool, eventError: String?, stale: Bool = false
    ) -> LookupReply {
        let event = emit(colo: colo, time: time, cacheHit: cacheHit, found: found, eventError: eventError, stale: stale)
        return LookupReply(status: status, body: body, event: event)
    }

    /// The event, with the same latency the body reports.
    private func emit(
        colo: Colo, time: (latency: Double, cpu: Double), cacheHit: Bool, found: Bool, eventError: String?, stale: Bool = false
    ) -> MetricEvent {
        let event = MetricEvent(
            timestamp: clocks.epochMillis(), colo: colo.code, latencyMs: time.latency,
            cacheHit: cacheHit, customerFound: found, errorType: eventError, cpuMs: time.cpu, stale: stale ? true : nil
        )
        sink.emit(event)
        return event
    }
}

/// Waits for a task's value or a deadline, whichever comes first, without waiting for the other.
/// (A task group would wait for the child awaiting the value, which cannot be cancelled.)
enum FirstOf {
    static func value<T: Sendable>(of task: Task<T, Never>, orNilAt deadline: UInt64, clocks: any LookupClocks) async -> T? {
        let once = Once<T?>()
        return await withCheckedContinuation { continuation in
            once.set(continuation)
            let timer = clocks.schedule(atNanos: deadline) { once.resume(with: nil) }
            Task {
                let value = await task.value
                once.resume(with: value)
                timer.cancel()
            }
        }
    }
}

/// Resumes a continuation once, whichever of several racers arrives first.
final class Once<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, Never>?, done: Bool)>((nil, false))

    func set(_ continuation: CheckedContinuation<T, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func resume(with value: T) {
        let continuation = state.withLock { state -> CheckedContinuation<T, Never>? in
            guard !state.done else { return nil }
            state.done = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(returning: value)
    }
}
