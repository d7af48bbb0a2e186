import CoreMetrics
import Prometheus
import Synchronization

extension PrometheusExport {
    /// The consoles attached (`edgewatch_viewers`) and the reads turned away because the bound
    /// was reached (`edgewatch_viewers_refused_total`). Called just before each exposition.
    public func record(viewers counts: (attached: Int, refused: Int)) {
        viewerExported.withLock { exported in
            if exported == nil { exported = ViewerHandles(factory: factory) }
            exported!.record(counts)
        }
    }
}

/// The viewer metrics' handles and the refusals exported so far.
struct ViewerHandles: Sendable {
    private var refusedSoFar = 0
    private let attached: CoreMetrics.Gauge
    private let refused: CoreMetrics.Counter

    init(factory: PrometheusMetricsFactory) {
        attached = CoreMetrics.Gauge(label: "edgewatch_viewers", factory: factory)
        refused = CoreMetrics.Counter(label: "edgewatch_viewers_refused_total", factory: factory)
    }

    mutating func record(_ counts: (attached: Int, refused: Int)) {
        attached.record(counts.attached)
        refused.advance(&refusedSoFar, to: counts.refused)
    }
}
