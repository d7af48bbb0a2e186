import AccessControl
import LookupCore
import Testing

@Suite("Failure throttle")
struct FailureThrottleTests {
    @Test("A burst of failures is allowed, then one per drain period; other clients are unaffected")
    func burstThenRate() {
        var throttle = FailureThrottle<Int>(policy: .init(burst: 3, drainMillis: 1_000))
        for _ in 0..<3 {
            #expect(throttle.wait(for: 1, now: 0) == nil)
            throttle.recordFailure(by: 1, now: 0)
        }
        #expect(throttle.wait(for: 1, now: 0) == 1_000)
        #expect(throttle.wait(for: 1, now: 400) == 600)
        #expect(throttle.wait(for: 2, now: 400) == nil)
        #expect(throttle.wait(for: 1, now: 1_000) == nil)
        throttle.recordFailure(by: 1, now: 1_000)
        #expect(throttle.wait(for: 1, now: 1_500) == 500)
        // Fully drained after burst × drain.
        #expect(throttle.wait(for: 1, now: 4_000) == nil)
    }

    @Test("A clock that goes backwards adds no debt and drains none")
    func backwards() {
        var throttle = FailureThrottle<Int>(policy: .init(burst: 1, drainMillis: 1_000))
        throttle.recordFailure(by: 1, now: 10_000)
        #expect(throttle.wait(for: 1, now: 5_000) == 1_000)
        #expect(throttle.wait(for: 1, now: 11_000) == nil)
    }

    @Test("Property: no client records more than burst + elapsed/drain failures; the table never passes its bound")
    func rateBound() {
        for seed in UInt64(1)...40 {
            var rng = SplitMix64(seed: seed)
            let policy = FailureThrottle<Int>.Policy(burst: Int.random(in: 1...6, using: &rng), drainMillis: Int64.random(in: 1...500, using: &rng),
                                                     maximumClients: Int.random(in: 8...64, using: &rng))
            var throttle = FailureThrottle<Int>(policy: policy)
            var now: Int64 = 0
            var recorded: [Int: Int] = [:]
            // No more clients than the table holds, so none is forgotten and the bound is exact.
            let clients = Int.random(in: 1...policy.maximumClients, using: &rng)
            for _ in 0..<3_000 {
                now += Int64.random(in: 0...40, using: &rng)
                let client = Int.random(in: 0..<clients, using: &rng)
                if let wait = throttle.wait(for: client, now: now) {
                    #expect(wait > 0 && wait <= policy.drainMillis, "seed \(seed)")
                } else {
                    throttle.recordFailure(by: client, now: now)
                    recorded[client, default: 0] += 1
                }
                #expect(throttle.trackedClients <= policy.maximumClients)
            }
            #expect(throttle.evictions == 0, "seed \(seed)")
            let bound = policy.burst + Int(now / policy.drainMillis)
            for (client, count) in recorded { #expect(count <= bound, "seed \(seed) client \(client): \(count) > \(bound)") }
            // The throttle really limited someone: the busiest client hit its bound at least once.
            if seed == 1 { #expect(recorded.values.max() ?? 0 >= policy.burst) }
        }
    }

    @Test("Property: with more clients than room, the table stays bounded and forgotten debts are counted")
    func tableBound() {
        var rng = SplitMix64(seed: 77)
        var throttle = FailureThrottle<Int>(policy: .init(burst: 2, drainMillis: 60_000, maximumClients: 64))
        for step in 0..<10_000 {
            throttle.recordFailure(by: Int.random(in: 0..<5_000, using: &rng), now: Int64(step))
            #expect(throttle.trackedClients <= 64)
        }
        #expect(throttle.evictions > 0)
    }

    @Test("A full table drops drained clients first and counts only those it forgot with debt")
    func eviction() {
        var throttle = FailureThrottle<Int>(policy: .init(burst: 2, drainMillis: 1_000, maximumClients: 16))
        for client in 0..<16 { throttle.recordFailure(by: client, now: 0) }
        #expect(throttle.trackedClients == 16)
        // All drained by 1 s: making room forgets them without counting.
        throttle.recordFailure(by: 100, now: 1_000)
        #expect(throttle.trackedClients == 1)
        #expect(throttle.evictions == 0)
        for client in 0..<15 { throttle.recordFailure(by: client, now: 1_000) }
        throttle.recordFailure(by: 200, now: 1_000)
        #expect(throttle.trackedClients <= 16)
        #expect(throttle.evictions == 2)
    }
}
