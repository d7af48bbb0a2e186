/// A recording folder's segment files, named by the time they start
/// (`2026-12-07T03-12-00.123Z.events`), so a time range is found by name without reading; and
/// which of them to remove to stay within the folder's budget. Pure.
public struct RecordingSegment: Sendable, Equatable {
    public var name: String
    /// Epoch milliseconds, from the name.
    public var startMillis: Int64
    public var bytes: Int64

    public init(name: String, startMillis: Int64, bytes: Int64) {
        self.name = name
        self.startMillis = startMillis
        self.bytes = bytes
    }

    public static let suffix = ".events"

    /// The file name for a segment starting at `millis` (UTC, no colons, sorting as time does).
    public static func name(startMillis millis: Int64) -> String {
        let clamped = min(max(millis, 0), 253_402_300_799_999)
        let days = clamped / 86_400_000
        let inDay = clamped % 86_400_000
        let (year, month, day) = civil(days: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millisText = String(inDay % 1000 + 1000).dropFirst()
        return "\(year)-\(two(month))-\(two(day))T\(two(inDay / 3_600_000))-\(two(inDay / 60_000 % 60))-\(two(inDay / 1000 % 60)).\(millisText)Z" + suffix
    }

    /// The start a segment's name gives, or nil for any other file name.
    public static func start(of name: String) -> Int64? {
        let bytes = Array(name.utf8)
        // YYYY-MM-DDTHH-MM-SS.mmmZ.events
        guard bytes.count == 24 + suffix.utf8.count, name.hasSuffix(suffix) else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, "-"), (16, "-"), (19, "."), (23, "Z")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), let millis = number(20..<23),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day since 1970-01-01.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// How much a recording folder may hold, and what to remove to keep it so.
public struct RecordingBudget: Sendable, Equatable {
    /// The most bytes the segments may hold together.
    public var maximumBytes: Int64
    /// The oldest a segment may be: its end (the next segment's start) no longer ago than this.
    public var maximumAgeMillis: Int64
    /// The most segment files, whatever their sizes (a process restarting in a loop makes many).
    public var maximumSegments: Int

    public static let defaultBytes: Int64 = 1 << 30
    public static let defaultAgeMillis: Int64 = 7 * 86_400_000
    public static let defaultSegments = 10_000
    /// The smallest budget taken: four of the smallest segments.
    public static let smallestBytes: Int64 = 256 << 10

    public init(maximumBytes: Int64 = defaultBytes, maximumAgeMillis: Int64 = defaultAgeMillis, maximumSegments: Int = defaultSegments) {
        self.maximumBytes = maximumBytes
        self.maximumAgeMillis = maximumAgeMillis
        self.maximumSegments = maximumSegments
    }

    /// The size a segment grows to before the next begins: an eighth of the budget (so removing
    /// the oldest frees a small part of it), between 64 KiB and 64 MiB.
    public var segmentBytes: Int64 { min(max(maximumBytes / 8, 64 << 10), 64 << 20) }

    /// The segments to remove, oldest first, so that the rest keep within the budget at
    /// `nowMillis` even once the segment being written (`active`, never removed) has grown to
    /// its full size; `segments` in time order.
    public func removals(_ segments: [RecordingSegment], active: String?, nowMillis: Int64) -> [RecordingSegment] {
        var total = segments.reduce(Int64(0)) { $0 + $1.bytes }
        // Room for the active segment to grow: the folder stays within the budget between checks.
        let growth = segments.first { $0.name == active }.map { max(0, segmentBytes - $0.bytes) } ?? 0
        var count = segments.count
        var removed: [RecordingSegment] = []
        for (index, segment) in segments.enumerated() where segment.name != active {
            let end = index + 1 < segments.count ? segments[index + 1].startMillis : nowMillis
            let old = nowMillis - end > maximumAgeMillis
            guard old || total + growth > maximumBytes || count > maximumSegments else { break }
            removed.append(segment)
            total -= segment.bytes
            count -= 1
        }
        return removed
    }
}
