import LookupCore

/// One colo's history, in two rings whose size does not depend on the event rate or the window:
///
/// - the last minute in 1-second slots (``fineSeconds`` of them), and
/// - for windows longer than a minute, older seconds folded into 30-second slots
///   (``coarseSlotCount`` of them, 15 minutes).
///
/// Each event lives in exactly one slot. A 1-second slot that is reused for a newer second is
/// first folded into its 30-second slot (when the window reaches that far), so a 15-minute window
/// costs 60 + 30 slots per colo instead of 900. Figures for windows up to a minute are exact to
/// the second; longer windows are exact for their last minute and include whole 30-second slots
/// at their trailing edge.
///
/// Snapshots merge histograms (with `add`, never averaging). To keep that cheap, the merge of
/// each whole 10-second block of 1-second slots is cached until the block changes.
struct ColoWindow {
    typealias Merged = (tally: Tally, latency: MicrosHistogram?, cpu: MicrosHistogram?)
    static let blockSeconds: Int64 = 10
    static let fineSeconds = 60
    static let coarseSlotSeconds: Int64 = 30
    static let coarseSlotCount = 30

    private(set) var fine: [Slot]
    /// Empty unless the window is longer than ``fineSeconds``.
    private(set) var coarse: [Slot] = []
    /// Bumped whenever a block of 1-second slots changes (by block number).
    private var blockVersions: [Int64: Int] = [:]
    private var blockCache: [Int64: (version: Int, merged: Merged)] = [:]

    init(keepsCoarse: Bool) {
        fine = Array(repeating: Slot(), count: Self.fineSeconds)
        setKeepsCoarse(keepsCoarse)
    }

    var keepsCoarse: Bool { !coarse.isEmpty }

    /// Turns the 30-second ring on (window over a minute) or off, freeing it.
    mutating func setKeepsCoarse(_ keep: Bool) {
        if keep, coarse.isEmpty {
            coarse = Array(repeating: Slot(), count: Self.coarseSlotCount)
        } else if !keep {
            coarse = []
        }
    }

    /// Records each event of `run` (all in `second`); returns how many were taken.
    mutating func record(contentsOf run: some Collection<MetricEvent>, second: Int64, now: Int64) -> Int {
        var taken = 0
        for event in run where record(event, second: second, now: now) { taken += 1 }
        return taken
    }

    /// Records `event` at `second`, given the current second `now`. Returns false when the event
    /// had no slot to go to (older than anything kept).
    @discardableResult
    mutating func record(_ event: MetricEvent, second: Int64, now: Int64) -> Bool {
        if second > now - Int64(Self.fineSeconds) {
            let index = Int(second.modulo(fine.count))
            if fine[index].second != second {
                guard fine[index].second < second else { return recordCoarse(event, second: second) }
                fold(fineIndex: index)
                fine[index].reuse(for: second)
            }
            fine[index].record(event)
            blockVersions[second.floorDiv(Self.blockSeconds), default: 0] += 1
            return true
        }
        return recordCoarse(event, second: second)
    }

    private mutating func recordCoarse(_ event: MetricEvent, second: Int64) -> Bool {
        guard let index = coarseIndex(for: second) else { return false }
        coarse[index].record(event)
        return true
    }

    /// The 30-second slot for `second`, made ready for it; nil when there is none (coarse ring
    /// off, or the slot already holds a newer period).
    private mutating func coarseIndex(for second: Int64) -> Int? {
        guard keepsCoarse else { return nil }
        let start = second.floorDiv(Self.coarseSlotSeconds) * Self.coarseSlotSeconds
        let index = Int(start.floorDiv(Self.coarseSlotSeconds).modulo(coarse.count))
        if coarse[index].second == start { return index }
        guard coarse[index].second < start else { return nil }
        coarse[index].reuse(for: start)
        return index
    }

    /// Moves a 1-second slot's contents into its 30-second slot (or drops them when the window
    /// is a minute or less) before the slot is reused, and marks its block changed.
    private mutating func fold(fineIndex index: Int) {
        let old = fine[index]
        guard old.second != .min else { return }
        blockVersions[old.second.floorDiv(Self.blockSeconds), default: 0] += 1
        guard old.tally.requests > 0, let target = coarseIndex(for: old.second) else { return }
        coarse[target].tally.add(old.tally)
        if let latency = old.latency { coarse[target].latency.merge(latency) }
        if let cpu = old.cpu { coarse[target].cpu.merge(cpu) }
    }

    /// Merges every slot whose time is in `range`: 1-second slots exactly, and 30-second slots
    /// that overlap it.
    mutating func merged(seconds range: ClosedRange<Int64>) -> Merged {
        var total: Merged = (Tally(), nil, nil)
        // Only the blocks that hold a 1-second slot in range (at most one per slot).
        let blocks = Set(fine.compactMap { range.contains($0.second) ? $0.second.floorDiv(Self.blockSeconds) : nil })
        for block in blocks.sorted() {
            Self.add(mergedBlock(block, within: range), into: &total)
        }
        for slot in coarse where slot.second != .min
            && slot.second + Self.coarseSlotSeconds - 1 >= range.lowerBound && slot.second <= range.upperBound {
            Self.add((slot.tally, slot.latency, slot.cpu), into: &total)
        }
        // A block that holds no slot in range has no cache to keep; dropping both its version and
        // its cache together means it can never be served stale.
        blockCache = blockCache.filter { blocks.contains($0.key) }
        blockVersions = blockVersions.filter { blocks.contains($0.key) || $0.key > range.upperBound.floorDiv(Self.blockSeconds) }
        return total
    }

    private mutating func mergedBlock(_ block: Int64, within range: ClosedRange<Int64>) -> Merged {
        let span = (block * Self.blockSeconds)...(block * Self.blockSeconds + Self.blockSeconds - 1)
        guard range.lowerBound <= span.lowerBound && span.upperBound <= range.upperBound else {
            return mergeSlots(in: span.clamped(to: range))
        }
        let version = blockVersions[block] ?? 0
        if let cached = blockCache[block], cached.version == version { return cached.merged }
        let merged = mergeSlots(in: span)
        blockCache[block] = (version, merged)
        return merged
    }

    private func mergeSlots(in range: ClosedRange<Int64>) -> Merged {
        var merged: Merged = (Tally(), nil, nil)
        for slot in fine where range.contains(slot.second) {
            Self.add((slot.tally, slot.latency, slot.cpu), into: &merged)
        }
        return merged
    }

    static func add(_ part: Merged, into total: inout Merged) {
        total.tally.add(part.tally)
        if let latency = part.latency { total.latency.merge(latency) }
        if let cpu = part.cpu { total.cpu.merge(cpu) }
    }

    /// Bytes held by this colo's histograms (slots and cached merges), as HdrHistogram estimates.
    var histogramBytes: Int {
        let slots = (fine + coarse).reduce(0) { $0 + ($1.latency?.estimatedFootprintInBytes ?? 0) + ($1.cpu?.estimatedFootprintInBytes ?? 0) }
        let cached = blockCache.values.reduce(0) { total, entry in
            total + (entry.merged.latency?.estimatedFootprintInBytes ?? 0) + (entry.merged.cpu?.estimatedFootprintInBytes ?? 0)
        }
        return slots + cached
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
