/// When one colo (or ALL) was heard from: what NO DATA and rates over the time observed rest on.
///
/// Two clocks, each for what it can tell:
/// - **Arrival** on the engine's clock decides NO DATA: is anything coming in? A sender whose clock
///   lags is still heard.
/// - **The events' own seconds** decide what was observed: a stretch of event time longer than the
///   no-data time with no event is a gap, seconds nobody saw. A backlog a reporter sends after a
///   network cut fills the seconds it covers, so they count as observed.
///
/// Rates divide by the seconds of the window since the colo's oldest event, less the gaps, and
/// less the time since its newest event while it is silent. So a colo that came back 10 s ago at
/// 10 lookups a second shows 10/s, not 10 × 10 / 60.
struct Presence: Sendable, Equatable {
    private(set) var firstSecond: Int64
    /// The newest event second (its own time, clamped to now).
    private(set) var lastSecond: Int64
    /// The last arrival (engine clock).
    private(set) var lastMillis: Int64
    /// Stretches of event time with no event, longer than the no-data time, oldest first.
    /// Bounded: past ``maximumGaps`` the two oldest merge (the seconds between them then count as
    /// unseen, never the other way).
    private(set) var gaps: [ClosedRange<Int64>] = []
    static let maximumGaps = 32

    init(millis: Int64, eventSecond: Int64) {
        firstSecond = eventSecond
        lastSecond = eventSecond
        lastMillis = millis
    }

    /// Notes an event that arrived at `millis` and is placed in `eventSecond`.
    mutating func heard(millis: Int64, eventSecond: Int64, silenceSeconds: Int64) {
        lastMillis = max(lastMillis, millis)
        if eventSecond > lastSecond {
            if eventSecond - lastSecond > silenceSeconds { add((lastSecond + 1)...(eventSecond - 1)) }
            lastSecond = eventSecond
        } else if eventSecond < firstSecond {
            if firstSecond - eventSecond > silenceSeconds { add((eventSecond + 1)...(firstSecond - 1), oldest: true) }
            firstSecond = eventSecond
        } else if let index = gaps.firstIndex(where: { $0.contains(eventSecond) }) {
            // Late, into a gap: the gap was not silence after all, around this second.
            let gap = gaps.remove(at: index)
            // What is left on each side stays a gap only while still longer than the no-data time.
            if gap.upperBound - eventSecond > silenceSeconds { gaps.insert((eventSecond + 1)...gap.upperBound, at: index) }
            if eventSecond - gap.lowerBound > silenceSeconds { gaps.insert(gap.lowerBound...(eventSecond - 1), at: index) }
        }
    }

    private mutating func add(_ gap: ClosedRange<Int64>, oldest: Bool = false) {
        if oldest { gaps.insert(gap, at: 0) } else { gaps.append(gap) }
        if gaps.count > Self.maximumGaps {
            gaps[1] = gaps[0].lowerBound...gaps[1].upperBound
            gaps.removeFirst()
        }
    }

    /// Nothing heard for more than `silenceMillis`.
    func isSilent(nowMillis: Int64, silenceMillis: Int64) -> Bool {
        nowMillis - lastMillis > silenceMillis
    }

    /// Seconds of `range` (which ends at the current second) in which the colo was observed:
    /// from its oldest event, leaving out the gaps, and while it is silent (`silent`), the time
    /// since its newest event.
    func observedSeconds(in range: ClosedRange<Int64>, silent: Bool) -> Int {
        let lower = max(range.lowerBound, firstSecond)
        let upper = range.upperBound
        guard lower <= upper else { return 0 }
        var seconds = upper - lower + 1
        var unseen = gaps
        if silent, lastSecond < upper { unseen.append((lastSecond + 1)...upper) }
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
