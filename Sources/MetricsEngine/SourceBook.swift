import LookupCore

/// An edgewatch instance that forwards its events here (`serve --report-to`), as the snapshot
/// lists it.
public struct SourceStatus: Sendable, Equatable, Codable {
    public var id: String
    /// When it was last heard from, by an event or a heartbeat (epoch ms, this process's clock).
    public var lastSeen: Int64
    /// Events from it since it was (last) listed; a source forgotten or evicted starts again.
    public var events: Int
    /// Nothing from it for more than ``SourceBook/staleAfterMillis``.
    public var stale: Bool
}

/// One source's share of one colo over the last minute (by arrival), for the detail view.
public struct SourceSplit: Sendable, Equatable, Codable {
    public var id: String
    public var requests: Int
    /// Fresh hits / lookups, %.
    public var hitRate: Double?
    /// CRM errors / CRM calls, %.
    public var crmErrorRate: Double?
    /// The 1-2-5 latency bucket holding the p95, as an index into ``ColoDetail/latencyBuckets``
    /// (the last index is past ``ColoDetail/bucketEdgesMs``' last edge); nil with no latencies.
    public var p95Bucket: Int?
}

/// Per-source counters: when each source was last heard from, how many events it sent, and
/// for each colo a minute of coarse figures in 10-second slots. Bounded: at most
/// ``maximumSources`` sources and ``ColoName/maximumColos`` colos each. A source silent for
/// ``forgetAfterMillis`` is forgotten (instances that restart under a new id must not fill the
/// table); when the table is full, the longest-silent stale source makes room, and only when
/// every source is live are a new source's events counted as unlisted. Events without a `source`
/// are not counted here.
struct SourceBook: Sendable {
    static let maximumSources = 64
    static let staleAfterMillis: Int64 = 10_000
    static let forgetAfterMillis: Int64 = 15 * 60_000
    static let slotSeconds: Int64 = 10
    static let slotCount = 6

    struct Slot: Sendable {
        var start: Int64 = .min
        /// Counted by the window's own rules (what is a lookup, a hit, a CRM call).
        var tally = Tally()
        /// The lookups' latencies in the 1-2-5 buckets.
        var buckets = [Int](repeating: 0, count: ColoDetail.bucketEdgesMs.count + 1)

        mutating func add(_ other: Slot) {
            tally.add(other.tally)
            for index in buckets.indices { buckets[index] += other.buckets[index] }
        }
    }

    struct Entry: Sendable {
        var lastSeen: Int64
        var events = 0
        var colos: [String: [Slot]] = [:]
    }

    private(set) var entries: [String: Entry] = [:]
    /// Events from sources past ``maximumSources``.
    private(set) var unlistedEvents = 0

    mutating func record(_ event: MetricEvent, nowMillis: Int64) {
        guard let source = event.source, var entry = entry(for: source, nowMillis: nowMillis, countingEvent: true) else { return }
        entry.lastSeen = max(entry.lastSeen, nowMillis)
        entry.events += 1
        let name = ColoName.normalised(event.colo)
        let colo = ColoName.admitted(name, known: entry.colos[name] != nil, count: entry.colos.count)
        var slots = entry.colos.removeValue(forKey: colo) ?? Array(repeating: Slot(), count: Self.slotCount)
        let start = nowMillis.floorDiv(1000).floorDiv(Self.slotSeconds) * Self.slotSeconds
        let index = Int(start.floorDiv(Self.slotSeconds).modulo(Self.slotCount))
        if slots[index].start != start { slots[index] = Slot(start: start) }
        Self.count(event, into: &slots[index])
        entry.colos[colo] = slots
        entries[source] = entry
    }

    /// A source heard from without events (an idle instance's heartbeat).
    mutating func heard(from source: String, nowMillis: Int64) {
        guard var entry = entry(for: source, nowMillis: nowMillis, countingEvent: false) else { return }
        entry.lastSeen = max(entry.lastSeen, nowMillis)
        entries[source] = entry
    }

    /// Until then the table is full of live sources, so a newcomer finds no room without a scan.
    private var noRoomUntil: Int64 = .min

    /// The entry for `source`, taken out of the table to be put back; nil (and, for an event,
    /// counted as unlisted) when the table is full of live sources. Full, the longest-silent
    /// source makes room if it is stale; a live source is never evicted.
    private mutating func entry(for source: String, nowMillis: Int64, countingEvent: Bool) -> Entry? {
        if let entry = entries.removeValue(forKey: source) { return entry }
        if entries.count >= Self.maximumSources, nowMillis >= noRoomUntil,
           let oldest = entries.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
            if nowMillis - oldest.value.lastSeen > Self.staleAfterMillis {
                entries[oldest.key] = nil
            } else {
                noRoomUntil = oldest.value.lastSeen + Self.staleAfterMillis + 1
            }
        }
        guard entries.count < Self.maximumSources else {
            if countingEvent { unlistedEvents += 1 }
            return nil
        }
        return Entry(lastSeen: nowMillis)
    }

    /// Drops sources silent for longer than ``forgetAfterMillis``.
    mutating func forget(nowMillis: Int64) {
        entries = entries.filter { nowMillis - $0.value.lastSeen <= Self.forgetAfterMillis }
    }

    private static func count(_ event: MetricEvent, into slot: inout Slot) {
        let lookups = slot.tally.lookups
        slot.tally.add(event)
        // Latencies of lookups only, as the tally counts them.
        guard slot.tally.lookups > lookups else { return }
        let index = ColoDetail.bucketEdgesMs.firstIndex { event.latencyMs < $0 } ?? ColoDetail.bucketEdgesMs.count
        slot.buckets[index] += 1
    }

    func statuses(nowMillis: Int64) -> [SourceStatus] {
        entries.map { id, entry in
            SourceStatus(id: id, lastSeen: entry.lastSeen, events: entry.events,
                         stale: nowMillis - entry.lastSeen > Self.staleAfterMillis)
        }.sorted { $0.id < $1.id }
    }

    /// Each source's share of `colo` ("ALL" for every colo) over the last minute; sources with
    /// nothing there are left out.
    func split(colo: String, nowMillis: Int64) -> [SourceSplit] {
        let oldest = nowMillis.floorDiv(1000) - Self.slotSeconds * Int64(Self.slotCount) + 1
        return entries.compactMap { id, entry -> SourceSplit? in
            var total = Slot()
            for (name, slots) in entry.colos where colo == "ALL" || name == colo {
                for slot in slots where slot.start + Self.slotSeconds - 1 >= oldest { total.add(slot) }
            }
            let tally = total.tally
            guard tally.requests > 0 else { return nil }
            return SourceSplit(id: id, requests: tally.requests, hitRate: Figure.percent(tally.cacheHits, of: tally.lookups, minimum: 0).value,
                               crmErrorRate: Figure.percent(tally.crmErrors, of: tally.crmCalls, minimum: 0).value,
                               p95Bucket: Self.p95Bucket(total.buckets))
        }.sorted { $0.id < $1.id }
    }

    static func p95Bucket(_ buckets: [Int]) -> Int? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = Int((Double(total) * 0.95).rounded(.up))
        var seen = 0
        for (index, count) in buckets.enumerated() {
            seen += count
            if seen >= rank { return index }
        }
        return buckets.count - 1
    }
}
