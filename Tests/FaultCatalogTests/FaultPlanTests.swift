import FaultCatalog
import Foundation
import LookupCore
import Testing

@Suite("Fault plans")
struct FaultPlanTests {
    @Test("Each fault fires at about its probability, per request")
    func probabilities() {
        var rng = SplitMix64(seed: 7)
        let plan = FaultPlan(latency: .init(probability: 0.3, milliseconds: 800, jitterMilliseconds: 200),
                             error: .init(probability: 0.5, status: 503))
        var errors = 0
        var delayed = 0
        var delays: [Int] = []
        let draws = 20_000
        for _ in 0..<draws {
            let action = plan.decide(using: &rng)
            if action.reply == .status(503) { errors += 1 }
            if action.delayMilliseconds > 0 { delayed += 1; delays.append(action.delayMilliseconds) }
        }
        // Binomial standard deviation at n = 20,000 is under 0.4 %; allow 2 %.
        #expect(abs(Double(errors) / Double(draws) - 0.5) < 0.02)
        #expect(abs(Double(delayed) / Double(draws) - 0.3) < 0.02)
        #expect(delays.min()! >= 600 && delays.max()! <= 1000)
    }

    @Test("The same seed gives the same draws")
    func repeatable() {
        let plan = FaultPlan(error: .init(probability: 0.5, status: 503))
        var first = SplitMix64(seed: 1)
        var second = SplitMix64(seed: 1)
        let a = (0..<100).map { _ in plan.decide(using: &first) }
        let b = (0..<100).map { _ in plan.decide(using: &second) }
        #expect(a == b)
    }

    @Test("Bad plans are refused with a reason")
    func validation() {
        #expect(FaultPlan(error: .init(probability: 1.5, status: 503)).problem?.contains("between 0 and 1") == true)
        #expect(FaultPlan(error: .init(probability: 1, status: 200)).problem?.contains("4xx or 5xx") == true)
        #expect(FaultPlan(hang: .init(probability: 1, seconds: 0)).problem != nil)
        #expect(FaultPlan(rateLimit: .init(probability: 1, retryAfterSeconds: 0)).problem?.contains("retryAfterSeconds") == true)
        #expect(FaultKind.allCases.allSatisfy { $0.preset.problem == nil })
    }

    @Test("A plan given as JSON may leave out every fault; the 429 fault decodes and draws with its Retry-After")
    func rateLimitJSON() throws {
        let plan = try JSONDecoder().decode(FaultPlan.self, from: Data(#"{"rateLimit":{"probability":1,"retryAfterSeconds":7}}"#.utf8))
        #expect(plan == FaultPlan(rateLimit: .init(probability: 1, retryAfterSeconds: 7)))
        var rng = SplitMix64(seed: 3)
        #expect(plan.decide(using: &rng).reply == .rateLimited(retryAfterSeconds: 7))
        #expect(try JSONDecoder().decode(FaultPlan.self, from: Data("{}".utf8)) == .none)
    }

    @Test("Labels name every active fault")
    func labels() {
        let plan = FaultPlan(error: .init(probability: 0.5, status: 503), down: true)
        #expect(plan.labels == ["CRM DOWN", "CRM 503 50%"])
        #expect(FaultPlan.none.labels.isEmpty)
    }
}
