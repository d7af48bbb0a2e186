import Testing
@testable import CRMSimulator
import LookupCore

@Suite("Simulated customers")
struct CustomerBookTests {
    let book = CustomerBook()

    @Test("Customer 42 by phone and by email")
    func fortyTwo() throws {
        let byPhone = try #require(book.customer(phone: "+15550000042"))
        #expect(byPhone.id == "CUST-000042")
        #expect(byPhone.accountTier == "Standard")
        #expect(book.customer(email: "Customer42@Example.com") == byPhone)
        #expect(CustomerBook.phone(of: 42) == "+15550000042")
        #expect(CustomerBook.email(of: 42) == "customer42@example.com")
    }

    @Test("Tiers cycle by i mod 4 and languages vary")
    func tiers() {
        #expect((0..<4).map { book.customer($0).accountTier } == ["Enterprise", "Professional", "Standard", "Trial"])
        #expect(Set((0..<20).map { book.customer($0).preferredLanguage }).count > 3)
        #expect(book.customer(9_999).id == "CUST-009999")
    }

    @Test("Numbers and addresses outside the book are not found", arguments: [
        "+15550010000", "+15551000042", "+4420794600", "15550000042x", "",
    ])
    func unknownPhones(phone: String) {
        #expect(book.customer(phone: phone) == nil)
    }

    @Test("Unknown emails")
    func unknownEmails() {
        #expect(book.customer(email: "customer10000@example.com") == nil)
        #expect(book.customer(email: "customer042@example.com") == nil)
        #expect(book.customer(email: "someone@example.com") == nil)
    }
}

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
        #expect(FaultPlan(latency: .init()).problem == nil)
    }

    @Test("Labels name every active fault")
    func labels() {
        let plan = FaultPlan(error: .init(probability: 0.5, status: 503), down: true)
        #expect(plan.labels == ["CRM DOWN", "CRM 503 50%"])
        #expect(FaultPlan.none.labels.isEmpty)
    }
}
