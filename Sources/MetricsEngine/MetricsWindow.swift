import LookupCore

/// Per-colo sliding windows (see ``ColoWindow``: the last minute by the second, older by 30 s),
/// plus the ALL row.
///
/// Pure: the caller passes the time. Events are placed by their own timestamps; one older than
/// the window is dropped and counted, one from the future is clamped to now and counted.
public struct MetricsWindow: Sendable {
    public static let windowRange = 10...900
    public static let otherColo = "OTHER"

    public private(set) var windowSeconds: Int
    public let minimumSamples: Int
    public let maximumColos: Int
    public private(set) var droppedTooOld = 0
    public private(set) var clampedFromFuture = 0
    public private(set) var recorded = 0
    private var colos: [String: ColoWindow] = [:]
    private var firstSecond: Int64?

    public init(windowSeconds: Int = 60, minimumSamples: Int = 20, maximumColos: Int = 64) {
        precondition(Self.windowRange.contains(windowSeconds) && maximumColos > 0)
        self.windowSeconds = windowSeconds
        self.minimumSamples = minimumSamples
        self.maximumColos = maximumColos
    }

    /// Colos seen, in name order (OTHER last).
    public var coloNames: [String] {
        colos.keys.sorted { ($0 == Self.otherColo ? 1 : 0, $0) < ($1 == Self.otherColo ? 1 : 0, $1) }
    }

    public mutating func record(_ event: MetricEvent, nowMillis: Int64) {
        record(run: CollectionOfOne(event), nowMillis: nowMillis)
    }

    /// Records `events` in order, exactly as one ``record(_:nowMillis:)`` each would, but finds
    /// the colo's window once for each run of events with the same colo and second (a batch from
    /// one server is mostly one colo, and a few seconds at most).
    public mutating func record(contentsOf events: [MetricEvent], nowMillis: Int64) {
        var start = 0
        while start < events.count {
            let colo = events[start].colo
            let second = events[start].timestamp.floorDiv(1000)
            var end = start + 1
            while end < events.count, events[end].colo == colo, events[end].timestamp.floorDiv(1000) == second { end += 1 }
            record(run: events[start..<end], nowMillis: nowMillis)
            start = end
        }
    }

    /// Events with one colo and one second.
    private mutating func record(run: some Collection<MetricEvent>, nowMillis: Int64) {
        guard let first = run.first else { return }
        let now = nowMillis.floorDiv(1000)
        var second = first.timestamp.floorDiv(1000)
        if second > now {
            second = now
            clampedFromFuture += run.count
        }
        guard second > now - Int64(windowSeconds) else {
            droppedTooOld += run.count
            return
        }
        let name = coloKey(first.colo)
        let keep = keepsCoarse
        let taken = colos[name, default: ColoWindow(keepsCoarse: keep)].record(contentsOf: run, second: second, now: now)
        droppedTooOld += run.count - taken
        if taken > 0 { firstSecond = min(firstSecond ?? second, second) }
        recorded += taken
    }

    /// Changes the window length. The last minute is always kept, so narrowing hides it and
    /// widening shows it again; older data is kept only while the window is over a minute.
    public mutating func setWindow(seconds: Int, nowMillis: Int64) {
        let seconds = min(max(seconds, Self.windowRange.lowerBound), Self.windowRange.upperBound)
        guard seconds != windowSeconds else { return }
        windowSeconds = seconds
        let keep = keepsCoarse
        for name in colos.keys { colos[name]!.setKeepsCoarse(keep) }
    }

    /// Windows longer than a minute keep older seconds in 30-second slots.
    var keepsCoarse: Bool { windowSeconds > ColoWindow.fineSeconds }

    /// Bytes held by every colo's histograms: the engine state that grows with colos and window.
    public var histogramBytes: Int { colos.values.reduce(0) { $0 + $1.histogramBytes } }

    /// Seconds of the window that have had a chance to collect data (less than the window just
    /// after start-up). Rates divide by this.
    public func coveredSeconds(nowMillis: Int64) -> Int {
        guard let firstSecond else { return 0 }
        let now = nowMillis.floorDiv(1000)
        let span = countedRange(now: now)
        return Int(min(span.upperBound - span.lowerBound + 1, max(1, now - firstSecond + 1)))
    }

    /// The seconds the figures count at `now`: the window, widened at its trailing edge to a
    /// whole 30-second slot when the window is longer than a minute (those slots count whole).
    func countedRange(now: Int64) -> ClosedRange<Int64> {
        let lower = now - Int64(windowSeconds) + 1
        guard keepsCoarse else { return lower...now }
        return (lower.floorDiv(ColoWindow.coarseSlotSeconds) * ColoWindow.coarseSlotSeconds)...now
    }

    /// Figures for every colo and for all colos together, at `nowMillis`.
    /// (Mutating only to keep each colo's cache of merged 10-second blocks.)
    public mutating func figures(nowMillis: Int64) -> (colos: [ColoFigures], all: ColoFigures) {
        let now = nowMillis.floorDiv(1000)
        let range = countedRange(now: now)
        let seconds = coveredSeconds(nowMillis: nowMillis)
        var allTally = Tally()
        var allLatency: MicrosHistogram?
        var allCPU: MicrosHistogram?
        var rows: [ColoFigures] = []
        for name in coloNames {
            let merged = colos[name]!.merged(seconds: range)  // in place: modify through the dictionary
            guard merged.tally.requests > 0 else { continue }
            allTally.add(merged.tally)
            if let latency = merged.latency { allLatency.merge(latency) }
            if let cpu = merged.cpu { allCPU.merge(cpu) }
            rows.append(ColoFigures(colo: name, tally: merged.tally, latency: merged.latency, cpu: merged.cpu,
                                    seconds: seconds, minimum: minimumSamples))
        }
        let all = ColoFigures(colo: "ALL", tally: allTally, latency: allLatency, cpu: allCPU, seconds: seconds, minimum: minimumSamples)
        return (rows, all)
    }

    /// One colo's rings (a copy-on-write copy, for reading).
    func window(for name: String) -> ColoWindow { colos[name] ?? ColoWindow(keepsCoarse: keepsCoarse) }

    /// One colo's merged data over `range`, through its block cache.
    mutating func mergedWindow(for name: String, range: ClosedRange<Int64>) -> ColoWindow.Merged {
        colos[name]?.merged(seconds: range) ?? (Tally(), nil, nil)
    }

    private func coloKey(_ raw: String) -> String {
        let name = Self.normalised(colo: raw)
        if colos[name] != nil || colos.count < maximumColos { return name }
        return Self.otherColo
    }

    /// A colo as the engine files it: upper case, and `UNKNOWN` when empty or over 16 bytes.
    static func normalised(colo raw: String) -> String {
        // Colos almost always arrive as upper-case codes already; skip the allocation then.
        let isUpper = raw.utf8.allSatisfy { !($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) }
        let name = isUpper ? raw : raw.uppercased()
        return name.isEmpty || name.utf8.count > 16 ? "UNKNOWN" : name
    }
}

extension Int64 {
    func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
