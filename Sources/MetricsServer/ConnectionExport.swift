import CoreMetrics
import EdgeHTTP
import Prometheus
import Synchronization

extension PrometheusExport {
    /// What the listener's connections did: requests the fast path answered, requests NIO's parser
    /// rejected, connections closed idle or for a request not whole in time. Called just before each exposition.
    public func record(connections counts: ConnectionCounts.Values) {
        connectionExported.withLock { exported in
            if exported == nil { exported = ConnectionHandles(factory: factory) }
            exported!.record(counts)
        }
    }
}

/// The connection metrics' handles and what they have exported so far.
struct ConnectionHandles: Sendable {
    private var last = ConnectionCounts.Values()
    private let fastAnswers: CoreMetrics.Counter
    private let malformed: CoreMetrics.Counter
    private let idleClosed: CoreMetrics.Counter
    private let requestTimeouts: CoreMetrics.Counter

    init(factory: PrometheusMetricsFactory) {
        fastAnswers = CoreMetrics.Counter(label: "edgewatch_fast_path_answers_total", factory: factory)
        malformed = CoreMetrics.Counter(label: "edgewatch_http_malformed_requests_total", factory: factory)
        idleClosed = CoreMetrics.Counter(label: "edgewatch_http_idle_closed_total", factory: factory)
        requestTimeouts = CoreMetrics.Counter(label: "edgewatch_http_request_timeouts_total", factory: factory)
    }

    mutating func record(_ counts: ConnectionCounts.Values) {
        fastAnswers.advance(&last.fastAnswers, to: counts.fastAnswers)
        malformed.advance(&last.malformed, to: counts.malformed)
        idleClosed.advance(&last.idleClosed, to: counts.idleClosed)
        requestTimeouts.advance(&last.requestTimeouts, to: counts.requestTimeouts)
    }
}
