import CoreMetrics
import LookupCore
import Prometheus
import Synchronization

extension PrometheusExport {
    /// The CRM circuit breaker as a gauge (0 closed, 1 half-open, 2 open) and the lookups it and
    /// the bulkhead turned away as counters. Called just before each exposition.
    public func record(breaker state: CRMGuard.State, rejected: [CRMFailure: Int]) {
        breakerExported.withLock { exported in
            exported.state.record(Self.gaugeValue(state))
            for (failure, counter) in exported.rejected {
                counter.advance(&exported.counts[failure, default: 0], to: rejected[failure] ?? 0)
            }
        }
    }

    static func gaugeValue(_ state: CRMGuard.State) -> Int {
        switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
    }
}

/// The breaker metrics' handles and what they have exported so far.
struct BreakerHandles: Sendable {
    var counts: [CRMFailure: Int] = [:]
    let state: CoreMetrics.Gauge
    let rejected: [CRMFailure: CoreMetrics.Counter]

    init(factory: PrometheusMetricsFactory) {
        state = CoreMetrics.Gauge(label: "edgewatch_crm_breaker_state", factory: factory)
        var rejected: [CRMFailure: CoreMetrics.Counter] = [:]
        for failure in [CRMFailure.circuitOpen, .overloaded] {
            rejected[failure] = CoreMetrics.Counter(label: "edgewatch_crm_calls_not_made_total", dimensions: [("reason", failure.rawValue)], factory: factory)
        }
        self.rejected = rejected
    }
}
