import Testing
@testable import LookupCore

@Suite("Circuit breaker")
struct CRMGuardTests {
    @Test("Closed → open after five failures in a row; a success in between starts the count again")
    func consecutive() {
        var breaker = CRMGuard(policy: .init(consecutiveFailures: 5), now: 0)
        for time in 0..<4 { breaker.record(success: false, now: Int64(time)) }
        breaker.record(success: true, now: 4)
        for time in 5..<9 { breaker.record(success: false, now: Int64(time)) }
        #expect(breaker.state == .closed)
        breaker.record(success: false, now: 9)
        #expect(breaker.state == .open)
        #expect(breaker.since == 9)
        #expect(breaker.takeChanges().map { "\($0.from)→\($0.to)" } == ["closed→open"])
    }

    @Test("Closed → open at ≥ 50 % failures over at least 20 calls in 10 s, never on fewer calls")
    func ratio() {
        var breaker = CRMGuard(policy: .init(consecutiveFailures: 100, failureRatio: 0.5, minimumCalls: 20, windowMillis: 10_000), now: 0)
        // 19 calls, alternating, 10 failures: too few calls to judge.
        for call in 0..<19 { breaker.record(success: call % 2 == 1, now: Int64(call * 100)) }
        #expect(breaker.state == .closed)
        breaker.record(success: true, now: 1_900)
        // 20 calls, 10 failures: 50 %.
        #expect(breaker.state == .open)

        var spread = CRMGuard(policy: .init(consecutiveFailures: 100), now: 0)
        // The same 50 % but spread over 40 s: never 20 calls inside one 10-second window.
        for call in 0..<40 { spread.record(success: call % 2 == 1, now: Int64(call) * 1_000) }
        #expect(spread.state == .closed)
    }

    @Test("Open: no calls for the cooldown; then one probe at a time; its success closes, its failure reopens")
    func halfOpen() {
        var breaker = CRMGuard(policy: .init(consecutiveFailures: 1, cooldownMillis: 5_000), now: 0)
        breaker.record(success: false, now: 1_000)
        #expect(breaker.decide(now: 1_000) == .reject)
        #expect(breaker.decide(now: 5_999) == .reject)
        #expect(breaker.decide(now: 6_000) == .probe)
        #expect(breaker.state == .halfOpen)
        #expect(breaker.decide(now: 6_001) == .reject, "one probe at a time")
        breaker.record(success: false, probe: true, now: 6_500)
        #expect(breaker.state == .open)
        #expect(breaker.decide(now: 11_499) == .reject)
        #expect(breaker.decide(now: 11_500) == .probe)
        // A call that started before the breaker opened ends now: it changes nothing.
        breaker.record(success: true, now: 11_600)
        #expect(breaker.state == .halfOpen)
        breaker.record(success: true, probe: true, now: 11_700)
        #expect(breaker.state == .closed)
        #expect(breaker.decide(now: 11_701) == .call)
        #expect(breaker.takeChanges().map(\.to) == [.open, .halfOpen, .open, .halfOpen, .closed])
    }

    @Test("A call that started before the breaker opened cannot reopen it after a successful probe")
    func generations() {
        var breaker = CRMGuard(policy: .init(consecutiveFailures: 2, cooldownMillis: 1_000), now: 0)
        let before = breaker.generation
        breaker.record(success: false, now: 10)
        breaker.record(success: false, now: 20)
        #expect(breaker.state == .open)
        #expect(breaker.decide(now: 1_020) == .probe)
        breaker.record(success: true, probe: true, now: 1_100)
        #expect(breaker.state == .closed)
        // Calls that hung since before it opened time out now; they belong to an old generation.
        for time in 0..<5 { breaker.record(success: false, generation: before, now: 3_000 + Int64(time)) }
        #expect(breaker.state == .closed)
        breaker.record(success: false, generation: breaker.generation, now: 3_100)
        breaker.record(success: false, generation: breaker.generation, now: 3_200)
        #expect(breaker.state == .open)
    }

    @Test("Seeded walk with calls left outstanding: never two probes out, never a call while open inside the cooldown")
    func walk() {
        var rng = SplitMix64(seed: 0xB4EA)
        var breaker = CRMGuard(policy: .init(consecutiveFailures: 3, minimumCalls: 10, cooldownMillis: 2_000), now: 0)
        var now: Int64 = 0
        var outstanding: [(probe: Bool, generation: Int)] = []
        var probesSeen = 0
        for _ in 0..<20_000 {
            now += Int64.random(in: 0...50, using: &rng)
            if !outstanding.isEmpty, Bool.random(using: &rng) {
                // Finish a random outstanding call.
                let call = outstanding.remove(at: Int.random(in: 0..<outstanding.count, using: &rng))
                breaker.record(success: Int.random(in: 0..<3, using: &rng) == 0, probe: call.probe, generation: call.generation, now: now)
                continue
            }
            let wasOpen = breaker.state == .open
            let openedAt = breaker.since
            let decision = breaker.decide(now: now)
            if wasOpen && now - openedAt < 2_000 { #expect(decision == .reject) }
            switch decision {
            case .reject: break
            case .call: outstanding.append((false, breaker.generation))
            case .probe:
                probesSeen += 1
                outstanding.append((true, breaker.generation))
            }
            #expect(outstanding.filter(\.probe).count <= 1)
        }
        #expect(probesSeen > 10, "the walk should have gone through half-open many times")
    }
}
