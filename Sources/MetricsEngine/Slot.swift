import LookupCore

/// Counts that add up across slots and colos.
public struct Tally: Sendable, Equatable, Codable {
    /// Every event.
    public var requests = 0
    /// Events that reached the cache (a key was found in the request).
    public var lookups = 0
    /// Fresh cache hits (stale copies are counted apart, so an outage they hide stays visible).
    public var cacheHits = 0
    /// Answers from a stale copy of a found customer.
    public var stale = 0
    /// Lookups whose caller got no customer because the CRM failed and no stale copy was at hand
    /// (the fail-open answers); the rest got the right answer.
    public var failedOpen = 0
    public var found = 0
    /// Lookups that needed the CRM (cache misses).
    public var crmCalls = 0
    public var crmErrors = 0
    /// Requests refused for a missing or wrong credential (errorType `unauthorized`).
    public var unauthorized = 0
    /// Events by `errorType` (at most ``Tally/maximumErrorKinds`` kinds, then `other`).
    public var errors: [String: Int] = [:]

    static let maximumErrorKinds = 16

    mutating func add(_ event: MetricEvent) {
        requests += 1
        if let error = event.errorType { countError(error, times: 1) }
        if event.errorType == MetricEvent.unauthorized { unauthorized += 1 }
        guard event.errorType != MetricEvent.noLookupKey, !event.isRefused else { return }
        lookups += 1
        if event.isStale {
            stale += 1
            crmCalls += 1
        } else if event.cacheHit {
            cacheHits += 1
        } else {
            crmCalls += 1
        }
        if event.customerFound { found += 1 }
        if event.isCRMError {
            crmErrors += 1
            if !event.isStale { failedOpen += 1 }
        }
    }

    mutating func add(_ other: Tally) {
        requests += other.requests
        lookups += other.lookups
        cacheHits += other.cacheHits
        stale += other.stale
        failedOpen += other.failedOpen
        found += other.found
        crmCalls += other.crmCalls
        crmErrors += other.crmErrors
        unauthorized += other.unauthorized
        for (kind, count) in other.errors { countError(kind, times: count) }
    }

    /// Counts an error kind, folding kinds past the cap into `other` so the map stays small.
    private mutating func countError(_ kind: String, times: Int) {
        let named = errors.count - (errors["other"] == nil ? 0 : 1)
        let key = kind == "other" || errors[kind] != nil || named < Self.maximumErrorKinds ? kind : "other"
        errors[key, default: 0] += times
    }
}

/// One second of one colo's events.
struct Slot {
    var second: Int64 = .min
    var tally = Tally()
    var latency: MicrosHistogram?
    var cpu: MicrosHistogram?

    /// Empties the slot for reuse at `second`. Its histograms go, and the next event makes new
    /// ones (zeroed memory from the allocator costs less than clearing 2,560 counts).
    mutating func reuse(for second: Int64) {
        self.second = second
        tally = Tally()
        latency = nil
        cpu = nil
    }

    mutating func record(_ event: MetricEvent) {
        tally.add(event)
        // Refused credentials are answered at once: a flood of them must not pull the latency
        // and CPU percentiles down and hide a slow CRM.
        guard event.errorType != MetricEvent.unauthorized else { return }
        if latency == nil { latency = MicrosHistogram() }
        latency!.record(Self.micros(event.latencyMs))
        if let cpuMs = event.cpuMs {
            if cpu == nil { cpu = MicrosHistogram() }
            cpu!.record(Self.micros(cpuMs))
        }
    }

    /// Milliseconds to whole microseconds, clamped into the histogram's range.
    static func micros(_ milliseconds: Double) -> UInt64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 1 }
        return UInt64(min(max((milliseconds * 1000).rounded(), 1), 60_000_000))
    }
}
