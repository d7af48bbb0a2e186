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
/// Snapshots merge histograms (with `add`, never averaging). To keep that cheap, everything in
/// range but the two slots that change within a second (the current second's, and the newest
/// 30-second slot, which the last minute folds into) is merged once and cached until a slot in it
/// changes or the range moves; a snapshot then adds three histogram pairs a colo, whatever the
/// window. Rebuilding that part reuses the cached merge of each whole 10-second block of
/// 1-second slots, and of the 30-second slots but the newest.
struct ColoWindow {
    typealias Merged = (tally: Tally, latency: MicrosHistogram?, cpu: MicrosHistogram?)
    static let blockSeconds: Int64 = 10
    static let fineSeconds = 60
    static let coarseSlotSeconds: Int64 = 30
    static let coarseSlotCount = 30

    private(set) var fine: [Slot]
    /// Empty unless the window is longer than ``fineSeconds``.
    private(set) var coarse: [Slot] = []
    /// The last change to each recent block of 1-second slots: (block number, stamp), in a ring
    /// by block number. The last minute spans at most 7 blocks; a block pushed out of its place
    /// (a quiet colo's slots can hold older seconds) is merged uncached, never served stale.
    private var blockStamps = [(block: Int64, stamp: Int)](repeating: (.min, 0), count: 8)
    private var blockCache: [Int64: (stamp: Int, merged: Merged)] = [:]
    /// The last change to each 1-second slot, by index.
    private var fineStamps = Array(repeating: 0, count: ColoWindow.fineSeconds)
    /// The last change to each 30-second slot, by index.
    private var coarseStamps: [Int] = []
    /// The merge of the range's slots but the current second's and the newest 30-second slot,
    /// with the newest change among them.
    private var stableCache: (key: StableKey, merged: Merged)?

    /// What the stable merge was made of: the range, the two slots left out of it (a slot that
    /// joins or leaves the stable part changes one of them, or the range), and its newest change.
    private struct StableKey: Equatable {
        var range: ClosedRange<Int64>
        var current: Int?
        var newest: Int?
        var newestSecond: Int64?
        /// Bumped whenever a slot takes a new second or period, which can take it out of the
        /// stable part without changing anything else here (a record a second ahead of the tick).
        var moves: Int
        var stamp: Int
    }
    /// How many times a slot has taken a new second or period.
    private var moves = 0
    /// The merge of the 30-second slots in range but the newest, with the (index, stamp) of each.
    private var coarseCache: (key: [Int], merged: Merged)?
    /// Rises with every change; a stamp is the value it had then, so no two changes share one.
    private var changes = 0

    init(keepsCoarse: Bool) {
        fine = Array(repeating: Slot(), count: Self.fineSeconds)
        setKeepsCoarse(keepsCoarse)
    }

    var keepsCoarse: Bool { !coarse.isEmpty }

    /// Turns the 30-second ring on (window over a minute) or off, freeing it.
    mutating func setKeepsCoarse(_ keep: Bool) {
        if keep, coarse.isEmpty {
            coarse = Array(repeating: Slot(), count: Self.coarseSlotCount)
            coarseStamps = Array(repeating: 0, count: Self.coarseSlotCount)
        } else if !keep {
            coarse = []
            coarseStamps = []
            coarseCache = nil
            stableCache = nil
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
            touch(block: second.floorDiv(Self.blockSeconds), fine: index)
            return true
        }
        return recordCoarse(event, second: second)
    }

    private mutating func recordCoarse(_ event: MetricEvent, second: Int64) -> Bool {
        guard let index = coarseIndex(for: second) else { return false }
        coarse[index].record(event)
        touch(coarse: index)
        return true
    }

    private mutating func touch(block: Int64, fine index: Int) {
        changes += 1
        blockStamps[Int(block.modulo(blockStamps.count))] = (block, changes)
        fineStamps[index] = changes
    }

    private mutating func touch(coarse index: Int) {
        changes += 1
        coarseStamps[index] = changes
    }

    /// The last change to `block`, or nil when the ring no longer holds it (then nothing cached
    /// for it may be used).
    private func stamp(of block: Int64) -> Int? {
        let entry = blockStamps[Int(block.modulo(blockStamps.count))]
        return entry.block == block ? entry.stamp : nil
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
        moves += 1
        touch(coarse: index)
        return index
    }

    /// Moves a 1-second slot's contents into its 30-second slot (or drops them when the window
    /// is a minute or less) before the slot is reused, and marks its block changed.
    private mutating func fold(fineIndex index: Int) {
        let old = fine[index]
        moves += 1
        guard old.second != .min else { return }
        touch(block: old.second.floorDiv(Self.blockSeconds), fine: index)
        guard old.tally.requests > 0, let target = coarseIndex(for: old.second) else { return }
        touch(coarse: target)
        coarse[target].tally.add(old.tally)
        if let latency = old.latency { coarse[target].latency.merge(latency) }
        if let cpu = old.cpu { coarse[target].cpu.merge(cpu) }
    }

    /// Merges every slot whose time is in `range`: 1-second slots exactly, and 30-second slots
    /// that overlap it.
    mutating func merged(seconds range: ClosedRange<Int64>) -> Merged {
        let now = range.upperBound
        let current = fine.indices.first { fine[$0].second == now }
        let coarseInRange = coarse.indices.filter { index in
            let slot = coarse[index]
            return slot.second != .min && slot.second + Self.coarseSlotSeconds - 1 >= range.lowerBound && slot.second <= range.upperBound
        }
        let newest = coarseInRange.max { coarse[$0].second < coarse[$1].second }
        // The newest change among the stable slots: any change to one of them is newer.
        var key = StableKey(range: range, current: current, newest: newest, newestSecond: newest.map { coarse[$0].second }, moves: moves, stamp: 0)
        for index in fine.indices where index != current && range.contains(fine[index].second) { key.stamp = max(key.stamp, fineStamps[index]) }
        for index in coarseInRange where index != newest { key.stamp = max(key.stamp, coarseStamps[index]) }
        var total: Merged
        if let cached = stableCache, cached.key == key {
            total = cached.merged
        } else {
            total = stableMerge(range, excludingSecond: now, coarse: coarseInRange.filter { $0 != newest })
            stableCache = (key, total)
        }
        if let current { Self.add((fine[current].tally, fine[current].latency, fine[current].cpu), into: &total) }
        if let newest { Self.add((coarse[newest].tally, coarse[newest].latency, coarse[newest].cpu), into: &total) }
        return total
    }

    /// The merge of the 1-second slots in `range` but `second`'s (through the block caches) and of
    /// the 30-second slots `stable` (through their cache).
    private mutating func stableMerge(_ range: ClosedRange<Int64>, excludingSecond second: Int64, coarse stable: [Int]) -> Merged {
        var total: Merged = (Tally(), nil, nil)
        // Only the blocks that hold a 1-second slot in range (at most one per slot).
        let blocks = Set(fine.compactMap { range.contains($0.second) ? $0.second.floorDiv(Self.blockSeconds) : nil })
        let open = second.floorDiv(Self.blockSeconds)
        for block in blocks.sorted() {
            if block == open {
                // The block still being written: its seconds before this one, uncached.
                let start = max(range.lowerBound, block * Self.blockSeconds)
                if start < second { Self.add(mergeSlots(in: start...(second - 1)), into: &total) }
            } else {
                Self.add(mergedBlock(block, within: range), into: &total)
            }
        }
        let key = stable.flatMap { [$0, coarseStamps[$0]] }
        if let cached = coarseCache, cached.key == key {
            Self.add(cached.merged, into: &total)
        } else {
            var merged: Merged = (Tally(), nil, nil)
            for index in stable { Self.add((coarse[index].tally, coarse[index].latency, coarse[index].cpu), into: &merged) }
            coarseCache = (key, merged)
            Self.add(merged, into: &total)
        }
        // A block that holds no slot in range has no cache to keep.
        blockCache = blockCache.filter { blocks.contains($0.key) }
        return total
    }

    private mutating func mergedBlock(_ block: Int64, within range: ClosedRange<Int64>) -> Merged {
        let span = (block * Self.blockSeconds)...(block * Self.blockSeconds + Self.blockSeconds - 1)
        guard range.lowerBound <= span.lowerBound && span.upperBound <= range.upperBound else {
            return mergeSlots(in: span.clamped(to: range))
        }
        guard let stamp = stamp(of: block) else { return mergeSlots(in: span) }
        if let cached = blockCache[block], cached.stamp == stamp { return cached.merged }
        let merged = mergeSlots(in: span)
        blockCache[block] = (stamp, merged)
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
        let merges = blockCache.values.map(\.merged) + (coarseCache.map { [$0.merged] } ?? []) + (stableCache.map { [$0.merged] } ?? [])
        let cached = merges.reduce(0) { total, merged in
            total + (merged.latency?.estimatedFootprintInBytes ?? 0) + (merged.cpu?.estimatedFootprintInBytes ?? 0)
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
