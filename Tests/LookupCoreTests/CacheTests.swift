import Testing
@testable import LookupCore

@Suite("Cache: TTL and LRU")
struct CacheTests {
    @Test("Entries expire at their TTL, on the injected clock")
    func ttl() {
        var cache = LRUCache<String, Int>(capacity: 4)
        cache.set(1, forKey: "a", expiresAt: 1_000)
        let fresh = cache.value(forKey: "a", now: 999)
        let expired = cache.value(forKey: "a", now: 1_000)
        #expect(fresh == 1)
        #expect(expired == nil)
        #expect(cache.count == 0)
    }

    @Test("The least recently used entry is evicted first")
    func lru() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.set(1, forKey: "a", expiresAt: .max)
        cache.set(2, forKey: "b", expiresAt: .max)
        cache.set(3, forKey: "c", expiresAt: .max)
        _ = cache.value(forKey: "a", now: 0)
        let evicted = cache.set(4, forKey: "d", expiresAt: .max)
        #expect(evicted)
        let gone = cache.value(forKey: "b", now: 0)
        #expect(gone == nil)
        #expect(cache.keysByRecency == ["d", "a", "c"])
        #expect(cache.count == 3)
    }

    @Test("Overwriting a key refreshes it and evicts nothing")
    func overwrite() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, forKey: "a", expiresAt: 10)
        cache.set(2, forKey: "b", expiresAt: 10)
        let evicted = cache.set(3, forKey: "a", expiresAt: 20)
        #expect(!evicted)
        let refreshed = cache.value(forKey: "a", now: 15)
        #expect(refreshed == 3)
        #expect(cache.keysByRecency == ["a", "b"])
    }

    @Test("Memory stays bounded under many distinct keys")
    func bounded() {
        var cache = LRUCache<Int, Int>(capacity: 100)
        for key in 0..<10_000 { cache.set(key, forKey: key, expiresAt: .max) }
        #expect(cache.count == 100)
        let newest = cache.value(forKey: 9_999, now: 0)
        let oldest = cache.value(forKey: 0, now: 0)
        #expect(newest == 9_999)
        #expect(oldest == nil)
        let removed = cache.removeAll()
        #expect(removed == 100)
        #expect(cache.keysByRecency.isEmpty)
    }

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

    @Test("Expired entries are reclaimed and storage shrinks to the live entries")
    func purge() {
        var lru = LRUCache<Int, Int>(capacity: 10_000)
        for key in 0..<10_000 { lru.set(key, forKey: key, expiresAt: key < 9_900 ? 100 : 1_000) }
        #expect(lru.storageSlots == 10_000)
        _ = lru.value(forKey: 5, now: 0)  // touched entries expire too
        #expect(lru.purgeExpired(now: 100) == 9_900)
        #expect(lru.count == 100)
        #expect(lru.storageSlots == 100)
        #expect(lru.keysByRecency == Array((9_900..<10_000).reversed()))
        #expect(lru.value(forKey: 9_950, now: 999) == 9_950)
        #expect(lru.purgeExpired(now: 1_000) == 100)
        #expect(lru.count == 0)
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
