import LookupCore

/// One number on the dashboard with the sample count behind it.
public struct Figure: Sendable, Equatable, Codable {
    /// Nil when there were no samples at all.
    public var value: Double?
    public var n: Int
    /// False below the minimum sample count: show it as "insufficient data", not as a fact.
    public var sufficient: Bool

    public init(value: Double?, n: Int, minimum: Int) {
        self.value = n > 0 ? value : nil
        self.n = n
        self.sufficient = n >= minimum && n > 0
    }

    /// A ratio as a percentage of `total`.
    static func percent(_ part: Int, of total: Int, minimum: Int) -> Figure {
        Figure(value: total > 0 ? 100 * Double(part) / Double(total) : nil, n: total, minimum: minimum)
    }
}

/// Every figure for one colo (or for ALL) over the window.
public struct ColoFigures: Sendable, Equatable, Codable {
    public var colo: String
    /// Requests per second over the seconds of the window in which the colo was observed.
    public var requestRate: Figure
    /// The seconds of the window in which the colo was observed: since it was first heard, less
    /// the silences long enough to be NO DATA. Rates divide by this.
    public var observedSeconds: Int
    public var p50LatencyMs: Figure
    public var p95LatencyMs: Figure
    public var p99LatencyMs: Figure
    /// Fresh cache hits / lookups that reached the cache, %.
    public var cacheHitRate: Figure
    /// Stale answers / lookups that reached the cache, %.
    public var staleRate: Figure
    /// Lookups answered with the right customer (or a genuine not-found): all but the fail-open
    /// answers to CRM failures, %. During an outage this is what callers felt.
    public var answeredRate: Figure
    /// Customers found / lookups that reached the cache, %.
    public var foundRate: Figure
    /// Lookups with a `crm_*` errorType / lookups that needed the CRM (cache misses), %.
    public var crmErrorRate: Figure
    /// Lookups with a `crm_*` errorType / all lookups that reached the cache, %.
    public var crmErrorRateOfAll: Figure
    public var cpuP50Ms: Figure
    public var cpuP95Ms: Figure
    /// Event counts by `errorType`.
    public var errors: [String: Int]
    public var tally: Tally
}

extension ColoFigures {
    /// Computes the figures from merged window data.
    init(colo: String, tally: Tally, latency: MicrosHistogram?, cpu: MicrosHistogram?, seconds: Int, minimum: Int) {
        // Each histogram's percentiles from one walk of its counts.
        func percentiles(_ histogram: MicrosHistogram?, _ ps: [Double]) -> [Figure] {
            let n = Int(histogram?.totalCount ?? 0)
            let values = histogram?.values(atPercentiles: ps)
            return ps.indices.map { index in Figure(value: values.map { Double($0[index]) / 1000 }, n: n, minimum: minimum) }
        }
        let latencies = percentiles(latency, [50, 95, 99])
        let cpus = percentiles(cpu, [50, 95])
        self.init(
            colo: colo,
            requestRate: Figure(value: seconds > 0 ? Double(tally.requests) / Double(seconds) : nil, n: tally.requests, minimum: minimum),
            observedSeconds: seconds,
            p50LatencyMs: latencies[0],
            p95LatencyMs: latencies[1],
            p99LatencyMs: latencies[2],
            cacheHitRate: .percent(tally.cacheHits, of: tally.lookups, minimum: minimum),
            staleRate: .percent(tally.stale, of: tally.lookups, minimum: minimum),
            answeredRate: .percent(tally.lookups - tally.failedOpen, of: tally.lookups, minimum: minimum),
            foundRate: .percent(tally.found, of: tally.lookups, minimum: minimum),
            crmErrorRate: .percent(tally.crmErrors, of: tally.crmCalls, minimum: minimum),
            crmErrorRateOfAll: .percent(tally.crmErrors, of: tally.lookups, minimum: minimum),
            cpuP50Ms: cpus[0],
            cpuP95Ms: cpus[1],
            errors: tally.errors,
            tally: tally
        )
    }
}

extension ColoFigures {
    /// True for an error kind that says the CRM failed (``CRMFailure/isCRMErrorType(_:)``).
    public static func isCRMError(_ kind: String) -> Bool { CRMFailure.isCRMErrorType(kind) }
}
