/// When one colo (or ALL) was heard from: what NO DATA and rates over the time observed rest on.
///
/// Times are arrival times on the engine's clock, not the events' own timestamps, so a sender
/// whose clock lags is still heard. A silence longer than the no-data time is a gap: seconds
/// nobody saw. Rates divide by the seconds of the window outside gaps since the colo was first
/// heard, so a colo that came back 10 s ago at 10 lookups a second shows 10/s, not 10 × 10 / 60.
struct Presence: Sendable, Equatable {
    private(set) var firstSecond: Int64
    private(set) var lastSecond: Int64
    private(set) var lastMillis: Int64
    /// Silences longer than the no-data time, oldest first. Bounded: past ``maximumGaps`` the two
    /// oldest merge (the seconds heard between them then count as unseen, never the other way).
    private(set) var gaps: [ClosedRange<Int64>] = []
    static let maximumGaps = 32

    init(millis: Int64) {
        firstSecond = millis.floorDiv(1000)
        lastSecond = firstSecond
        lastMillis = millis
    }

    /// Notes an event taken at `millis` and placed in `eventSecond` (its own time, clamped to
    /// now): observation starts no later than the oldest event held, so a batch of older events
    /// posted at once counts over the seconds it spans. A silence over `silenceSeconds` before
    /// the arrival is a gap.
    mutating func heard(millis: Int64, eventSecond: Int64, silenceSeconds: Int64) {
        firstSecond = min(firstSecond, eventSecond)
        let second = millis.floorDiv(1000)
        if second - lastSecond > silenceSeconds {
            gaps.append((lastSecond + 1)...(second - 1))
            if gaps.count > Self.maximumGaps {
                gaps[1] = gaps[0].lowerBound...gaps[1].upperBound
                gaps.removeFirst()
            }
        }
        lastSecond = max(lastSecond, second)
        lastMillis = max(lastMillis, millis)
    }

    /// Nothing heard for more than `silenceMillis`.
    func isSilent(nowMillis: Int64, silenceMillis: Int64) -> Bool {
        nowMillis - lastMillis > silenceMillis
    }

    /// Seconds of `range` (which ends at the current second) in which the colo was observed:
    /// from when it was first heard, leaving out the gaps and a silence still going on.
    func observedSeconds(in range: ClosedRange<Int64>, silenceSeconds: Int64) -> Int {
        let lower = max(range.lowerBound, firstSecond)
        let upper = range.upperBound
        guard lower <= upper else { return 0 }
        var seconds = upper - lower + 1
        var unseen = gaps
        if upper - lastSecond > silenceSeconds { unseen.append((lastSecond + 1)...upper) }
        for gap in unseen {
            let from = max(gap.lowerBound, lower), to = min(gap.upperBound, upper)
            if from <= to { seconds -= to - from + 1 }
        }
        return Int(max(0, seconds))
    }

    /// Drops gaps that ended before `second` (older than any window).
    mutating func forgetGaps(before second: Int64) {
        gaps.removeAll { $0.upperBound < second }
    }
}
