import Foundation
import LookupCore

/// A recorded run of events, in time order, played back through a ``MetricsMonitor`` one
/// second at a time, the way the live monitor sees them with a 1 Hz tick.
public struct Recording: Sendable {
    public let events: [MetricEvent]
    /// The first lines that were not events (reported, skipped), and how many there were.
    public let errors: [EventCodec.LineError]
    public let errorCount: Int

    public init(events: [MetricEvent], errors: [EventCodec.LineError] = [], errorCount: Int? = nil) {
        self.events = events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        self.errors = errors
        self.errorCount = errorCount ?? errors.count
    }

    /// A recording's lines: JSON Lines, the compact form (``CompactEvents``), or both.
    public init(jsonLines data: Data) {
        let decoded = EventCodec().decode(lines: data, compact: true)
        self.init(events: decoded.events, errors: decoded.errors, errorCount: decoded.errorCount)
    }

    public var firstMillis: Int64? { events.first?.timestamp }
    public var lastMillis: Int64? { events.last?.timestamp }

    /// Plays the recording into `monitor` from its first second up to `untilMillis` (default: the
    /// last event), calling `eachSecond` with the snapshot after every simulated second.
    /// `eachSecond` returns false to stop early. Gaps longer than any window are jumped over.
    public func play(
        into monitor: inout MetricsMonitor, untilMillis: Int64? = nil,
        eachSecond: (MetricsSnapshot) -> Bool = { _ in true }
    ) -> MetricsSnapshot? {
        var cursor = PlaybackCursor(self, untilMillis: untilMillis, drainSeconds: monitor.window.windowSeconds + 1)
        var latest: MetricsSnapshot?
        while let step = cursor.next() {
            for event in step.events { monitor.record(event, nowMillis: step.nowMillis) }
            let snapshot = monitor.tick(nowMillis: step.nowMillis)
            latest = snapshot
            if !eachSecond(snapshot) { break }
        }
        return latest
    }
}

/// Walks a recording one simulated second at a time: each step is the time at the end of that
/// second and the events up to it. Once the window has drained after the last event played, the
/// cursor jumps straight to the second of the next event (or to the end, if that comes first), so
/// a stray timestamp years away costs about a window of steps, not one per second in between.
public struct PlaybackCursor: Sendable {
    private let events: [MetricEvent]
    private let end: Int64
    private var index = 0
    private var second: Int64
    private var lastEventSecond: Int64
    /// After this long with no events the window is empty and nothing changes: one second more
    /// than the window. A player whose window can change sets it before each step.
    public var drainSeconds: Int {
        get { Int(drainMillis / 1000) }
        set { drainMillis = Int64(min(max(newValue, 1), 86_400)) * 1000 }
    }
    private var drainMillis: Int64

    /// Plays `recording` up to `untilMillis` (kept within event timestamps), or its last event.
    /// `drainSeconds` is how long an empty stretch is played before jumping: one more than the
    /// window (the default suits any window). Nil-safe on an empty recording.
    public init(_ recording: Recording, untilMillis: Int64? = nil, drainSeconds: Int = MetricsWindow.windowRange.upperBound + 1) {
        events = recording.events
        let first = recording.firstMillis ?? 0
        end = min(untilMillis ?? recording.lastMillis ?? -1, EventLimits.timestamps.upperBound)
        drainMillis = Int64(min(max(drainSeconds, 1), 86_400)) * 1000
        second = first.floorDiv(1000) * 1000
        lastEventSecond = second
    }

    public mutating func next() -> (nowMillis: Int64, events: ArraySlice<MetricEvent>)? {
        guard !events.isEmpty, second <= end else { return nil }
        let now = min(second + 999, end)
        let start = index
        while index < events.count, events[index].timestamp <= now { index += 1 }
        if index > start { lastEventSecond = second }
        let endSecond = end.floorDiv(1000) * 1000
        let following = index < events.count ? min(events[index].timestamp.floorDiv(1000) * 1000, endSecond) : endSecond
        let drained = second - lastEventSecond >= drainMillis
        second = drained && following > second + 1000 ? following : second + 1000
        return (now, events[start..<index])
    }
}
