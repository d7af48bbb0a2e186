import CoreMetrics
import Prometheus
import Synchronization

extension PrometheusExport {
    /// What the recorder did: events by outcome, bytes written, segments removed for the budget.
    public func record(recorder counts: EventRecorder.Counts) {
        recorderExported.withLock { exported in
            if exported == nil { exported = RecorderHandles(factory: factory) }
            exported!.record(counts)
        }
    }
}

/// The recorder's metric handles and what they have exported so far.
struct RecorderHandles: Sendable {
    private var last = EventRecorder.Counts()
    private let written: CoreMetrics.Counter
    private let droppedFull: CoreMetrics.Counter
    private let droppedDisk: CoreMetrics.Counter
    private let droppedOld: CoreMetrics.Counter
    private let bytes: CoreMetrics.Counter
    private let removed: CoreMetrics.Counter
    private let failing: CoreMetrics.Gauge

    init(factory: PrometheusMetricsFactory) {
        let events = "edgewatch_recording_events_total"
        written = CoreMetrics.Counter(label: events, dimensions: [("outcome", "written")], factory: factory)
        droppedFull = CoreMetrics.Counter(label: events, dimensions: [("outcome", "dropped_behind")], factory: factory)
        droppedDisk = CoreMetrics.Counter(label: events, dimensions: [("outcome", "dropped_disk")], factory: factory)
        droppedOld = CoreMetrics.Counter(label: events, dimensions: [("outcome", "dropped_old")], factory: factory)
        bytes = CoreMetrics.Counter(label: "edgewatch_recording_bytes_total", factory: factory)
        removed = CoreMetrics.Counter(label: "edgewatch_recording_segments_removed_total", factory: factory)
        failing = CoreMetrics.Gauge(label: "edgewatch_recording_failing", factory: factory)
    }

    mutating func record(_ counts: EventRecorder.Counts) {
        written.advance(&last.written, to: counts.written)
        droppedFull.advance(&last.droppedFull, to: counts.droppedFull)
        droppedDisk.advance(&last.droppedDisk, to: counts.droppedDisk)
        droppedOld.advance(&last.droppedOld, to: counts.droppedOld)
        bytes.advance(&last.bytesWritten, to: counts.bytesWritten)
        removed.advance(&last.segmentsRemoved, to: counts.segmentsRemoved)
        failing.record(counts.failure == nil ? 0 : 1)
    }
}
