import LookupCore
import PropertyBased
import TestSupport
import Testing
@testable import Traffic

@Suite("Rates (property tests)")
struct RateProperties {
    @Test("Any rate gives a finite gap of at most an hour, which a Duration can hold")
    func gaps() {
        var rng = SplitMix64(seed: 1)
        forAll(hostileDoubles, count: 5_000, seed: 0x6A) { rate in
            let gap = ArrivalSchedule.gap(rate: rate, using: &rng)
            #expect(gap.isFinite && gap >= 0 && gap <= ArrivalSchedule.longestGap, "rate \(rate) → gap \(gap)")
            _ = Duration.seconds(gap)
        }
    }

    @Test("--colo-rate entries: refused, or colos from the list with rates from 0 to 5000")
    func coloRates() {
        let colos = ["LHR", "SIN"]
        let entry = zip(
            Gen.element(of: ["LHR", "sin", "SYD", "", "OTHER", "L1R"]).map { $0! },
            Gen.element(of: ["=", ":", "=="]).map { $0! },
            hostileDoubles.map { "\($0)" }
        ).map { $0 + $1 + $2 }
        forAll(entry.array(of: 0...3), seed: 0xC0105) { entries in
            guard let rates = try? ColoRates.parse(entries, colos: colos) else { return }
            for (colo, rate) in rates {
                #expect(colos.contains(colo), "\(entries)")
                #expect(rate.isFinite && (0...ColoRates.maximum).contains(rate), "\(entries)")
            }
        }
    }
}
