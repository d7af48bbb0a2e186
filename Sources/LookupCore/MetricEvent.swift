/// The event every lookup emits: the seed's `emitMetric` payload plus `cpuMs`.
///
/// `errorType` is nil for a clean lookup, a `crm_*` code (``CRMFailure``) when the CRM failed,
/// or one of ``MetricEvent/noLookupKey``, ``MetricEvent/badRequest`` and
/// ``MetricEvent/unauthorized`` for requests that never reached the cache. `cpuMs` is nil when the source did not measure it.
public struct MetricEvent: Codable, Sendable, Equatable {
    public static let serviceName = "genesys-edge-middleware"
    public static let noLookupKey = "no_lookup_key"
    public static let badRequest = "bad_request"
    /// A request refused for a missing or wrong credential, or throttled after too many.
    public static let unauthorized = "unauthorized"

    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    public var service: String
    public var colo: String
    public var latencyMs: Double
    public var cacheHit: Bool
    public var customerFound: Bool
    public var errorType: String?
    public var cpuMs: Double?
    /// True when the answer was a stale copy of a found customer (an extension of the seed's
    /// payload: absent means false, and events without it parse).
    public var stale: Bool?
    /// The edgewatch instance that forwarded the event (`serve --report-to`, `--instance-id`);
    /// absent for events from a worker or from this process, and events without it parse.
    public var source: String?

    public init(
        timestamp: Int64, service: String = MetricEvent.serviceName, colo: String,
        latencyMs: Double, cacheHit: Bool, customerFound: Bool,
        errorType: String? = nil, cpuMs: Double? = nil, stale: Bool? = nil, source: String? = nil
    ) {
        self.stale = stale
        self.source = source
        self.timestamp = timestamp
        self.service = service
        self.colo = colo
        self.latencyMs = latencyMs
        self.cacheHit = cacheHit
        self.customerFound = customerFound
        self.errorType = errorType
        self.cpuMs = cpuMs
    }

    /// True when the lookup failed because of the CRM (an `errorType` starting `crm_`).
    public var isCRMError: Bool { errorType.map(CRMFailure.isCRMErrorType) ?? false }

    /// True when the answer was a stale copy.
    public var isStale: Bool { stale == true }

    /// True for a request refused before the lookup began (bad request or no credential).
    public var isRefused: Bool { errorType == Self.badRequest || errorType == Self.unauthorized }
}

/// Where lookups send their events. `emit` must return at once: never block, never wait.
public protocol MetricSink: Sendable {
    func emit(_ event: MetricEvent)
}
