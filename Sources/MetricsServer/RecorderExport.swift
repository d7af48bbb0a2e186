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
        func add(_ counter: CoreMetrics.Counter, _ now: Int, _ before: Int) { if now > before { counter.increment(by: Int64(now - before)) } }
        add(written, counts.written, last.written)
        add(droppedFull, counts.droppedFull, last.droppedFull)
        add(droppedDisk, counts.droppedDisk, last.droppedDisk)
        add(droppedOld, counts.droppedOld, last.droppedOld)
        add(bytes, Int(counts.bytesWritten), Int(last.bytesWritten))
        add(removed, counts.segmentsRemoved, last.segmentsRemoved)
        failing.record(counts.failure == nil ? 0 : 1)
        last = counts
    }
}
