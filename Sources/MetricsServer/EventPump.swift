import LookupCore
import EdgeHTTP
import NIOCore
import MetricsEngine
import ServiceLifecycle

/// The one consumer of a ``MetricEventStream``: drains it in batches into the live monitor and
/// the Prometheus export, and fans each batch out to the reporter and the recorder when there are
/// (which only buffer it), until the stream finishes or the service shuts down.
public struct EventPump: Service {
    public let events: MetricEventStream
    public let monitor: LiveMonitor
    public let prometheus: PrometheusExport
    public let reporter: EventReporter?
    /// The recorder (`--record`), which only buffers each batch.
    public let recorder: EventRecorder?
    /// False when events go only to the recorder (`edgewatch record`).
    public var feedsEngine = true
    /// Where the pump waits between batches.
    public let loops: EventLoops

    public init(events: MetricEventStream, monitor: LiveMonitor, prometheus: PrometheusExport, reporter: EventReporter? = nil,
                recorder: EventRecorder? = nil, loops: EventLoops) {
        self.events = events
        self.monitor = monitor
        self.prometheus = prometheus
        self.reporter = reporter
        self.recorder = recorder
        self.loops = loops
    }

    /// How long events gather between batches (the dashboard redraws every 250 ms). Short, so
    /// that a batch is short too: on a server's one core, it holds up the event loop while it
    /// runs (at 60,000 lookups a second a 2 ms batch takes about 0.15 ms).
    public static let gatherTime: Duration = .milliseconds(2)

    /// Waits ``gatherTime`` on an event loop's timer heap: `Task.sleep` wakes a dispatch thread
    /// first, which then wakes this task's, two thread switches per batch instead of one. (Not
    /// cancellable: a shutdown waits at most this long.)
    static func gather(on loops: EventLoops) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            _ = loops.group.any().scheduleTask(in: TimeAmount(gatherTime)) { done.resume() }
        }
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            while let batch = await events.nextBatch() {
                take(batch)
                // Let events gather before the next batch: waking this task for every event
                // costs a thread switch per lookup; this caps the wake-ups at 500 a second.
                await Self.gather(on: loops)
            }
        }
        // Stopping: what is still queued (the listener stopped first) goes through too.
        let rest = events.takeWaiting()
        if !rest.isEmpty { take(rest) }
    }

    private func take(_ batch: [MetricEvent]) {
        if feedsEngine {
            monitor.record(contentsOf: batch)
            prometheus.record(contentsOf: batch)
        }
        reporter?.offer(batch)
        recorder?.offer(batch)
    }
}
