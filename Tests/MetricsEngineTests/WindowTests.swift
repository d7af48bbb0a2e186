import Foundation
import LookupCore
import Testing
@testable import MetricsEngine

func event(
    at millis: Int64, colo: String = "LHR", latency: Double = 10, hit: Bool = false, found: Bool = true,
    error: String? = nil, cpu: Double? = 1
) -> MetricEvent {
    MetricEvent(timestamp: millis, colo: colo, latencyMs: latency, cacheHit: hit, customerFound: found, errorType: error, cpuMs: cpu)
}

let t0: Int64 = 1_794_000_000_000

@Suite("Sliding windows")
struct WindowTests {
    @Test("Percentiles agree with exact quantiles within HdrHistogram's 1 % precision")
    func percentiles() {
        var window = MetricsWindow(windowSeconds: 60)
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = []
        for i in 0..<5_000 {
            // A long-tailed mix: most fast, some slow, a few very slow.
            let base = Double.random(in: 0.2...4, using: &rng)
            let value = i % 20 == 0 ? base * 200 : (i % 5 == 0 ? base * 15 : base)
            values.append(value)
            window.record(event(at: t0 + Int64(i % 60) * 1000, latency: value), nowMillis: t0 + 59_000)
        }
        let figures = window.figures(nowMillis: t0 + 59_000).all
        values.sort()
        for (p, figure) in [(50.0, figures.p50LatencyMs), (95.0, figures.p95LatencyMs), (99.0, figures.p99LatencyMs)] {
            let exact = values[Int((p / 100 * Double(values.count)).rounded(.up)) - 1]
            let measured = figure.value!
            // Values are recorded in whole microseconds, then bucketed at two significant digits.
            #expect(abs(measured - exact) <= exact * 0.01 + 0.001, "p\(p): \(measured) vs exact \(exact)")
            #expect(figure.n == 5_000)
        }
    }

    @Test("Events expire from the window second by second")
    func expiry() {
        var window = MetricsWindow(windowSeconds: 10, minimumSamples: 1)
        for second in 0..<10 { window.record(event(at: t0 + Int64(second) * 1000), nowMillis: t0 + 9_000) }
        #expect(window.figures(nowMillis: t0 + 9_999).all.tally.requests == 10)
        #expect(window.figures(nowMillis: t0 + 10_000).all.tally.requests == 9)
        #expect(window.figures(nowMillis: t0 + 14_500).all.tally.requests == 5)
        #expect(window.figures(nowMillis: t0 + 19_000).all.tally.requests == 0)
        // Still listed (it is NO DATA) until the window and five minutes more have passed.
        #expect(window.figures(nowMillis: t0 + 19_000).colos.map(\.tally.requests) == [0])
        #expect(window.figures(nowMillis: t0 + 9_000 + 310_000).colos.map(\.colo) == ["LHR"])
        let gone = window.figures(nowMillis: t0 + 9_000 + 310_001)
        #expect(gone.colos.isEmpty && gone.retired == ["LHR"])
    }

    @Test("Old events are dropped and counted; future ones are clamped to now and counted")
    func lateAndFuture() {
        var window = MetricsWindow(windowSeconds: 10, minimumSamples: 1)
        window.record(event(at: t0 - 10_000), nowMillis: t0)
        window.record(event(at: t0 - 9_000), nowMillis: t0)
        window.record(event(at: t0 + 3_600_000), nowMillis: t0)
        #expect(window.droppedTooOld == 1)
        #expect(window.clampedFromFuture == 1)
        #expect(window.figures(nowMillis: t0).all.tally.requests == 2)
        // The clamped event sits at "now", so it leaves the window with now's slot.
        #expect(window.figures(nowMillis: t0 + 9_000).all.tally.requests == 1)
    }

    @Test("ALL merges histograms and sums counts across colos and slots")
    func merging() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
        for i in 0..<100 { window.record(event(at: t0 + Int64(i % 30) * 1000, colo: "LHR", latency: 1, hit: true), nowMillis: t0 + 59_000) }
        for i in 0..<100 { window.record(event(at: t0 + Int64(i % 30) * 1000, colo: "SIN", latency: 100, hit: false), nowMillis: t0 + 59_000) }
        let (colos, all, _) = window.figures(nowMillis: t0 + 59_000)
        #expect(colos.map(\.colo) == ["LHR", "SIN"])
        #expect(all.tally.requests == 200)
        #expect(all.cacheHitRate.value == 50)
        // Merged, not averaged: half the samples are 1 ms and half 100 ms, so p95 is ~100 ms
        // (averaging the colos' p95s would give ~50 ms).
        #expect(abs(all.p95LatencyMs.value! - 100) <= 1)
        #expect(abs(all.p50LatencyMs.value! - 1) <= 0.01)
        #expect(colos[0].p95LatencyMs.value! < 1.01)
        // 200 requests over the 60 s window, though only 30 s saw traffic since the first event.
        #expect(window.coveredSeconds(nowMillis: t0 + 59_000) == 60)
        #expect(all.requestRate.value! == 200.0 / 60.0)
    }

    @Test("Rates: hit, found, CRM errors of CRM calls and of all lookups; bad requests excluded")
    func rates() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
        let now = t0 + 10_000
        for _ in 0..<6 { window.record(event(at: t0, hit: true), nowMillis: now) }
        for _ in 0..<2 { window.record(event(at: t0, hit: false), nowMillis: now) }
        for _ in 0..<2 { window.record(event(at: t0, hit: false, found: false, error: "crm_5xx"), nowMillis: now) }
        window.record(event(at: t0, found: false, error: MetricEvent.badRequest), nowMillis: now)
        window.record(event(at: t0, found: false, error: MetricEvent.noLookupKey), nowMillis: now)
        let all = window.figures(nowMillis: now).all
        #expect(all.tally.requests == 12)
        #expect(all.tally.lookups == 10)
        #expect(all.cacheHitRate.value == 60)
        #expect(all.foundRate.value == 80)
        #expect(all.crmErrorRate.value == 50)
        #expect(all.crmErrorRate.n == 4)
        #expect(all.crmErrorRateOfAll.value == 20)
        #expect(all.errors == ["crm_5xx": 2, "bad_request": 1, "no_lookup_key": 1])
    }

    @Test("Unauthorized requests are counted apart: not lookups, not in the latency or CPU percentiles")
    func unauthorized() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
        let now = t0 + 10_000
        for _ in 0..<4 { window.record(event(at: t0, latency: 200, hit: false, cpu: 3), nowMillis: now) }
        // A flood of instant refusals must not pull p50 from 200 ms down to nothing.
        for _ in 0..<40 { window.record(event(at: t0, latency: 0.02, found: false, error: MetricEvent.unauthorized, cpu: 0.01), nowMillis: now) }
        let all = window.figures(nowMillis: now).all
        #expect(all.tally.requests == 44)
        #expect(all.tally.lookups == 4)
        #expect(all.tally.unauthorized == 40)
        #expect(all.errors["unauthorized"] == 40)
        #expect(abs(all.p50LatencyMs.value! - 200) <= 2)
        #expect(all.p50LatencyMs.n == 4)
        #expect(abs(all.cpuP50Ms.value! - 3) <= 0.05)
        #expect(all.crmErrorRate.value == 0)
    }

    @Test("Below the minimum count a figure is flagged insufficient; missing cpuMs shows as absent")
    func insufficient() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 20)
        for _ in 0..<19 { window.record(event(at: t0, cpu: nil), nowMillis: t0) }
        let all = window.figures(nowMillis: t0).all
        #expect(all.p95LatencyMs.n == 19)
        #expect(!all.p95LatencyMs.sufficient)
        #expect(all.cpuP95Ms.value == nil)
        #expect(all.cpuP95Ms.n == 0)
        window.record(event(at: t0), nowMillis: t0)
        #expect(window.figures(nowMillis: t0).all.p95LatencyMs.sufficient)
    }

    @Test("Arbitrary errorType strings from ingest stay bounded: past 16 kinds they count as other")
    func errorKinds() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
        for kind in 0..<40 { window.record(event(at: t0, error: "weird_\(kind)"), nowMillis: t0) }
        let errors = window.figures(nowMillis: t0).all.errors
        #expect(errors.count == 17)
        #expect(errors["other"] == 24)
        #expect(errors.values.reduce(0, +) == 40)
    }

    @Test("Colos past the cap fold into OTHER")
    func coloCap() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1, maximumColos: 3)
        for colo in ["AAA", "BBB", "CCC", "DDD", "EEE"] { window.record(event(at: t0, colo: colo), nowMillis: t0) }
        let colos = window.figures(nowMillis: t0).colos
        #expect(colos.map(\.colo) == ["AAA", "BBB", "CCC", "OTHER"])
        #expect(colos.last?.tally.requests == 2)
    }

    @Test("Memory is bounded by colos × slots, not by events or run time")
    func bounded() {
        var window = MetricsWindow(windowSeconds: 10, minimumSamples: 1, maximumColos: 4)
        for second in 0..<1_000 {
            for colo in ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"] {
                window.record(event(at: t0 + Int64(second) * 1000, colo: colo), nowMillis: t0 + Int64(second) * 1000)
            }
        }
        #expect(window.coloNames.count == 5)
        let all = window.figures(nowMillis: t0 + 999_000).all
        #expect(all.tally.requests == 60)
    }

    @Test("The window can change at runtime between 10 s and 15 min")
    func resize() {
        var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
        for second in 0..<60 { window.record(event(at: t0 + Int64(second) * 1000), nowMillis: t0 + 59_000) }
        window.setWindow(seconds: 10, nowMillis: t0 + 59_000)
        #expect(window.windowSeconds == 10)
        #expect(window.figures(nowMillis: t0 + 59_000).all.tally.requests == 10)
        window.setWindow(seconds: 5, nowMillis: t0 + 59_000)
        #expect(window.windowSeconds == 10)
        window.setWindow(seconds: 3_600, nowMillis: t0 + 59_000)
        #expect(window.windowSeconds == 900)
        // The last minute is always kept at 1-second resolution: narrowing hid it, widening shows it.
        #expect(window.figures(nowMillis: t0 + 59_000).all.tally.requests == 60)
        // Older than a minute is kept only while the window is longer than a minute.
        for second in 60..<200 { window.record(event(at: t0 + Int64(second) * 1000), nowMillis: t0 + Int64(second) * 1000) }
        #expect(window.figures(nowMillis: t0 + 199_000).all.tally.requests == 200)
        window.setWindow(seconds: 60, nowMillis: t0 + 199_000)
        window.setWindow(seconds: 900, nowMillis: t0 + 199_000)
        #expect(window.figures(nowMillis: t0 + 199_000).all.tally.requests == 60)
    }

    @Test("Long windows: exact for the last minute, whole 30-second slots at the trailing edge",
          arguments: [(300, 300...300), (290, 290...319), (900, 900...900), (61, 61...90)])
    func longWindows(seconds: Int, expected: ClosedRange<Int>) {
        var window = MetricsWindow(windowSeconds: seconds, minimumSamples: 1)
        // One event a second for 20 minutes, each recorded at its own time, with a tail to check p95.
        for second in 0..<1_200 {
            let now = t0 + Int64(second) * 1000
            window.record(event(at: now, latency: second % 20 == 0 ? 500 : 10), nowMillis: now)
        }
        let all = window.figures(nowMillis: t0 + 1_199_000).all
        #expect(expected.contains(all.tally.requests), "\(all.tally.requests) requests in a \(seconds) s window")
        // One event a second is a rate of one, whatever the slots at the edge.
        #expect(abs(all.requestRate.value! - 1) < 0.001, "rate \(all.requestRate.value!)")
        #expect(abs(all.p99LatencyMs.value! - 500) < 6)
        #expect(abs(all.p50LatencyMs.value! - 10) < 0.2)
    }

    @Test("Worst case: 64 colos and OTHER, a 15-minute window, latency and CPU every second: under 256 MiB")
    func memoryBound() {
        // Colos are independent, so one colo filled to its worst case, times 65, is the bound.
        // (Filling all 65 in a debug build takes a core for 20 s and starves the other tests.)
        var one = MetricsWindow(windowSeconds: 900, minimumSamples: 1)
        for second in 0..<1_000 {
            let now = t0 + Int64(second) * 1000
            // Values spread over the histogram's whole range, so every bucket region is touched.
            let latency = pow(10, Double(second % 70) / 10) / 100
            one.record(event(at: now, colo: "LHR", latency: latency, cpu: latency / 3), nowMillis: now)
            if second % 10 == 0 { _ = one.figures(nowMillis: now) }
        }
        _ = one.figures(nowMillis: t0 + 999_000)
        let perColo = Double(one.histogramBytes) / 1_048_576
        // 60 one-second and 30 thirty-second slots of two histograms each, plus cached blocks.
        #expect(perColo >= 90 * 2 * 0.009, "the bound is measured on a full window: \(perColo) MiB")
        let mebibytes = perColo * 65
        #expect(mebibytes <= 256, "65 colos would hold \(mebibytes) MiB of histograms")

        // And colos past the cap really do fold into OTHER: 80 names make 65 windows.
        var many = MetricsWindow(windowSeconds: 900, minimumSamples: 1, maximumColos: 64)
        for index in 0..<80 { many.record(event(at: t0, colo: String(format: "C%02d", index)), nowMillis: t0) }
        #expect(many.coloNames.count == 65)
        print("memory bound: \(perColo) MiB per colo, \(mebibytes) MiB for 65 colos × 900 s")
    }
}

@Suite("Playback over gaps")
struct PlaybackTests {
    static func recording(_ offsets: [Int64]) -> Recording {
        Recording(events: offsets.map { event(at: t0 + $0) })
    }

    @Test("A stray event ten days before the rest costs about a window of steps, not ten days of them")
    func jumpsGaps() {
        let tenDays: Int64 = 10 * 86_400_000
        let recording = Self.recording([0, tenDays, tenDays + 1_000, tenDays + 2_000])
        var monitor = MetricsMonitor(windowSeconds: 60, thresholds: { var t = ThresholdTable(); t.minimumSamples = 1; return t }())
        var steps = 0
        let last = recording.play(into: &monitor) { _ in steps += 1; return true }
        #expect(steps < 200, "\(steps) steps")
        #expect(steps > 61, "the window must drain before the jump: \(steps) steps")
        #expect(last?.generatedAt == t0 + tenDays + 2_000)
        #expect(last?.all.figures.tally.requests == 3)
    }

    @Test("A report time inside a gap is played to exactly that time")
    func endsInsideGap() {
        let recording = Self.recording([0, 86_400_000])
        var monitor = MetricsMonitor(windowSeconds: 60)
        let at = t0 + 3_600_000
        let last = recording.play(into: &monitor, untilMillis: at)
        #expect(last?.generatedAt == at)
        #expect(last?.all.figures.tally.requests == 0)
    }
}
