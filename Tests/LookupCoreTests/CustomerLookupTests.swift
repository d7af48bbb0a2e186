import Foundation
import TestSupport
import Testing
@testable import LookupCore

@Suite("Customer lookup flow")
struct CustomerLookupTests {
    let clocks = ManualClocks()
    let sink = CollectingSink()
    let caches = ColoCaches(capacityPerColo: 100)

    func lookup(_ crm: ScriptedCRM, settings: LookupSettings = LookupSettings(serverColo: Colo("LHR")!)) -> CustomerLookup {
        CustomerLookup(settings: settings, caches: caches, crm: crm, clocks: clocks, sink: sink)
    }

    func object(_ reply: LookupReply) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
    }

    @Test("A found customer is mapped, cached for the found TTL, then expires")
    func foundAndCached() async throws {
        let crm = ScriptedCRM(.found(alice))
        let service = lookup(crm)
        let first = try object(await service.respond(to: Data(#"{"ani":"tel:+15550000000"}"#.utf8), coloHeader: nil))
        #expect(first["contactFound"] as? Bool == true)
        #expect(first["displayName"] as? String == "Alice Smith")
        #expect(first["tier"] as? String == "Enterprise")
        #expect(first["language"] as? String == "fr-CA")
        #expect(first["assignedQueue"] as? String == "enterprise-priority-queue-id")
        #expect(first["cacheHit"] as? Bool == false)

        clocks.advance(seconds: 299)
        let second = try object(await service.respond(to: Data(#"{"ani":"+1 (555) 000-0000"}"#.utf8), coloHeader: nil))
        #expect(second["cacheHit"] as? Bool == true)
        #expect(crm.calls.count == 1)

        // Past the TTL: a stale copy at once (revalidation window), refreshed by a second call.
        clocks.advance(seconds: 2)
        let third = try object(await service.respond(to: Data(#"{"ani":"15550000000"}"#.utf8), coloHeader: nil))
        #expect(third["stale"] as? Bool == true)
        for _ in 0..<100_000 where service.calls.inFlight > 0 || crm.calls.count < 2 { await Task.yield() }
        #expect(crm.calls.count == 2)
        let fourth = try object(await service.respond(to: Data(#"{"ani":"15550000000"}"#.utf8), coloHeader: nil))
        #expect(fourth["stale"] as? Bool == false)
        #expect(fourth["cacheHit"] as? Bool == true)
    }

    @Test("A genuine not-found is cached for the not-found TTL")
    func negativeCache() async throws {
        let crm = ScriptedCRM(.notFound)
        let service = lookup(crm)
        let reply = try object(await service.respond(to: Data(#"{"email":"nobody@example.com"}"#.utf8), coloHeader: nil))
        #expect(reply["customerId"] as? String == "UNKNOWN")
        #expect(reply["errorType"] as? String == "")
        clocks.advance(seconds: 59)
        _ = await service.respond(to: Data(#"{"email":"NOBODY@example.com"}"#.utf8), coloHeader: nil)
        #expect(crm.calls.count == 1)
        clocks.advance(seconds: 1)
        _ = await service.respond(to: Data(#"{"email":"nobody@example.com"}"#.utf8), coloHeader: nil)
        #expect(crm.calls.count == 2)
    }

    @Test("A CRM failure fails open with errorType set and is never cached", arguments: CRMFailure.allCases)
    func failureNotCached(failure: CRMFailure) async throws {
        let crm = ScriptedCRM(.failed(failure))
        let service = lookup(crm)
        for _ in 0..<3 {
            let reply = await service.respond(to: Data(#"{"ani":"+15550000001"}"#.utf8), coloHeader: nil)
            let body = try object(reply)
            #expect(reply.status == 200)
            #expect(body["errorType"] as? String == failure.rawValue)
            #expect(body["contactFound"] as? Bool == false)
            #expect(reply.event.errorType == failure.rawValue)
        }
        #expect(crm.calls.count == 3)
        #expect(caches.entryCount() == 0)
    }

    @Test("Caches are per colo: the header picks the colo")
    func perColo() async {
        let crm = ScriptedCRM(.found(alice))
        let service = lookup(crm)
        _ = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: "sin")
        _ = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: "SIN")
        let other = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: "bogus-colo")
        #expect(crm.calls.count == 2)
        #expect(sink.events.map(\.colo) == ["SIN", "SIN", "LHR"])
        #expect(other.event.cacheHit == false)
    }

    @Test("No usable key: 200, the full not-found shape and the error text")
    func noKey() async throws {
        let crm = ScriptedCRM(.found(alice))
        let reply = await lookup(crm).respond(to: Data(#"{"ani":"${input.ani}","email":"${input.email}"}"#.utf8), coloHeader: nil)
        let body = try object(reply)
        #expect(reply.status == 200)
        #expect(body["error"] as? String == "No lookup key provided")
        #expect(body["customerId"] as? String == "UNKNOWN")
        #expect(body["assignedQueue"] as? String == "standard-queue-id")
        #expect(crm.calls.isEmpty)
        #expect(reply.event.errorType == MetricEvent.noLookupKey)
    }

    @Test("Exactly one event per request, bad ones included")
    func events() async {
        let crm = ScriptedCRM(.found(alice))
        let service = lookup(crm)
        _ = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: nil)
        _ = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: nil)
        _ = await service.respond(to: Data("nope".utf8), coloHeader: nil)
        _ = service.refuse(.tooLarge(limit: 1), coloHeader: "FRA")
        let events = sink.events
        #expect(events.count == 4)
        #expect(events.map(\.cacheHit) == [false, true, false, false])
        #expect(events.map(\.customerFound) == [true, true, false, false])
        #expect(events.map(\.errorType) == [nil, nil, MetricEvent.badRequest, MetricEvent.badRequest])
        #expect(events.allSatisfy { $0.service == "genesys-edge-middleware" && $0.timestamp == 1_790_000_000_000 })
    }

    /// A CRM that takes `seconds` of the test's clock to answer.
    final class SlowCRM: CustomerDirectory {
        let clocks: ManualClocks
        let seconds: Double
        init(clocks: ManualClocks, seconds: Double) {
            self.clocks = clocks
            self.seconds = seconds
        }
        func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
            clocks.advance(seconds: seconds)
            return .found(alice)
        }
    }

    @Test("CPU time is the time on the thread: all of a hit, a miss's without its CRM await; the body and the event report one latency")
    func cpuTime() async throws {
        // Every clock read moves the clock 1 ms on, so work between reads takes time.
        let clocks = ManualClocks(tickNanosPerRead: 1_000_000)
        let service = CustomerLookup(settings: LookupSettings(serverColo: Colo("LHR")!), caches: caches,
                                     crm: SlowCRM(clocks: clocks, seconds: 2), clocks: clocks, sink: sink)
        let miss = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: nil)
        let hit = await service.respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: nil)
        let missCPU = try #require(miss.event.cpuMs)
        #expect(miss.event.latencyMs >= 2000)
        #expect(missCPU > 0 && missCPU <= miss.event.latencyMs - 2000, "\(miss.event)")
        #expect(hit.event.cacheHit && hit.event.cpuMs == hit.event.latencyMs && hit.event.latencyMs > 0)
        for reply in [miss, hit] {
            let body = try object(reply)
            #expect(body["latencyMs"] as? Double == reply.event.latencyMs)
        }
    }

    @Test("Tier queues can be configured")
    func queues() async throws {
        let queues = try TierQueueMap.parsing(overrides: ["Enterprise=vip-queue"])
        let crm = ScriptedCRM(.found(alice))
        let reply = await lookup(crm, settings: LookupSettings(queues: queues)).respond(to: Data(#"{"ani":"1"}"#.utf8), coloHeader: nil)
        #expect(try object(reply)["assignedQueue"] as? String == "vip-queue")
        #expect(throws: ConfigurationError.self) { try TierQueueMap.parsing(overrides: ["nonsense"]) }
    }
}
