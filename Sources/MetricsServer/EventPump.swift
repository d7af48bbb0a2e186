import LookupServer
import MetricsEngine
import ServiceLifecycle

/// The one consumer of a ``MetricEventStream``: drains it in batches into the live monitor and
/// the Prometheus export, until the stream finishes or the service shuts down.
public struct EventPump: Service {
    public let events: MetricEventStream
    public let monitor: LiveMonitor
    public let prometheus: PrometheusExport

    public init(events: MetricEventStream, monitor: LiveMonitor, prometheus: PrometheusExport) {
        self.events = events
        self.monitor = monitor
        self.prometheus = prometheus
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            while let batch = await events.nextBatch() {
                monitor.record(contentsOf: batch)
                for event in batch { prometheus.record(event) }
            }
        }
    }
}
