import Atomics
import Synchronization

/// Every colo's cache. Each colo has its own ``ResponseCache``, made when the colo is first
/// seen; past `maximumColos` new colos share the `OTHER` cache, so memory has a bound.
///
/// Finding a colo's cache takes no lock: each possible code has a lazily set atomic slot.
///
/// Like Workers KV, a write is visible at once in the colo that made it and reaches every other
/// colo after a replication delay drawn uniformly from 0 to `replicationDelayMillis` (0 turns
/// replication off, so each colo only ever sees its own writes).
public final class ColoCaches: Sendable {
    public let capacityPerColo: Int
    /// Entries each colo's cache holds unless told otherwise.
    public static let defaultCapacityPerColo = 100_000
    public let maximumColos: Int
    public let replicationDelayMillis: Int64
    private let slots: [ManagedAtomicLazyReference<ResponseCache>]
    private let known = Mutex<[Colo]>([])
    private let delays: Mutex<SplitMix64>

    public init(capacityPerColo: Int = ColoCaches.defaultCapacityPerColo, maximumColos: Int = ColoName.maximumColos, replicationDelayMillis: Int64 = 0, seed: UInt64 = 0xC0105) {
        self.capacityPerColo = max(1, capacityPerColo)
        self.maximumColos = max(1, maximumColos)
        self.replicationDelayMillis = max(0, replicationDelayMillis)
        self.delays = Mutex(SplitMix64(seed: seed))
        slots = (0..<Colo.slotCount).map { _ in ManagedAtomicLazyReference() }
    }

    /// Stores a profile looked up in `colo`: at once there, and after a replication delay in every
    /// other colo that has a cache.
    public func store(_ profile: CustomerProfile, for key: CacheKey, colo: Colo, now: Int64, ttlMillis: Int64, staleMillis: Int64 = 0) {
        let origin = cache(for: colo)
        origin.store(profile, for: key, now: now, ttlMillis: ttlMillis, staleMillis: staleMillis)
        guard replicationDelayMillis > 0 else { return }
        for other in colos {
            let target = cache(for: other)
            guard target !== origin else { continue }
            let delay = delays.withLock { Int64.random(in: 0...replicationDelayMillis, using: &$0) }
            let freshUntil = now + ttlMillis
            target.storeReplica(profile, for: key, visibleAt: now + delay, freshUntil: freshUntil,
                                expiresAt: ResponseCache.expiry(found: profile.contactFound, freshUntil: freshUntil, staleMillis: staleMillis), now: now)
        }
    }

    /// Reclaims expired entries in every colo's cache (see ``ResponseCache/purgeExpired(now:)``).
    /// Returns how many went.
    @discardableResult
    public func purgeExpired(now: Int64) -> Int {
        selected(nil).reduce(0) { $0 + $1.purgeExpired(now: now) }
    }

    /// Slots of storage held by every cache, live or free.
    public var storageSlots: Int { selected(nil).reduce(0) { $0 + $1.storageSlots } }

    /// Counters summed over every colo's cache.
    public var stats: ResponseCache.Counters {
        // Colos past the cap share OTHER's cache but are not among `colos`, so none counts twice.
        selected(nil).reduce(into: ResponseCache.Counters()) { $0.add($1.stats) }
    }

    /// The cache that serves `colo`, creating it on first use.
    public func cache(for colo: Colo) -> ResponseCache {
        if let cache = slots[colo.slot].load() { return cache }
        return known.withLock { known in
            if let cache = slots[colo.slot].load() { return cache }
            // OTHER always has its own cache: it is where the colos past the cap go.
            if ColoName.admitted(colo.code, known: colo == .other, count: known.count, maximum: maximumColos) == colo.code {
                known.append(colo)
                return slots[colo.slot].storeIfNilThenLoad(ResponseCache(colo: colo, capacity: capacityPerColo))
            }
            // Over the cap: share OTHER's cache, and remember that in this colo's slot too so
            // its later lookups stay lock-free.
            let shared = slots[Colo.other.slot].load() ?? {
                known.append(.other)
                return slots[Colo.other.slot].storeIfNilThenLoad(ResponseCache(colo: .other, capacity: capacityPerColo))
            }()
            return slots[colo.slot].storeIfNilThenLoad(shared)
        }
    }

    /// Colos that have a cache, in code order.
    public var colos: [Colo] { known.withLock { $0 }.sorted() }

    /// Entries held by one colo's cache, or by all when `colo` is nil.
    public func entryCount(colo: Colo? = nil) -> Int {
        selected(colo).reduce(0) { $0 + $1.count }
    }

    /// Empties one colo's cache, or every cache when `colo` is nil. Returns the entries dropped.
    @discardableResult
    public func flush(colo: Colo? = nil) -> Int {
        selected(colo).reduce(0) { $0 + $1.flush() }
    }

    private func selected(_ colo: Colo?) -> [ResponseCache] {
        let colos = colo.map { [$0] } ?? self.colos
        return colos.compactMap { slots[$0.slot].load() }
    }
}
