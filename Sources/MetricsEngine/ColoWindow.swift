import LookupCore

/// One colo's ring of per-second slots. Memory is one slot per second of window, whatever the
/// event rate; a slot is reused when its second falls out of the window.
///
/// Snapshots merge histograms (with `add`, never averaging). To keep that cheap, the merge of
/// each whole 10-second block is cached until an event lands in the block again, so a 60 s window
/// costs about 20 merges per colo instead of 60.
struct ColoWindow {
    typealias Merged = (tally: Tally, latency: MicrosHistogram?, cpu: MicrosHistogram?)
    static let blockSeconds: Int64 = 10

    private(set) var slots: [Slot]
    /// Bumped whenever an event lands in a block (by block number).
    private var blockVersions: [Int64: Int] = [:]
    private var blockCache: [Int64: (version: Int, merged: Merged)] = [:]

    init(seconds: Int) {
        slots = Array(repeating: Slot(), count: seconds)
    }

    mutating func record(_ event: MetricEvent, second: Int64) {
        let index = Int(second.modulo(slots.count))
        if slots[index].second != second { slots[index].reuse(for: second) }
        slots[index].record(event)
        blockVersions[second.floorDiv(Self.blockSeconds), default: 0] += 1
    }

    /// Merges the slots whose second is in `range`.
    mutating func merged(seconds range: ClosedRange<Int64>) -> Merged {
        var total: Merged = (Tally(), nil, nil)
        let first = range.lowerBound.floorDiv(Self.blockSeconds)
        let last = range.upperBound.floorDiv(Self.blockSeconds)
        for block in first...last {
            let span = (block * Self.blockSeconds)...(block * Self.blockSeconds + Self.blockSeconds - 1)
            let part: Merged
            if range.lowerBound <= span.lowerBound && span.upperBound <= range.upperBound {
                let version = blockVersions[block] ?? 0
                if let cached = blockCache[block], cached.version == version {
                    part = cached.merged
                } else {
                    part = mergeSlots(in: span)
                    blockCache[block] = (version, part)
                }
            } else {
                part = mergeSlots(in: span.clamped(to: range))
            }
            Self.add(part, into: &total)
        }
        blockCache = blockCache.filter { $0.key >= first }
        blockVersions = blockVersions.filter { $0.key >= first }
        return total
    }

    private func mergeSlots(in range: ClosedRange<Int64>) -> Merged {
        var merged: Merged = (Tally(), nil, nil)
        for slot in slots where range.contains(slot.second) {
            Self.add((slot.tally, slot.latency, slot.cpu), into: &merged)
        }
        return merged
    }

    private static func add(_ part: Merged, into total: inout Merged) {
        total.tally.add(part.tally)
        if let latency = part.latency { total.latency.merge(latency) }
        if let cpu = part.cpu { total.cpu.merge(cpu) }
    }

    /// The same data in a ring of a new length; slots outside the new window are dropped.
    func resized(to seconds: Int, newest: Int64) -> ColoWindow {
        var window = ColoWindow(seconds: seconds)
        for slot in slots where slot.second > newest - Int64(seconds) && slot.second <= newest {
            window.slots[Int(slot.second.modulo(seconds))] = slot
            window.blockVersions[slot.second.floorDiv(Self.blockSeconds), default: 0] += 1
        }
        return window
    }
}

extension Optional where Wrapped == MicrosHistogram {
    /// Adds `other`. The first part is taken as it is (copy-on-write), not added to a fresh
    /// histogram: a fresh one costs more to initialise than the merge itself.
    mutating func merge(_ other: MicrosHistogram) {
        if self == nil { self = other } else { self!.add(other) }
    }
}

extension Int64 {
    func modulo(_ divisor: Int) -> Int64 {
        let d = Int64(divisor)
        return ((self % d) + d) % d
    }
}
