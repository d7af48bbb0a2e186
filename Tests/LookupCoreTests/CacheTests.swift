import Testing
@testable import LookupCore

@Suite("Cache: shards, colos, purges")
struct CacheTests {
    @Test("A sharded response cache counts hits, misses and evictions")
    func responseCache() {
        let cache = ResponseCache(capacity: 32, shardCount: 4)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        for key in 0..<100 { cache.store(profile, for: "k\(key)", now: 0, ttlMillis: 60_000) }
        #expect(cache.count == 32)
        #expect(cache.stats.evictions == 68)
        #expect(cache.profile(for: "k99", now: 1) == profile)
        #expect(cache.profile(for: "k99", now: 60_000) == nil)
        #expect(cache.stats.hits == 1)
        #expect(cache.stats.misses == 1)
    }

    @Test("Each colo has its own cache; flush one or all")
    func coloCaches() {
        let caches = ColoCaches(capacityPerColo: 10)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        caches.cache(for: Colo("LHR")!).store(profile, for: "a", now: 0, ttlMillis: 1_000)
        caches.cache(for: Colo("LHR")!).store(profile, for: "b", now: 0, ttlMillis: 1_000)
        caches.cache(for: Colo("SIN")!).store(profile, for: "a", now: 0, ttlMillis: 1_000)
        #expect(caches.cache(for: Colo("SIN")!).profile(for: "b", now: 1) == nil)
        #expect(caches.entryCount() == 3)
        #expect(caches.entryCount(colo: Colo("LHR")!) == 2)
        #expect(caches.flush(colo: Colo("LHR")!) == 2)
        #expect(caches.entryCount(colo: Colo("SIN")!) == 1)
        #expect(caches.flush() == 1)
        #expect(caches.entryCount() == 0)
        #expect(caches.colos.map(\.code) == ["LHR", "SIN"])
    }

    @Test("Colos past the cap share the OTHER cache")
    func coloCap() {
        let caches = ColoCaches(capacityPerColo: 10, maximumColos: 2)
        let first = caches.cache(for: Colo("AAA")!)
        _ = caches.cache(for: Colo("BBB")!)
        let third = caches.cache(for: Colo("CCC")!)
        let fourth = caches.cache(for: Colo("DDD")!)
        #expect(third === fourth)
        #expect(first !== third)
        #expect(caches.colos.map(\.code) == ["AAA", "BBB", "OTHER"])
    }

    @Test("Shards add up to the capacity and none holds fewer than 1,024 entries", arguments: [1, 10, 1_023, 1_024, 2_047, 2_048, 5_000, 16_385, 100_000])
    func shardLayout(capacity: Int) {
        let cache = ResponseCache(capacity: capacity)
        let shards = cache.shardCapacities
        #expect(shards.reduce(0, +) == capacity)
        #expect(shards.count <= 16)
        if capacity >= ResponseCache.minimumShardCapacity {
            #expect(shards.allSatisfy { $0 >= ResponseCache.minimumShardCapacity })
        } else {
            #expect(shards == [capacity])
        }
    }

    @Test("Keys go to shards by a fixed hash, the same in every process")
    func fixedShardHash() {
        // FNV-1a 64 of "" and "a" are published constants; the shard is that modulo the count.
        #expect(ResponseCache.shardIndex(of: "", shardCount: 1_000_003) == Int(0xcbf2_9ce4_8422_2325 % UInt64(1_000_003)))
        #expect(ResponseCache.shardIndex(of: "a", shardCount: 1_000_003) == Int(0xaf63_dc4c_8601_ec8c % UInt64(1_000_003)))
    }

    @Test("A small cache is one exact LRU: it holds exactly its capacity, the oldest go first")
    func smallCacheIsExact() {
        let cache = ResponseCache(capacity: 2_000)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        for key in 0..<2_000 { cache.store(profile, for: "+1555\(key)", now: 0, ttlMillis: 60_000) }
        #expect(cache.count == 2_000)
        #expect(cache.stats.evictions == 0)
        for key in 2_000..<2_100 { cache.store(profile, for: "+1555\(key)", now: 0, ttlMillis: 60_000) }
        #expect(cache.stats.evictions == 100)
        #expect((0..<100).allSatisfy { cache.profile(for: "+1555\($0)", now: 1) == nil })
        #expect((100..<2_100).allSatisfy { cache.profile(for: "+1555\($0)", now: 1) != nil })
    }

    @Test("Phone keys spread over the shards as text keys do: a sharded cache of phone numbers fills to within 5 %")
    func phoneKeysSpread() {
        let cache = ResponseCache(capacity: 16_384)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        for number in 0..<16_384 { cache.store(profile, for: CacheKey(.phone(digits: String(15_550_000_000 + number))), now: 0, ttlMillis: 60_000) }
        #expect(cache.count >= 15_565)
        #expect(cache.profile(for: CacheKey(text: "customer:ani:15550016383"), now: 1) == profile)
    }

    @Test("A sharded cache fills to within 5 % of its capacity and keeps the newest half through churn")
    func shardedCacheIsNearLRU() {
        let cache = ResponseCache(capacity: 16_384)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        for key in 0..<16_384 { cache.store(profile, for: "+1555\(key)", now: 0, ttlMillis: 60_000) }
        #expect(cache.count >= 15_565)
        for key in 16_384..<65_536 { cache.store(profile, for: "+1555\(key)", now: 0, ttlMillis: 60_000) }
        #expect(cache.count == 16_384)
        #expect(((65_536 - 8_192)..<65_536).allSatisfy { cache.profile(for: "+1555\($0)", now: 1) != nil })
    }

    @Test("Colo caches purge every colo and count what expired")
    func coloPurge() {
        let caches = ColoCaches(capacityPerColo: 100_000)
        let profile = CustomerProfile.notFound(queues: TierQueueMap())
        for colo in ["LHR", "SIN"] {
            for key in 0..<5_000 { caches.store(profile, for: "k\(key)", colo: Colo(colo)!, now: 0, ttlMillis: key < 4_000 ? 1_000 : 9_000) }
        }
        #expect(caches.purgeExpired(now: 999) == 0)
        #expect(caches.purgeExpired(now: 1_000) == 8_000)
        #expect(caches.entryCount() == 2_000)
        #expect(caches.stats.expired == 8_000)
        #expect(caches.storageSlots <= 2_000 + 2 * 16 * 64)
        #expect(caches.storageSlots >= 2_000)
    }
}
