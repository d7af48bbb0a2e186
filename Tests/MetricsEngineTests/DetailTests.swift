import LookupCore
import Testing
@testable import MetricsEngine

@Suite("One colo up close")
struct DetailTests {
    @Test("A minute's window gives one point a second, empty seconds included, with that second's own figures")
    func perSecond() throws {
        var window = MetricsWindow(windowSeconds: 60)
        let now = t0 + 59_000
        // Second 10: slow misses with one CRM error; second 50: fast hits; nothing else for LHR.
        for i in 0..<10 { window.record(event(at: t0 + 10_000, latency: 300 + Double(i), error: i == 0 ? "crm_5xx" : nil), nowMillis: now) }
        for _ in 0..<20 { window.record(event(at: t0 + 50_000, latency: 0.4, hit: true), nowMillis: now) }
        window.record(event(at: t0 + 50_000, colo: "SIN", latency: 9_000), nowMillis: now)
        let found = window.detail(colo: "LHR", nowMillis: now)
        let detail = try #require(found)
        #expect(detail.stepSeconds == 1)
        #expect(detail.points.count == 60)
        #expect(detail.points.first?.second == t0 / 1000 && detail.points.last?.second == now / 1000)
        let slow = detail.points[10]
        #expect(slow.requests == 10 && slow.hitRate == 0 && slow.crmErrorRate == 10)
        #expect(abs(slow.p50LatencyMs! - 304) < 4 && slow.p99LatencyMs! >= 306)
        let fast = detail.points[50]
        #expect(fast.requests == 20 && fast.hitRate == 100 && fast.crmErrorRate == nil)
        #expect(detail.points[30].requests == 0 && detail.points[30].p95LatencyMs == nil)
        // Buckets: 20 under 1 ms, 10 in 200–500 ms, and SIN's 9 s only in ALL.
        #expect(detail.latencyBuckets.count == ColoDetail.bucketEdgesMs.count + 1)
        #expect(detail.latencyBuckets[0] == .init(upToMs: 1, count: 20))
        #expect(detail.latencyBuckets.first { $0.upToMs == 500 }?.count == 10)
        #expect(detail.latencyBuckets.map(\.count).reduce(0, +) == 30)
        let foundAll = window.detail(colo: "ALL", nowMillis: now)
        let all = try #require(foundAll)
        #expect(all.latencyBuckets.last == .init(upToMs: nil, count: 1))
        #expect(all.points[50].requests == 21)
        let missing = window.detail(colo: "GRU", nowMillis: now)
        #expect(missing == nil)
    }

    @Test("Past a minute the steps are 30 s, and seconds already folded into 30 s slots still count")
    func coarse() throws {
        var window = MetricsWindow(windowSeconds: 300)
        // One event every second for 200 s; the first 140 are folded into 30 s slots by then.
        for second in 0..<200 {
            let now = t0 + Int64(second) * 1000
            window.record(event(at: now, latency: second < 100 ? 5 : 50), nowMillis: now)
        }
        let now = t0 + 199_000
        let found = window.detail(colo: "LHR", nowMillis: now)
        let detail = try #require(found)
        #expect(detail.stepSeconds == 30)
        #expect(detail.points.allSatisfy { $0.second % 30 == 0 })
        #expect(detail.points.map(\.requests).reduce(0, +) == 200)
        let figures = window.figures(nowMillis: now).all
        #expect(figures.p50LatencyMs.n == 200)
        #expect(detail.latencyBuckets.map(\.count).reduce(0, +) == figures.tally.requests)
        // The step holding second 100 mixes both latencies; the last steps are all slow.
        #expect(detail.points.last?.p50LatencyMs.map { abs($0 - 50) < 1 } == true)
    }
}
