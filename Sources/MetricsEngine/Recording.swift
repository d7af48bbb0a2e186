import Foundation
import LookupCore

/// A recorded run of events, in time order, played back through a ``MetricsMonitor`` one
/// second at a time, the way the live monitor sees them with a 1 Hz tick.
public struct Recording: Sendable {
    public let events: [MetricEvent]
    /// Lines that were not events (reported, skipped).
    public let errors: [EventCodec.LineError]

    public init(events: [MetricEvent], errors: [EventCodec.LineError] = []) {
        self.events = events.enumerated().sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }.map(\.element)
        self.errors = errors
    }

    public init(jsonLines data: Data) {
        let decoded = EventCodec().decode(lines: data)
        self.init(events: decoded.events, errors: decoded.errors)
    }

    public var firstMillis: Int64? { events.first?.timestamp }
    public var lastMillis: Int64? { events.last?.timestamp }

    /// Plays the recording into `monitor` from its first second up to `untilMillis` (default: the
    /// last event), calling `eachSecond` with the snapshot after every simulated second.
    /// `eachSecond` returns false to stop early.
    public func play(
        into monitor: inout MetricsMonitor, untilMillis: Int64? = nil,
        eachSecond: (MetricsSnapshot) -> Bool = { _ in true }
    ) -> MetricsSnapshot? {
        guard let first = firstMillis, let last = lastMillis else { return nil }
        let end = untilMillis ?? last
        var index = 0
        var second = first.floorDiv(1000)
        var latest: MetricsSnapshot?
        while second * 1000 <= end {
            let now = min(second * 1000 + 999, end)
            while index < events.count, events[index].timestamp <= now {
                monitor.record(events[index], nowMillis: now)
                index += 1
            }
            let snapshot = monitor.tick(nowMillis: now)
            latest = snapshot
            if !eachSecond(snapshot) { break }
            second += 1
        }
        return latest
    }
}
