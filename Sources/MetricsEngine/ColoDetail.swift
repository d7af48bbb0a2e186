import LookupCore

/// One colo up close, over the window: its figures step by step (for sparklines) and the shape of
/// its latency. Computed on demand for the colo the dashboard's detail view shows, not every tick.
public struct ColoDetail: Sendable, Equatable, Codable {
    /// One step of the window: a second when the window is a minute or less, else 30 seconds
    /// (the engine keeps older seconds only in 30-second slots).
    public struct Point: Sendable, Equatable, Codable {
        /// The step's first second (epoch seconds).
        public var second: Int64
        public var requests: Int
        public var p50LatencyMs: Double?
        public var p95LatencyMs: Double?
        public var p99LatencyMs: Double?
        /// Fresh hits / lookups, %.
        public var hitRate: Double?
        /// Stale answers / lookups, %.
        public var staleRate: Double?
        /// CRM errors / CRM calls, %.
        public var crmErrorRate: Double?
    }

    /// Lookups whose latency fell under `upToMs` (and at or over the bucket before); the last
    /// bucket has no upper end.
    public struct LatencyBucket: Sendable, Equatable, Codable {
        public var upToMs: Double?
        public var count: Int
    }

    /// The bucket edges, log spaced 1-2-5 from 1 ms to 5 s.
    public static let bucketEdgesMs: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]

    public var colo: String
    public var stepSeconds: Int
    /// Oldest first, one per step of the window, empty steps included.
    public var points: [Point]
    public var latencyBuckets: [LatencyBucket]
    /// The colo split by reporting instance over the last minute (empty when no event named a
    /// `source`).
    public var sources: [SourceSplit] = []
}

extension ColoDetail.Point {
    init(second: Int64, merged: ColoWindow.Merged) {
        let tally = merged.tally
        func percentile(_ p: Double) -> Double? {
            guard let latency = merged.latency, latency.totalCount > 0 else { return nil }
            return Double(latency.valueAtPercentile(p)) / 1000
        }
        func percent(_ part: Int, _ total: Int) -> Double? { Figure.percent(part, of: total, minimum: 0).value }
        self.init(
            second: second, requests: tally.requests,
            p50LatencyMs: percentile(50), p95LatencyMs: percentile(95), p99LatencyMs: percentile(99),
            hitRate: percent(tally.cacheHits, tally.lookups), staleRate: percent(tally.stale, tally.lookups),
            crmErrorRate: percent(tally.crmErrors, tally.crmCalls)
        )
    }
}

extension ColoDetail {
    /// Counts a window's latency histogram into the 1-2-5 buckets. Each recorded value range goes
    /// to one bucket by its median (a histogram range may straddle an edge; counting by range on
    /// both sides would count it twice).
    static func buckets(_ latency: MicrosHistogram?) -> [LatencyBucket] {
        var counts = Array(repeating: 0, count: bucketEdgesMs.count + 1)
        if let latency {
            let edges = bucketEdgesMs.map { UInt64($0 * 1000) }
            for recorded in latency.recordedValues {
                let value = MicrosHistogram.medianEquivalent(recorded.value)
                let index = edges.firstIndex { value < $0 } ?? edges.count
                counts[index] += Int(recorded.count)
            }
        }
        return counts.enumerated().map { index, count in
            LatencyBucket(upToMs: index < bucketEdgesMs.count ? bucketEdgesMs[index] : nil, count: count)
        }
    }
}

extension MetricsWindow {
    /// `colo` (or "ALL" for every colo together) step by step over the window at `nowMillis`;
    /// nil for a colo the window does not hold. (Mutating only for the merge cache.)
    public mutating func detail(colo: String, nowMillis: Int64) -> ColoDetail? {
        let names = colo == ColoName.all ? coloNames : coloNames.filter { $0 == colo }
        guard !names.isEmpty else { return nil }
        let now = nowMillis.floorDiv(1000)
        let range = countedRange(now: now)
        let step: Int64 = keepsCoarse ? ColoWindow.coarseSlotSeconds : 1
        var points: [ColoDetail.Point] = []
        var start = range.lowerBound.floorDiv(step) * step
        while start <= now {
            var merged: ColoWindow.Merged = (Tally(), nil, nil)
            for name in names { ColoWindow.add(window(for: name).merged(period: start, seconds: step), into: &merged) }
            points.append(ColoDetail.Point(second: start, merged: merged))
            start += step
        }
        var latency: MicrosHistogram?
        for name in names {
            if let part = mergedWindow(for: name, range: range).latency { latency.merge(part) }
        }
        return ColoDetail(colo: colo, stepSeconds: Int(step), points: points, latencyBuckets: ColoDetail.buckets(latency))
    }
}

extension ColoWindow {
    /// Everything recorded in the `seconds` starting at `start` (30-second slots included when
    /// the period covers them), without touching the block cache.
    func merged(period start: Int64, seconds: Int64) -> Merged {
        var total: Merged = (Tally(), nil, nil)
        let range = start...(start + seconds - 1)
        if seconds == 1 {
            let slot = fine[Int(start.modulo(fine.count))]
            if slot.second == start { Self.add((slot.tally, slot.latency, slot.cpu), into: &total) }
            return total
        }
        for slot in fine where range.contains(slot.second) {
            Self.add((slot.tally, slot.latency, slot.cpu), into: &total)
        }
        for slot in coarse where slot.second != .min && range.contains(slot.second) {
            Self.add((slot.tally, slot.latency, slot.cpu), into: &total)
        }
        return total
    }
}
