import Foundation
import LookupCore
import Testing
@testable import Traffic

@Suite("Synthetic traffic model")
struct TrafficModelTests {
    @Test("Poisson gaps average 1/rate (within statistical tolerance)")
    func arrivalRate() {
        var rng = SplitMix64(seed: 11)
        let rate = 50.0
        let draws = 50_000
        let total = (0..<draws).reduce(0.0) { sum, _ in sum + ArrivalSchedule.gap(rate: rate, using: &rng) }
        let measured = Double(draws) / total
        // The mean of 50,000 exponential gaps has a relative standard error of 0.45 %; allow 2 %.
        #expect(abs(measured - rate) / rate < 0.02, "measured \(measured)/s")
        #expect(ArrivalSchedule.gap(rate: 0, using: &rng) == ArrivalSchedule.longestGap)
    }

    @Test("Caller shares match the documented defaults")
    func shares() {
        var rng = SplitMix64(seed: 12)
        let model = CallerModel()
        var counts: [String: Int] = [:]
        let draws = 40_000
        for _ in 0..<draws {
            switch model.next(using: &rng) {
            case .known: counts["known", default: 0] += 1
            case .unknown: counts["unknown", default: 0] += 1
            case .email: counts["email", default: 0] += 1
            case .macro: counts["macro", default: 0] += 1
            case .malformed: counts["malformed", default: 0] += 1
            }
        }
        func share(_ key: String) -> Double { Double(counts[key] ?? 0) / Double(draws) }
        #expect(abs(share("unknown") - 0.05) < 0.01)
        #expect(abs(share("email") - 0.10) < 0.01)
        #expect(abs(share("macro") - 0.02) < 0.005)
        #expect(abs(share("malformed") - 0.01) < 0.004)
        #expect(abs(share("known") - 0.82) < 0.015)
    }

    @Test("Repeat callers: a few customers call often (Zipf), so a cache can hit")
    func zipf() {
        var rng = SplitMix64(seed: 13)
        let model = CallerModel()
        let picks = (0..<20_000).map { _ in model.popularCustomer(using: &rng) }
        let distinct = Set(picks).count
        #expect(distinct < 6_000)
        #expect(picks.filter { $0 < 100 }.count > picks.count / 3)
        #expect(picks.allSatisfy { (0..<10_000).contains($0) })
    }

    @Test("ANIs come in the forms Genesys sends, and all normalise to the customer's number")
    func aniForms() throws {
        var rng = SplitMix64(seed: 14)
        let model = CallerModel()
        var forms = Set<String>()
        for _ in 0..<2_000 {
            guard case .known(let index, let body) = model.next(using: &rng) else { continue }
            let request = try LookupRequest.decode(Data(body.utf8))
            let ani = try #require(request.ani)
            forms.insert(ani.hasPrefix("tel: ") ? "tel-space" : ani.hasPrefix("tel:") ? "tel" : ani.hasPrefix("sip:") ? "sip" : "other")
            #expect(LookupKey.normaliseANI(ani) == "1555000" + String(format: "%04d", index))
        }
        #expect(forms == ["tel", "tel-space", "sip"])
    }

    @Test("Macros and malformed bodies are what the middleware must survive")
    func oddBodies() throws {
        var rng = SplitMix64(seed: 15)
        let model = CallerModel()
        var sawMacro = false
        var sawMalformed = false
        for _ in 0..<5_000 {
            switch model.next(using: &rng) {
            case .macro(let body):
                sawMacro = true
                let request = try LookupRequest.decode(Data(body.utf8))
                #expect(LookupKey.from(ani: request.ani, email: request.email) == nil)
            case .malformed(let body):
                sawMalformed = true
                #expect(throws: BadRequest.self) { try LookupRequest.decode(Data(body.utf8)) }
            default: break
            }
        }
        #expect(sawMacro && sawMalformed)
    }

    @Test("Per-colo rates add up to the total, busier hubs first")
    func coloMix() {
        let rates = ColoMix.rates(total: 50, colos: ColoMix.defaultColos)
        #expect(abs(rates.values.reduce(0, +) - 50) < 1e-9)
        #expect(rates["LHR"]! > rates["GRU"]!)
        #expect(rates.count == 8)
    }
}
