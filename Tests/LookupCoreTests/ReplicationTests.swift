import Testing
@testable import LookupCore

@Suite("KV replication between colos")
struct ReplicationTests {
    let profile = CustomerProfile.notFound(queues: TierQueueMap())
    let lhr = Colo("LHR")!
    let sin = Colo("SIN")!

    @Test("A write is visible at once in its colo and in others only after the replication delay")
    func delay() {
        let caches = ColoCaches(capacityPerColo: 1000, replicationDelayMillis: 60_000)
        _ = caches.cache(for: sin)
        var awaiting = 0
        for key in 0..<100 {
            caches.store(profile, for: "k\(key)", colo: lhr, now: 0, ttlMillis: 300_000)
            #expect(caches.cache(for: lhr).read("k\(key)", now: 0) == .hit(profile))
            if caches.cache(for: sin).read("k\(key)", now: 0) == .awaitingReplication { awaiting += 1 }
            // Every copy has landed once the longest delay has passed.
            #expect(caches.cache(for: sin).read("k\(key)", now: 60_000) == .replicatedHit(profile))
        }
        // Delays are uniform over 0…60 s: almost every copy is still in flight at the moment of the write.
        #expect(awaiting >= 95)
        let stats = caches.stats
        #expect(stats.awaitingReplication == awaiting)
        #expect(stats.replicatedHits == 100)
        #expect(stats.hits == 100)
    }

    @Test("Replicas arrive spread over the window, not all at once")
    func spread() {
        let caches = ColoCaches(capacityPerColo: 1000, replicationDelayMillis: 60_000)
        _ = caches.cache(for: sin)
        for key in 0..<200 { caches.store(profile, for: "k\(key)", colo: lhr, now: 0, ttlMillis: 300_000) }
        let visibleAt30s = (0..<200).filter { caches.cache(for: sin).read("k\($0)", now: 30_000) == .replicatedHit(profile) }.count
        #expect((70...130).contains(visibleAt30s), "\(visibleAt30s) of 200 visible half way")
    }

    @Test("Replication 0 turns it off: each colo only sees its own writes")
    func off() {
        let caches = ColoCaches(capacityPerColo: 1000, replicationDelayMillis: 0)
        _ = caches.cache(for: sin)
        caches.store(profile, for: "k", colo: lhr, now: 0, ttlMillis: 300_000)
        #expect(caches.cache(for: sin).read("k", now: 200_000) == .miss)
    }

    @Test("A replica never hides an entry the colo can already see")
    func neverHides() {
        let caches = ColoCaches(capacityPerColo: 1000, replicationDelayMillis: 60_000)
        caches.store(profile, for: "k", colo: sin, now: 0, ttlMillis: 300_000)
        caches.store(profile, for: "k", colo: lhr, now: 1_000, ttlMillis: 300_000)
        #expect(caches.cache(for: sin).read("k", now: 1_000) == .hit(profile))
    }
}
