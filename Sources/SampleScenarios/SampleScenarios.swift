import Foundation
import MetricsEngine

/// The scenarios committed under `sample-metrics/`, and the README that describes them.
public enum SampleScenarios {
    public static let all: [Scenario] = [steady, coldStart, crmOutage, crmSlowdown, apacSpike, cpuRegression, hangingCRMStale]

    static let steady = Scenario(
        file: "steady.jsonl", title: "Steady, healthy traffic",
        story: "Six colos at about 2 lookups/s each, 75 % cache hits, CRM round trips of 25–77 ms (further from Europe is slower), no CRM errors. Every figure meets its target.",
        seconds: 300,
        expectations: [
            expect(90, "ALL", .p95Latency, .ok), expect(90, "ALL", .cacheHitRate, .ok),
            expect(200, "SYD", .p95Latency, .ok), expect(290, "ALL", .crmErrorRate, .ok), expect(290, "LHR", .cpuTime, .ok),
        ],
        seed: 1
    ) { _, _ in Conditions() }

    static let coldStart = Scenario(
        file: "cold-start.jsonl", title: "Cold start after a cache flush",
        story: "Healthy until the cache is flushed at 1:00. Hits drop to zero and come back slowly as repeat callers return (time constant 90 s). The hit rate goes to ALERT while the cache warms, and p50 rises while most lookups go to the CRM.",
        seconds: 300,
        expectations: [
            expect(55, "ALL", .cacheHitRate, .ok), expect(130, "ALL", .cacheHitRate, .alert),
            expect(130, "ALL", .p50Latency, .warn), expect(200, "ALL", .cacheHitRate, .warn),
            expect(295, "ALL", .cacheHitRate, .ok),
        ],
        seed: 2
    ) { second, _ in
        var c = Conditions()
        if second >= 60 { c.hitRate = 0.75 * (1 - exp(-Double(second - 60) / 90)) }
        return c
    }

    static let crmOutage = Scenario(
        file: "crm-outage.jsonl", title: "CRM outage and recovery",
        story: "From 1:30 to 3:00 every CRM call fails fast with 503 (errorType crm_5xx). Cache hits keep answering; misses fail open. The CRM error rate goes to ALERT in every colo, then clears once the errors have left the 60 s window and stayed out for the pending period.",
        seconds: 300,
        expectations: [
            expect(80, "ALL", .crmErrorRate, .ok), expect(150, "ALL", .crmErrorRate, .alert),
            expect(150, "SIN", .crmErrorRate, .alert), expect(150, "ALL", .cacheHitRate, .ok),
            expect(295, "ALL", .crmErrorRate, .ok),
        ],
        seed: 3
    ) { second, _ in
        var c = Conditions()
        if (90..<180).contains(second) { c.crmFailure = 1 }
        return c
    }

    static let hangingCRMStale = Scenario(
        file: "crm-hang-stale.jsonl", title: "A hanging CRM, without and then with stale serving and the breaker",
        story: "The CRM hangs twice. From 1:00 to 2:30, as the original worker behaves: every cache miss waits out the 3 s deadline and fails open (crm_timeout), so p95 and the CRM error rate go to ALERT and a quarter of callers lose their customer. From 3:30 to 4:45, with stale copies and the breaker: for the first 5 s, misses with a stale copy (80 %) get it at the 500 ms soft deadline and the rest still wait 3 s; then the breaker opens and every miss is answered in about a millisecond (crm_circuit_open), 80 % of them from a stale copy. p95 stays OK; the CRM error rate still alerts and STALE % rises, so the outage stays visible; \"right customer\" stays within a few points of normal.",
        seconds: 400,
        expectations: [
            expect(55, "ALL", .p95Latency, .ok), expect(140, "ALL", .p95Latency, .alert), expect(140, "ALL", .crmErrorRate, .alert),
            expect(225, "ALL", .p95Latency, .ok), expect(280, "ALL", .p95Latency, .ok), expect(280, "ALL", .crmErrorRate, .alert),
            expect(395, "ALL", .crmErrorRate, .ok),
        ],
        seed: 7
    ) { second, _ in
        var c = Conditions()
        let hanging = (60..<150).contains(second) || (210..<285).contains(second)
        guard hanging else { return c }
        c.crmFailure = 1
        c.failureType = .timeout
        if second >= 210 {
            c.staleCopies = 0.8
            c.softDeadlineMs = 500
            c.breakerOpen = second >= 215
        }
        return c
    }

    static let crmSlowdown = Scenario(
        file: "crm-slowdown.jsonl", title: "CRM slowdown into the 3 s timeout",
        story: "From 1:30 the CRM slows to 0.7–1.5 s; from 2:00 to 3:30 it is slower still and 60 % of calls hit the 3 s deadline (crm_timeout). p95 latency and the CRM error rate go to ALERT; p50 stays fine because hits are unaffected.",
        seconds: 300,
        expectations: [
            expect(80, "ALL", .p95Latency, .ok), expect(180, "ALL", .p95Latency, .alert),
            expect(180, "ALL", .crmErrorRate, .alert), expect(180, "ALL", .p50Latency, .ok),
            expect(299, "ALL", .p95Latency, .ok),
        ],
        seed: 4
    ) { second, _ in
        var c = Conditions()
        if (90..<120).contains(second) { c.crmLatency = 700...1500 }
        if (120..<210).contains(second) {
            c.crmLatency = 1800...2900
            c.crmFailure = 0.6
            c.failureType = .timeout
        }
        return c
    }

    static let apacSpike = Scenario(
        file: "apac-spike.jsonl", title: "Latency spike in one APAC colo",
        story: "From 2:00 to 3:20 every request through SIN takes an extra 350–650 ms at the edge. SIN's p50 and p95 go to ALERT while the other colos stay OK. SIN is a sixth of the traffic, so the ALL row's p95 alerts too, which is why the per-colo rows matter.",
        seconds: 300,
        expectations: [
            expect(100, "SIN", .p95Latency, .ok), expect(180, "SIN", .p95Latency, .alert),
            expect(180, "SIN", .p50Latency, .alert), expect(180, "LHR", .p95Latency, .ok),
            expect(180, "SYD", .p95Latency, .ok), expect(299, "SIN", .p95Latency, .ok),
        ],
        seed: 5
    ) { second, colo in
        var c = Conditions()
        if colo == "SIN", (120..<200).contains(second) { c.edgeDelay = 350...650 }
        return c
    }

    static let cpuRegression = Scenario(
        file: "cpu-regression.jsonl", title: "CPU regression after a deploy",
        story: "At 1:40 a deploy makes every request burn 30–60 ms of CPU instead of about 1 ms, in every colo, and it is not rolled back. CPU time goes to ALERT everywhere; latency rises with it.",
        seconds: 300,
        expectations: [
            expect(90, "ALL", .cpuTime, .ok), expect(200, "ALL", .cpuTime, .alert),
            expect(200, "LHR", .cpuTime, .alert), expect(299, "SYD", .cpuTime, .alert),
        ],
        seed: 6
    ) { second, _ in
        var c = Conditions()
        if second >= 100 { c.cpu = 30...60 }
        return c
    }
}
