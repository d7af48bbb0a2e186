import FaultCatalog
import Testing

@Suite("Fault kinds: one key, one preset, one label each")
struct FaultKindTests {
    @Test("Each kind's preset is a valid plan, turns on only that kind, labels it, and toggles back off", arguments: FaultKind.allCases)
    func presets(kind: FaultKind) {
        var plan = FaultPlan.none
        plan.toggle(kind)
        #expect(plan.problem == nil)
        #expect(plan.has(kind))
        #expect(FaultKind.allCases.filter { plan.has($0) } == [kind])
        #expect(plan.labels.count == 1)
        plan.toggle(kind)
        #expect(plan == .none)
    }

    @Test("Toggling one kind leaves the others as they were")
    func independent() {
        var plan = FaultPlan.none
        for kind in FaultKind.allCases { plan.toggle(kind) }
        #expect(plan.labels.count == FaultKind.allCases.count)
        plan.toggle(.errors)
        #expect(FaultKind.allCases.filter { plan.has($0) } == FaultKind.allCases.filter { $0 != .errors })
    }

    @Test("Keys, names and summaries are distinct")
    func distinct() {
        let kinds = FaultKind.allCases
        #expect(Set(kinds.map(\.key)).count == kinds.count)
        #expect(Set(kinds.map(\.name)).count == kinds.count)
        #expect(Set(kinds.map(\.summary)).count == kinds.count)
    }

    @Test("The two faults the demo lacked: b trickles the body, r answers 429 with Retry-After")
    func newKinds() {
        var plan = FaultPlan.none
        plan.toggle(.trickle)
        plan.toggle(.rateLimited)
        #expect(FaultKind.trickle.key == "b" && FaultKind.rateLimited.key == "r")
        #expect(plan.trickle == .init(probability: 1, intervalMilliseconds: 400))
        #expect(plan.rateLimit == .init(probability: 1, retryAfterSeconds: 5))
    }
}
