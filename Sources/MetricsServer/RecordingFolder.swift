#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LookupCore
import MetricsEngine

/// Reads a recording folder (`--record DIR`): finds a time range's segments by their names, reads
/// only those, and decodes only the lines inside the range. Torn and malformed lines are skipped
/// and counted, as for a single file.
public struct RecordingFolder: Sendable {
    public let path: String

    /// A segment may hold events this much older than its name (an event is taken up to the
    /// widest window late) or newer than the next segment's name.
    public static let slackMillis: Int64 = Int64(MetricsWindow.windowRange.upperBound + 60) * 1000
    /// The most bytes of segments one read takes in: a range wider than this asks for a narrower one.
    public static let maximumBytesRead: Int64 = 4 << 30
    /// The most events one read keeps (about 100 bytes of memory each) unless told otherwise.
    public static let maximumEvents = 20_000_000
    /// Files named like segments but larger than this are passed over when searching by time.
    static let largestSegment: Int64 = 1 << 30

    public init(path: String) {
        self.path = path
    }

    public struct TooLarge: Error, CustomStringConvertible {
        public let description: String
    }

    /// The folder's segments in time order.
    public func segments() -> [RecordingSegment] {
        SegmentWriter.segments(in: path)
    }

    /// The events between `range`'s ends, in time order; at most `maximumEvents` of them.
    /// Past `deadline` (checked between segments) it gives up with ``TooLarge``.
    public func events(in range: ClosedRange<Int64>, maximumEvents: Int = RecordingFolder.maximumEvents,
                       deadline: ContinuousClock.Instant? = nil) throws -> Recording {
        let all = segments()
        var chosen: [RecordingSegment] = []
        for (index, segment) in all.enumerated() {
            let nextStart = index + 1 < all.count ? all[index + 1].startMillis : Int64.max
            let earliest = segment.startMillis - Self.slackMillis
            let latest = nextStart == .max ? .max : nextStart + Self.slackMillis
            if earliest <= range.upperBound && latest >= range.lowerBound { chosen.append(segment) }
        }
        let total = chosen.reduce(Int64(0)) { $0 + $1.bytes }
        guard total <= Self.maximumBytesRead else {
            throw TooLarge(description: "the range spans \(total >> 20) MiB of recording, more than \(Self.maximumBytesRead >> 20) MiB at once: narrow it")
        }
        var events: [MetricEvent] = []
        var errors: [EventCodec.LineError] = []
        var errorCount = 0
        let codec = EventCodec()
        for segment in chosen {
            if let deadline, ContinuousClock.now > deadline {
                throw TooLarge(description: "reading the recording took too long: narrow the range, or read it with edgewatch report")
            }
            guard let data = FileManager.default.contents(atPath: path + "/" + segment.name) else { continue }
            let decoded = codec.decode(lines: data, compact: true, within: range)
            events += decoded.events
            guard events.count <= maximumEvents else {
                throw TooLarge(description: "the range holds more than \(maximumEvents) events, more than one read keeps: narrow it")
            }
            errorCount += decoded.errorCount
            for error in decoded.errors where errors.count < EventCodec.maximumErrorsKept {
                errors.append(EventCodec.LineError(line: error.line, message: "\(segment.name) \(error.message)"))
            }
        }
        return Recording(events: events, errors: errors, errorCount: errorCount)
    }

    /// The latest event in `segment` at or before `time`.
    func latest(in segment: RecordingSegment, atOrBefore time: Int64) -> Int64? {
        // A file this large was not written by a recorder (its segments stop at 64 MiB).
        guard segment.bytes <= Self.largestSegment, let data = FileManager.default.contents(atPath: path + "/" + segment.name) else { return nil }
        var last: Int64?
        data.withUnsafeBytes { raw in
            Self.stamps(in: raw, from: 0) { stamp in
                if stamp <= time, stamp > (last ?? .min) { last = stamp }
            }
        }
        return last
    }

    /// Each whole line's timestamp in `raw` from `start`: a torn last line (no newline) is not an
    /// event.
    static func stamps(in raw: UnsafeRawBufferPointer, from start: Int, _ body: (Int64) -> Void) {
        var start = start
        while let end = EventCodec.newline(in: raw, from: start) {
            if let stamp = CompactEvents.timestamp(in: UnsafeRawBufferPointer(rebasing: raw[start..<end])) { body(stamp) }
            start = end + 1
        }
    }

    /// The time of the last event at or before `time`, searching back one segment at a time;
    /// nil when nothing was recorded before it.
    public func lastEvent(atOrBefore time: Int64) -> Int64? {
        let all = segments()
        var found: Int64?
        for index in all.indices.reversed() where all[index].startMillis - Self.slackMillis <= time {
            // Nothing here is later than the next segment's start plus the slack.
            if let found, index + 1 < all.count, all[index + 1].startMillis + Self.slackMillis < found { break }
            if let last = latest(in: all[index], atOrBefore: time), last > (found ?? .min) { found = last }
        }
        return found
    }

    /// The first and last event recorded (nil when nothing was): from the first segment's head
    /// and the last one's tail (a segment is written in time order, each event at most the widest
    /// window late), so it costs two small reads, not two segments.
    public func span() -> ClosedRange<Int64>? {
        let all = segments()
        var last: Int64?
        for segment in all.reversed() {
            last = edge(of: segment, tail: true)
            if last != nil { break }
        }
        guard let last else { return nil }
        let first = all.lazy.compactMap { self.edge(of: $0, tail: false) }.first ?? last
        return min(first, last)...last
    }

    /// The earliest stamp of a segment's first whole lines, or the latest of its last ones.
    func edge(of segment: RecordingSegment, tail: Bool) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path + "/" + segment.name) else { return nil }
        defer { try? handle.close() }
        let size = Int64(segment.bytes)
        let length = min(size, Self.edgeBytes)
        guard (try? handle.seek(toOffset: UInt64(tail ? size - length : 0))) != nil, let data = try? handle.read(upToCount: Int(length)) else { return nil }
        var found: Int64?
        data.withUnsafeBytes { raw in
            // From the tail, the first line may be cut at the front: start after its newline.
            let start = tail && length < size ? (EventCodec.newline(in: raw, from: 0).map { $0 + 1 } ?? raw.count) : 0
            Self.stamps(in: raw, from: start) { stamp in
                found = tail ? max(found ?? stamp, stamp) : min(found ?? stamp, stamp)
            }
        }
        return found
    }

    /// How much of a segment's head or tail ``span()`` reads: seconds of events at any rate.
    static let edgeBytes: Int64 = 4 << 20
}
