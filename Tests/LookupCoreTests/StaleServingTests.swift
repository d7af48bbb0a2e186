import Foundation
import TestSupport
import Testing
@testable import LookupCore

/// Stale copies, the soft deadline, the breaker and the bulkhead, on a clock moved by hand.
@Suite("Stale serving and CRM guards")
struct StaleServingTests {
    static let ani = Data(#"{"ani":"tel:+15550000000"}"#.utf8)

    struct Rig {
        let clocks = ManualClocks()
        let sink = CollectingSink()
        let lookup: CustomerLookup

        init(crm: any CustomerDirectory, settings: LookupSettings = LookupSettings(serverColo: Colo("LHR")!)) {
            lookup = CustomerLookup(settings: settings, caches: ColoCaches(capacityPerColo: 100), crm: crm, clocks: clocks, sink: sink)
        }

        func ask(_ body: Data = StaleServingTests.ani) async -> LookupReply {
            await lookup.respond(to: body, coloHeader: nil)
        }

        /// Yields until `condition` holds (no sleeping; the work is in other tasks).
        func until(_ what: String, _ condition: () -> Bool) async throws {
            for _ in 0..<200_000 where !condition() { await Task.yield() }
            try #require(condition(), "never: \(what)")
        }
    }

    static func json(_ reply: LookupReply) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))) as? [String: Any] ?? [:]
    }

    @Test("Within stale-while-revalidate: the stale copy at once, and one refresh behind it for any number of callers")
    func revalidate() async throws {
        // A CRM that holds its answer, so the refresh is still running while callers arrive.
        let gated = GatedCRM()
        let slow = Rig(crm: gated)
        slow.lookup.caches.store(.found(alice, queues: TierQueueMap()), for: "customer:ani:15550000000", colo: Colo("LHR")!,
                                     now: slow.clocks.monotonicMillis, ttlMillis: 1_000, staleMillis: 60_000)
        slow.clocks.advance(seconds: 2)
        let first = await slow.ask()
        let second = await slow.ask()
        for reply in [first, second] {
            let body = Self.json(reply)
            #expect(body["stale"] as? Bool == true)
            #expect(body["cacheHit"] as? Bool == true)
            #expect(body["contactFound"] as? Bool == true)
            #expect(body["customerId"] as? String == alice.id)
            #expect(body["errorType"] as? String == "")
            #expect(reply.event.stale == true && reply.event.errorType == nil)
        }
        try await slow.until("the refresh to reach the CRM") { gated.calls == 1 }
        #expect(slow.lookup.calls.joined == 1)
        gated.open()
        try await slow.until("the refresh to land") { slow.lookup.calls.inFlight == 0 }
        let fresh = await slow.ask()
        #expect(Self.json(fresh)["stale"] as? Bool == false)
        #expect(fresh.event.cacheHit && fresh.event.stale == nil)
    }

    @Test("Past the revalidation window, a CRM that fails at once gives the stale copy with its errorType; nothing is cached")
    func staleIfError() async throws {
        let crm = ScriptedCRM(.found(alice))
        let rig = Rig(crm: crm)
        _ = await rig.ask()
        crm.answer(with: .failed(.serverError))
        rig.clocks.advance(seconds: 300 + 31)
        let reply = await rig.ask()
        let body = Self.json(reply)
        #expect(body["stale"] as? Bool == true)
        #expect(body["errorType"] as? String == "crm_5xx")
        #expect(body["customerId"] as? String == alice.id)
        #expect(reply.event.errorType == "crm_5xx" && reply.event.stale == true && reply.event.cacheHit)
        #expect(crm.calls.count == 2)
    }

    @Test("A slow CRM: the stale copy at the soft deadline; the call runs on and refreshes the entry")
    func softDeadline() async throws {
        let gated = GatedCRM()
        let rig = Rig(crm: gated, settings: LookupSettings(serverColo: Colo("LHR")!, staleAfterMillis: 500))
        rig.lookup.caches.store(.found(alice, queues: TierQueueMap()), for: "customer:ani:15550000000", colo: Colo("LHR")!,
                                now: rig.clocks.monotonicMillis, ttlMillis: 1_000, staleMillis: 86_400_000)
        rig.clocks.advance(seconds: 60)
        async let pending = rig.ask()
        // Two sleepers: the call's own backstop (60 s) and the caller's soft deadline.
        try await rig.until("the lookup to wait on the soft deadline") { rig.clocks.sleeping == 2 && gated.calls == 1 }
        rig.clocks.advance(seconds: 0.499)
        #expect(rig.clocks.sleeping == 2)
        rig.clocks.advance(seconds: 0.001)
        let reply = await pending
        #expect(Self.json(reply)["stale"] as? Bool == true)
        #expect(reply.event.errorType == "crm_timeout")
        #expect(rig.lookup.calls.inFlight == 1, "the CRM call goes on after the caller is answered")
        gated.open()
        try await rig.until("the late answer to refresh the entry") { rig.lookup.calls.inFlight == 0 }
        #expect(rig.lookup.caches.cache(for: Colo("LHR")!).read("customer:ani:15550000000", now: rig.clocks.monotonicMillis)
                == .hit(.found(alice, queues: TierQueueMap())))
    }

    @Test("A not-found is never served stale; nothing is served past the grace period")
    func notFoundAndGrace() async throws {
        let crm = ScriptedCRM(.notFound)
        let rig = Rig(crm: crm, settings: LookupSettings(serverColo: Colo("LHR")!, staleIfErrorMillis: 3_600_000))
        _ = await rig.ask()
        crm.answer(with: .failed(.timeout))
        rig.clocks.advance(seconds: 61)
        let afterNotFound = await rig.ask()
        #expect(Self.json(afterNotFound)["stale"] as? Bool == false)
        #expect(afterNotFound.event.errorType == "crm_timeout" && !afterNotFound.event.cacheHit)

        crm.answer(with: .found(alice))
        let other = Data(#"{"ani":"+15550000001"}"#.utf8)
        _ = await rig.ask(other)
        crm.answer(with: .failed(.unreachable))
        rig.clocks.advance(seconds: 300 + 3_600 - 1)
        #expect(await rig.ask(other).event.stale == true)
        rig.clocks.advance(seconds: 1)
        let expired = await rig.ask(other)
        #expect(expired.event.stale == nil)
        #expect(Self.json(expired)["contactFound"] as? Bool == false)
        #expect(expired.event.errorType == "crm_unreachable")
    }

    @Test("An open breaker answers at once without calling: stale copy or crm_circuit_open; a probe closes it")
    func breaker() async throws {
        let crm = ScriptedCRM(.found(alice))
        let policy = CRMGuard.Policy(consecutiveFailures: 3, cooldownMillis: 5_000)
        let rig = Rig(crm: crm, settings: LookupSettings(serverColo: Colo("LHR")!, foundTTLSeconds: 1, staleWhileRevalidateMillis: 0, breaker: policy))
        _ = await rig.ask()
        crm.answer(with: .failed(.serverError))
        for number in 1...3 { _ = await rig.ask(Data(#"{"ani":"+1555000000\#(number)"}"#.utf8)) }
        #expect(rig.lookup.calls.breaker.state == .open)
        let calls = crm.calls.count
        let uncached = await rig.ask(Data(#"{"ani":"+15550000009"}"#.utf8))
        #expect(uncached.event.errorType == "crm_circuit_open")
        #expect(Self.json(uncached)["contactFound"] as? Bool == false)
        // Inside the cooldown, with the copy past its TTL.
        rig.clocks.advance(seconds: 2)
        let stale = await rig.ask()
        #expect(stale.event.errorType == "crm_circuit_open" && stale.event.stale == true)
        #expect(crm.calls.count == calls)
        #expect(rig.lookup.calls.rejected[.circuitOpen] == 2)
        // After the cooldown one probe goes; the CRM has recovered, so the breaker closes.
        crm.answer(with: .found(alice))
        rig.clocks.advance(seconds: 3)
        let probe = await rig.ask(Data(#"{"ani":"+15550000009"}"#.utf8))
        #expect(probe.event.customerFound && probe.event.errorType == nil)
        #expect(rig.lookup.calls.breaker.state == .closed)
    }

    @Test("The bulkhead: past crm-concurrency calls in flight, a lookup fails fast with crm_overloaded")
    func bulkhead() async throws {
        let gated = GatedCRM()
        let rig = Rig(crm: gated, settings: LookupSettings(serverColo: Colo("LHR")!, crmConcurrency: 2))
        async let first = rig.ask(Data(#"{"ani":"+15550000001"}"#.utf8))
        async let second = rig.ask(Data(#"{"ani":"+15550000002"}"#.utf8))
        try await rig.until("two calls in flight") { gated.calls == 2 }
        let third = await rig.ask(Data(#"{"ani":"+15550000003"}"#.utf8))
        #expect(third.event.errorType == "crm_overloaded")
        #expect(gated.calls == 2)
        gated.open()
        let answered = await [first, second]
        #expect(answered.allSatisfy { $0.event.customerFound })
    }

    @Test("At capacity, a stale copy among the oldest goes before a fresh entry")
    func evictStaleFirst() {
        let cache = ResponseCache(capacity: 4)
        let found = CustomerProfile.found(alice, queues: TierQueueMap())
        cache.store(found, for: "fresh-old", now: 0, ttlMillis: 100_000, staleMillis: 1_000_000)
        cache.store(found, for: "stale", now: 0, ttlMillis: 1_000, staleMillis: 1_000_000)
        cache.store(found, for: "fresh-2", now: 0, ttlMillis: 100_000, staleMillis: 1_000_000)
        cache.store(found, for: "fresh-3", now: 0, ttlMillis: 100_000, staleMillis: 1_000_000)
        cache.store(found, for: "new", now: 5_000, ttlMillis: 100_000, staleMillis: 1_000_000)
        #expect(cache.read("stale", now: 5_000) == .miss)
        #expect(cache.read("fresh-old", now: 5_000) == .hit(found))
        #expect(cache.count == 4)
    }
}
