import CoreMetrics
import EdgeHTTP
import Prometheus
import Synchronization

extension PrometheusExport {
    /// Brings the access gate's counts into the exposition: refusals per route, throttled
    /// refusals and forgotten addresses as counters, the throttle's table size as a gauge.
    /// Called just before each exposition, so the export never touches the request path.
    public func record(access counts: AccessGate.Counts) {
        accessExported.withLock { exported in
            for route in AccessGate.Route.allCases {
                exported.refused[route]?.advance(&exported.counts.refused[route, default: 0], to: counts.refused[route] ?? 0)
            }
            exported.throttled.advance(&exported.counts.throttled, to: counts.throttled)
            exported.evictions.advance(&exported.counts.evictions, to: counts.evictions)
            exported.tracked.record(counts.tracked)
        }
    }
}

/// The access metrics' handles and what they have exported so far.
struct AccessHandles: Sendable {
    var counts = AccessGate.Counts()
    let refused: [AccessGate.Route: CoreMetrics.Counter]
    let throttled: CoreMetrics.Counter
    let evictions: CoreMetrics.Counter
    let tracked: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory) {
        var refused: [AccessGate.Route: CoreMetrics.Counter] = [:]
        for route in AccessGate.Route.allCases {
            refused[route] = CoreMetrics.Counter(label: "edgewatch_auth_refused_total", dimensions: [("route", route.rawValue)], factory: factory)
        }
        self.refused = refused
        throttled = CoreMetrics.Counter(label: "edgewatch_auth_throttled_total", factory: factory)
        evictions = CoreMetrics.Counter(label: "edgewatch_auth_throttle_evictions_total", factory: factory)
        tracked = CoreMetrics.Gauge(label: "edgewatch_auth_throttle_addresses", factory: factory)
    }
}
