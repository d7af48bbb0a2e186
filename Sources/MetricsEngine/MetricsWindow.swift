import LookupCore

/// Per-colo sliding windows (see ``ColoWindow``: the last minute by the second, older by 30 s),
/// plus the ALL row.
///
/// Pure: the caller passes the time. Events are placed by their own timestamps; one older than
/// the window is dropped and counted, one from the future is clamped to now and counted.
public struct MetricsWindow: Sendable {
    public static let windowRange = 10...900
    /// The windows the console's keys step through, and a viewer may ask a server for.
    public static let steps = [10, 30, 60, 120, 300, 600, 900]
    public static let otherColo = ColoName.other

    public private(set) var windowSeconds: Int
    public let minimumSamples: Int
    public let maximumColos: Int
    public private(set) var droppedTooOld = 0
    public private(set) var clampedFromFuture = 0
    public private(set) var recorded = 0
    /// Seconds without an event after which a colo is silent (NO DATA).
    public let noDataSeconds: Int
    private var colos: [String: ColoWindow] = [:]
    /// When each colo in `colos`, and any colo at all (ALL), was heard from.
    private var presence: [String: Presence] = [:]
    private var allPresence: Presence?
    private var firstSecond: Int64?

    /// How long a silent colo stays listed after the window has emptied: then it goes.
    public static let retireAfterWindowSeconds = 300
    /// False for a view of a recording at one moment: a colo silent for hours is still NO DATA
    /// there, not gone (a live engine forgets it to bound its memory).
    public var forgetsSilentColos = true

    /// The window unless told otherwise.
    public static let defaultSeconds = 60

    public init(windowSeconds: Int = MetricsWindow.defaultSeconds, minimumSamples: Int = 20, maximumColos: Int = ColoName.maximumColos, noDataSeconds: Int = 10) {
        precondition(Self.windowRange.contains(windowSeconds) && maximumColos > 0 && noDataSeconds > 0)
        self.windowSeconds = windowSeconds
        self.minimumSamples = minimumSamples
        self.maximumColos = maximumColos
        self.noDataSeconds = noDataSeconds
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
        recorded += taken
        guard taken > 0 else { return }
        firstSecond = min(firstSecond ?? second, second)
        let silence = Int64(noDataSeconds)
        presence[name, default: Presence(millis: nowMillis, eventSecond: second)].heard(millis: nowMillis, eventSecond: second, silenceSeconds: silence)
        if allPresence == nil { allPresence = Presence(millis: nowMillis, eventSecond: second) }
        allPresence!.heard(millis: nowMillis, eventSecond: second, silenceSeconds: silence)
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

    /// Figures for every colo listed and for all colos together, at `nowMillis`. A colo stays
    /// listed while it is silent, until nothing was heard from it for the window (or the no-data
    /// time, if longer) plus ``retireAfterWindowSeconds``; then it is forgotten here and returned
    /// in `retired`.
    /// (Mutating for each colo's cache of merged 10-second blocks, and to forget colos.)
    public mutating func figures(nowMillis: Int64) -> (colos: [ColoFigures], all: ColoFigures, retired: [String]) {
        let retired = retire(nowMillis: nowMillis)
        let now = nowMillis.floorDiv(1000)
        let range = countedRange(now: now)
        var allTally = Tally()
        var allLatency: MicrosHistogram?
        var allCPU: MicrosHistogram?
        var rows: [ColoFigures] = []
        for name in coloNames where presence[name] != nil {
            let merged = colos[name]!.merged(seconds: range)  // in place: modify through the dictionary
            allTally.add(merged.tally)
            if let latency = merged.latency { allLatency.merge(latency) }
            if let cpu = merged.cpu { allCPU.merge(cpu) }
            presence[name]?.forgetGaps(before: range.lowerBound)
            let observed = presence[name]?.observedSeconds(in: range, silent: isSilent(colo: name, nowMillis: nowMillis)) ?? 0
            rows.append(ColoFigures(colo: name, tally: merged.tally, latency: merged.latency, cpu: merged.cpu,
                                    seconds: observed, minimum: minimumSamples))
        }
        allPresence?.forgetGaps(before: range.lowerBound)
        let observed = allPresence?.observedSeconds(in: range, silent: isSilent(colo: ColoName.all, nowMillis: nowMillis)) ?? 0
        let all = ColoFigures(colo: ColoName.all, tally: allTally, latency: allLatency, cpu: allCPU, seconds: observed, minimum: minimumSamples)
        return (rows, all, retired)
    }

    /// When `colo` ("ALL" for any colo) was last heard from (epoch ms); nil if never, or forgotten.
    public func lastHeard(colo: String) -> Int64? {
        colo == ColoName.all ? allPresence?.lastMillis : presence[colo]?.lastMillis
    }

    /// True when nothing was heard from `colo` ("ALL" for any colo) for more than the no-data
    /// time, or ever.
    public func isSilent(colo: String, nowMillis: Int64) -> Bool {
        guard let heard = colo == ColoName.all ? allPresence : presence[colo] else { return true }
        return heard.isSilent(nowMillis: nowMillis, silenceMillis: Int64(noDataSeconds) * 1000)
    }

    /// Forgets colos silent for longer than the window plus ``retireAfterWindowSeconds``:
    /// nothing of theirs is left in the window, and their place under the colo cap is free again.
    private mutating func retire(nowMillis: Int64) -> [String] {
        // Past the window and the no-data time both: the row has been NO DATA with nothing left in it.
        let limit = Int64(max(windowSeconds, noDataSeconds) + Self.retireAfterWindowSeconds) * 1000
        let gone = forgetsSilentColos ? presence.filter { nowMillis - $0.value.lastMillis > limit }.map(\.key).sorted() : []
        for name in gone {
            presence[name] = nil
            colos[name] = nil
        }
        // A colo whose every event was too old to keep was never heard: it holds nothing.
        for name in colos.keys where presence[name] == nil { colos[name] = nil }
        return gone
    }

    /// One colo's rings (a copy-on-write copy, for reading).
    func window(for name: String) -> ColoWindow { colos[name] ?? ColoWindow(keepsCoarse: keepsCoarse) }

    /// One colo's merged data over `range`, through its block cache.
    mutating func mergedWindow(for name: String, range: ClosedRange<Int64>) -> ColoWindow.Merged {
        colos[name]?.merged(seconds: range) ?? (Tally(), nil, nil)
    }

    private func coloKey(_ raw: String) -> String {
        let name = ColoName.normalised(raw)
        // Below the cap every colo is admitted: no need to look it up first.
        guard colos.count >= maximumColos else { return name }
        return ColoName.admitted(name, known: colos[name] != nil, count: colos.count, maximum: maximumColos)
    }
}

extension Int64 {
    func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
