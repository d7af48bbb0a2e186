import LookupCore
import Testing
@testable import MetricsEngine

/// The caches behind a colo's merged window (per block, of the older 30-second slots, of
/// everything but the two slots that move within a second) against merging every slot afresh.
@Suite("A colo's merge caches")
struct MergeCacheTests {
    /// Every slot in `range` merged directly: what the caches must always give.
    static func uncached(_ window: ColoWindow, _ range: ClosedRange<Int64>) -> ColoWindow.Merged {
        var total: ColoWindow.Merged = (Tally(), nil, nil)
        for slot in window.fine where range.contains(slot.second) { ColoWindow.add((slot.tally, slot.latency, slot.cpu), into: &total) }
        for slot in window.coarse where slot.second != .min
            && slot.second + ColoWindow.coarseSlotSeconds - 1 >= range.lowerBound && slot.second <= range.upperBound {
            ColoWindow.add((slot.tally, slot.latency, slot.cpu), into: &total)
        }
        return total
    }

    @Test("Seeded random events, late ones, some a second ahead of the tick, ticks and ranges of every size: every merge equals merging every slot",
          arguments: [false, true])
    func agreesWithUncached(coarse: Bool) throws {
        var random = SplitMix64(seed: coarse ? 0xC0A125E : 0xF1E)
        var window = ColoWindow(keepsCoarse: coarse)
        var now: Int64 = 1_000_000
        var checks = 0
        for step in 0..<30_000 {
            switch random.next() % 100 {
            case 0..<3:
                // A record whose clock is a second ahead of the tick's (it took the lock first).
                let event = MetricEvent(timestamp: (now + 1) * 1000, colo: "LHR", latencyMs: 1, cacheHit: true, customerFound: true,
                                        errorType: nil, cpuMs: 0.1)
                window.record(event, second: now + 1, now: now + 1)
            case 3..<70:
                // Mostly the current second; some late, a few older than the minute.
                let back = [0, 0, 0, 0, 1, 2, 7, 59, 61, 95, 400][Int(random.next() % 11)]
                let event = MetricEvent(timestamp: (now - Int64(back)) * 1000, colo: "LHR", latencyMs: Double(random.next() % 5_000) / 10,
                                        cacheHit: random.next() % 2 == 0, customerFound: true, errorType: nil, cpuMs: Double(random.next() % 90) / 100)
                window.record(event, second: now - Int64(back), now: now)
            case 70..<80:
                now += Int64(1 + random.next() % (random.next() % 10 == 0 ? 40 : 2))
            default:
                let seconds = coarse ? [61, 300, 900][Int(random.next() % 3)] : [10, 30, 60][Int(random.next() % 3)]
                var lower = now - Int64(seconds) + 1
                if coarse { lower = lower.floorDiv(ColoWindow.coarseSlotSeconds) * ColoWindow.coarseSlotSeconds }
                let range = lower...now
                let expected = Self.uncached(window, range)
                let merged = window.merged(seconds: range)
                try #require(merged.tally == expected.tally, "step \(step)")
                try #require(merged.latency == expected.latency, "step \(step)")
                try #require(merged.cpu == expected.cpu, "step \(step)")
                checks += 1
            }
        }
        #expect(checks > 5_000)
    }
}
