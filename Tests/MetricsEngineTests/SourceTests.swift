import Foundation
import LookupCore
import Testing
@testable import MetricsEngine

@Suite("Sources: the instances that forward events")
struct SourceTests {
    static func from(_ source: String?, at millis: Int64, colo: String = "LHR", latency: Double = 3, hit: Bool = true,
                     error: String? = nil) -> MetricEvent {
        MetricEvent(timestamp: millis, colo: colo, latencyMs: latency, cacheHit: hit, customerFound: error == nil, errorType: error, source: source)
    }

    @Test("Each source is counted with when it was last heard from; silent for over 10 s it is stale; events without one are not listed")
    func statuses() throws {
        var monitor = MetricsMonitor()
        for second in 0..<20 {
            let now = t0 + Int64(second) * 1000
            monitor.record(Self.from("edge-a", at: now), nowMillis: now)
            if second < 5 { monitor.record(Self.from("edge-b", at: now), nowMillis: now) }
            monitor.record(Self.from(nil, at: now), nowMillis: now)
        }
        let at15 = monitor.tick(nowMillis: t0 + 14_000).sources
        #expect(at15.map(\.id) == ["edge-a", "edge-b"])
        #expect(at15.map(\.events) == [20, 5])
        #expect(at15.first { $0.id == "edge-b" }?.lastSeen == t0 + 4_000)
        #expect(at15.first { $0.id == "edge-b" }?.stale == false)  // 10 s exactly is not over 10 s
        let later = monitor.tick(nowMillis: t0 + 19_000)
        #expect(later.sources.map(\.stale) == [false, true])
        #expect(later.all.figures.tally.requests == 45)
        #expect(try later.jsonText().contains(#""sources":[{"events":20,"id":"edge-a","lastSeen":"#))
    }

    @Test("At most 64 sources are listed; a full table of live sources counts newcomers as unlisted, a silent one makes room")
    func bounded() {
        var monitor = MetricsMonitor()
        for index in 0..<70 { monitor.record(Self.from("edge-\(index)", at: t0), nowMillis: t0) }
        let snapshot = monitor.tick(nowMillis: t0)
        #expect(snapshot.sources.count == 64)
        #expect(snapshot.eventsFromUnlistedSources == 6)
        #expect(snapshot.all.figures.tally.requests == 70)
        // 15 s on, all but edge-5 have spoken again: edge-5 alone is stale, and a newcomer takes its place.
        for index in 0..<64 where index != 5 { monitor.record(Self.from("edge-\(index)", at: t0 + 15_000), nowMillis: t0 + 15_000) }
        monitor.record(Self.from("restarted", at: t0 + 20_000), nowMillis: t0 + 20_000)
        let later = monitor.tick(nowMillis: t0 + 20_000)
        #expect(later.sources.count == 64 && later.eventsFromUnlistedSources == 6)
        #expect(later.sources.contains { $0.id == "restarted" } && !later.sources.contains { $0.id == "edge-5" })
        // Now every listed source is live: another newcomer is unlisted, and no live source is evicted.
        monitor.record(Self.from("one-more", at: t0 + 20_000), nowMillis: t0 + 20_000)
        monitor.heard(from: "idle-one", nowMillis: t0 + 20_000)
        let full = monitor.tick(nowMillis: t0 + 20_000)
        #expect(full.sources.count == 64 && full.eventsFromUnlistedSources == 7)
        #expect(!full.sources.contains { $0.id == "one-more" || $0.id == "idle-one" })
        #expect(Set(full.sources.map(\.id)) == Set(later.sources.map(\.id)))
    }

    @Test("A source silent for 15 minutes is forgotten, so restarts under new ids do not fill the table")
    func forgotten() {
        var monitor = MetricsMonitor()
        monitor.record(Self.from("old-pod", at: t0), nowMillis: t0)
        #expect(monitor.tick(nowMillis: t0 + 15 * 60_000).sources.map(\.id) == ["old-pod"])
        #expect(monitor.tick(nowMillis: t0 + 15 * 60_000 + 1).sources.isEmpty)
    }

    @Test("The split files colos as the window does: lower case is the same colo")
    func normalisedColos() throws {
        var monitor = MetricsMonitor()
        monitor.record(Self.from("edge-a", at: t0, colo: "sin"), nowMillis: t0)
        monitor.record(Self.from("edge-a", at: t0, colo: "SIN"), nowMillis: t0)
        let found = monitor.detail(colo: "SIN", nowMillis: t0)
        let detail = try #require(found)
        #expect(detail.sources.first?.requests == 2)
    }

    @Test("The detail view splits a colo by source over the last minute: requests, hit and CRM error rates, the p95 bucket")
    func split() throws {
        var monitor = MetricsMonitor()
        for index in 0..<40 {
            monitor.record(Self.from("edge-a", at: t0, colo: "SIN", latency: 2, hit: true), nowMillis: t0)
            monitor.record(Self.from("edge-b", at: t0, colo: "SIN", latency: 700, hit: false, error: index % 2 == 0 ? "crm_timeout" : nil), nowMillis: t0)
            monitor.record(Self.from("edge-b", at: t0, colo: "LHR"), nowMillis: t0)
        }
        let found = monitor.detail(colo: "SIN", nowMillis: t0)
        let detail = try #require(found)
        #expect(detail.sources.map(\.id) == ["edge-a", "edge-b"])
        let (a, b) = (detail.sources[0], detail.sources[1])
        #expect(a.requests == 40 && a.hitRate == 100 && a.crmErrorRate == nil && a.p95Bucket == 2)
        #expect(b.requests == 40 && b.hitRate == 0 && b.crmErrorRate == 50 && b.p95Bucket == 9)
        #expect(ColoDetail.bucketEdgesMs[9] == 1000)
        let all = monitor.detail(colo: "ALL", nowMillis: t0)
        #expect(all?.sources.map(\.requests) == [40, 80])
        // The split counts whole 10 s slots that overlap the last minute: gone once the slot has left it.
        var long = MetricsMonitor(windowSeconds: 300)
        long.record(Self.from("edge-a", at: t0, colo: "SIN"), nowMillis: t0)
        #expect(long.detail(colo: "SIN", nowMillis: t0 + 68_000)?.sources.map(\.id) == ["edge-a"])
        #expect(long.detail(colo: "SIN", nowMillis: t0 + 69_000)?.sources.isEmpty == true)
    }

    @Test("source round-trips in the codec, is optional, and is held to printable ASCII of 1 to 64 characters")
    func codec() throws {
        let codec = EventCodec()
        let event = Self.from("edge-a:8787", at: t0)
        let line = EventCodec.encode(event)
        #expect(line.hasSuffix(#","source":"edge-a:8787"}"#))
        #expect(try codec.decode(line: Data(line.utf8), number: 1).get() == event)
        #expect(!EventCodec.encode(Self.from(nil, at: t0)).contains("source"))
        for bad in [#""""#, "\"" + String(repeating: "x", count: 65) + "\"", #""caf\u00e9""#, "12"] {
            let text = line.replacingOccurrences(of: #""edge-a:8787""#, with: bad)
            #expect(throws: EventCodec.LineError.self) { try codec.decode(line: Data(text.utf8), number: 3).get() }
        }
    }
}
