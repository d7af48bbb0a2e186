import Foundation
import TestSupport
import Testing
@testable import LookupCore

@Suite("Concurrent misses share one CRM call")
struct CoalescingTests {
    @Test("Three concurrent lookups of one number in one colo make one CRM call; another colo makes its own")
    func singleFlight() async throws {
        let crm = GatedCRM()
        let lookup = CustomerLookup(settings: LookupSettings(serverColo: Colo("LHR")!), caches: ColoCaches(capacityPerColo: 10),
                                    crm: crm, clocks: ManualClocks(), sink: CollectingSink())
        let body = Data(#"{"ani":"tel:+15550000000"}"#.utf8)
        async let first = lookup.respond(to: body, coloHeader: "LHR")
        async let second = lookup.respond(to: body, coloHeader: "LHR")
        async let third = lookup.respond(to: body, coloHeader: "LHR")
        async let elsewhere = lookup.respond(to: body, coloHeader: "SIN")
        // Wait (without sleeping) until two LHR lookups have joined the first one's call.
        for _ in 0..<100_000 where lookup.calls.joined < 2 || crm.calls < 2 { await Task.yield() }
        #expect(lookup.calls.joined == 2)
        crm.open()
        let replies = await [first, second, third, elsewhere]
        #expect(crm.calls == 2)
        #expect(replies.allSatisfy { $0.event.customerFound && !$0.event.cacheHit })
        // One write per CRM call: the two requests that joined did not write again.
        #expect(lookup.caches.stats.writes == 2)
    }
}
