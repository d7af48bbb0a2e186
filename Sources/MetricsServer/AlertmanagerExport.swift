import CoreMetrics
import Prometheus
import Synchronization

extension PrometheusExport {
    /// What the Alertmanager notifier did: POSTs by outcome, and the alerts firing now.
    public func record(alertmanager counts: AlertmanagerNotifier.Counts) {
        alertmanagerExported.withLock { exported in
            if exported == nil { exported = AlertmanagerHandles(factory: factory) }
            exported!.record(counts)
        }
    }
}

/// The notifier's metric handles and what they have exported so far.
struct AlertmanagerHandles: Sendable {
    private var last = AlertmanagerNotifier.Counts()
    private let sent: CoreMetrics.Counter
    private let failed: CoreMetrics.Counter
    private let firing: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory) {
        sent = CoreMetrics.Counter(label: "edgewatch_alertmanager_posts_total", dimensions: [("outcome", "sent")], factory: factory)
        failed = CoreMetrics.Counter(label: "edgewatch_alertmanager_posts_total", dimensions: [("outcome", "failed")], factory: factory)
        firing = CoreMetrics.Gauge(label: "edgewatch_alertmanager_alerts_firing", factory: factory)
    }

    mutating func record(_ counts: AlertmanagerNotifier.Counts) {
        sent.advance(&last.sent, to: counts.sent)
        failed.advance(&last.failed, to: counts.failed)
        firing.record(counts.firing)
    }
}
