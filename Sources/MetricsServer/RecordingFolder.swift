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
    /// The most bytes one read takes in: a range wider than this asks for a narrower one.
    public static let maximumBytesRead: Int64 = 4 << 30

    public init(path: String) {
        self.path = path
    }

    public struct TooLarge: Error, CustomStringConvertible {
        public let bytes: Int64
        public var description: String {
            "the range spans \(bytes >> 20) MiB of recording, more than \(RecordingFolder.maximumBytesRead >> 20) MiB at once: narrow it"
        }
    }

    /// The folder's segments in time order.
    public func segments() -> [RecordingSegment] {
        SegmentWriter.segments(in: path)
    }

    /// The events between `range`'s ends, in time order.
    public func events(in range: ClosedRange<Int64>) throws -> Recording {
        let all = segments()
        var chosen: [RecordingSegment] = []
        for (index, segment) in all.enumerated() {
            let nextStart = index + 1 < all.count ? all[index + 1].startMillis : Int64.max
            let earliest = segment.startMillis - Self.slackMillis
            let latest = nextStart == .max ? .max : nextStart + Self.slackMillis
            if earliest <= range.upperBound && latest >= range.lowerBound { chosen.append(segment) }
        }
        let total = chosen.reduce(Int64(0)) { $0 + $1.bytes }
        guard total <= Self.maximumBytesRead else { throw TooLarge(bytes: total) }
        var events: [MetricEvent] = []
        var errors: [EventCodec.LineError] = []
        var errorCount = 0
        let codec = EventCodec()
        for segment in chosen {
            guard let data = FileManager.default.contents(atPath: path + "/" + segment.name) else { continue }
            let decoded = codec.decode(lines: data, compact: true, within: range)
            events += decoded.events
            errorCount += decoded.errorCount
            for error in decoded.errors where errors.count < EventCodec.maximumErrorsKept {
                errors.append(EventCodec.LineError(line: error.line, message: "\(segment.name) \(error.message)"))
            }
        }
        return Recording(events: events, errors: errors, errorCount: errorCount)
    }

    /// The earliest event in `segment`, and the latest at or before `time`: whole lines only (a
    /// torn last line is not an event).
    func scan(_ segment: RecordingSegment, atOrBefore time: Int64) -> (first: Int64?, last: Int64?) {
        guard let data = FileManager.default.contents(atPath: path + "/" + segment.name) else { return (nil, nil) }
        var first: Int64?
        var last: Int64?
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                if end < bytes.count, let stamp = CompactEvents.timestamp(of: bytes[start..<end]) {
                    if stamp < (first ?? .max) { first = stamp }
                    if stamp <= time, stamp > (last ?? .min) { last = stamp }
                }
                start = end + 1
            }
        }
        return (first, last)
    }

    /// The time of the last event at or before `time`, searching back one segment at a time;
    /// nil when nothing was recorded before it.
    public func lastEvent(atOrBefore time: Int64) -> Int64? {
        let all = segments()
        var found: Int64?
        for index in all.indices.reversed() where all[index].startMillis - Self.slackMillis <= time {
            // Nothing here is later than the next segment's start plus the slack.
            if let found, index + 1 < all.count, all[index + 1].startMillis + Self.slackMillis < found { break }
            if let last = scan(all[index], atOrBefore: time).last, last > (found ?? .min) { found = last }
        }
        return found
    }

    /// The first and last event recorded (nil when nothing was).
    public func span() -> ClosedRange<Int64>? {
        guard let last = lastEvent(atOrBefore: EventLimits.timestamps.upperBound) else { return nil }
        let first = segments().lazy.compactMap { self.scan($0, atOrBefore: last).first }.first ?? last
        return min(first, last)...last
    }
}
