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
        #expect(cache.count <= 32)
        #expect(cache.stats.evictions >= 68)
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
}
