import CoreMetrics
import Prometheus
import Synchronization

extension PrometheusExport {
    /// What the reporter (`serve --report-to`) did with this instance's events, as counters by
    /// outcome and a gauge of those waiting. Called just before each exposition; the metrics
    /// appear once there is a reporter.
    public func record(report counts: EventReporter.Counts) {
        reportExported.withLock { exported in
            if exported == nil { exported = ReportHandles(factory: factory) }
            exported!.record(counts)
        }
    }
}

/// The reporter's metric handles and what they have exported so far.
struct ReportHandles: Sendable {
    private var last = EventReporter.Counts()
    private let counters: [(WritableKeyPath<EventReporter.Counts, Int> & Sendable, CoreMetrics.Counter)]
    private let waiting: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory) {
        counters = [(\.sent, "sent"), (\.dropped, "dropped"), (\.rejected, "rejected")].map { path, name in
            (path, CoreMetrics.Counter(label: "edgewatch_report_events_total", dimensions: [("outcome", name)], factory: factory))
        } + [(\.retries, CoreMetrics.Counter(label: "edgewatch_report_retries_total", factory: factory))]
        waiting = CoreMetrics.Gauge(label: "edgewatch_report_events_waiting", factory: factory)
    }

    mutating func record(_ counts: EventReporter.Counts) {
        for (path, counter) in counters { counter.advance(&last[keyPath: path], to: counts[keyPath: path]) }
        waiting.record(counts.waiting)
    }
}
