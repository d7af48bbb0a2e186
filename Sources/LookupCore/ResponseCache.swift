import Synchronization

/// The answer to a cache read.
public enum CacheRead: Sendable, Equatable {
    case miss
    /// Written by this colo.
    case hit(CustomerProfile)
    /// Written by another colo and replicated here.
    case replicatedHit(CustomerProfile)
    /// Another colo has written it, but the copy has not reached this colo yet.
    case awaitingReplication
    /// A found customer past its TTL, `millis` ago, kept to serve while the CRM is slow or sick.
    case stale(CustomerProfile, millis: Int64)

    /// The profile of a fresh hit (a stale copy is not one: callers decide about those).
    public var profile: CustomerProfile? {
        switch self {
        case .hit(let profile), .replicatedHit(let profile): profile
        case .miss, .awaitingReplication, .stale: nil
        }
    }
}

/// One colo's KV view: a bounded LRU of entries with TTLs, packed (``EntryTable``), split into shards by key so that
/// concurrent lookups rarely wait on the same lock.
///
/// The capacity is split over the shards to the entry, and a cache gets only as many shards as
/// leave each at least ``minimumShardCapacity`` entries: a cache of up to 2,047 entries is one
/// exact LRU, and a larger one fills to within a few per cent of its capacity before a shard
/// evicts (each shard is an exact LRU of its keys). Keys go to shards by a fixed function, not
/// `Hasher` (a phone number's 64 bits mixed, other keys' text by FNV-1a), so the layout is the
/// same in every process whatever the hash seed.
public final class ResponseCache: Sendable {
    private struct ShardState {
        var entries: EntryTable
        var counters = Counters()
    }

    private final class Shard: Sendable {
        let state: Mutex<ShardState>
        init(capacity: Int) { state = Mutex(ShardState(entries: EntryTable(capacity: capacity))) }
    }

    /// What a cache did since it was made.
    public struct Counters: Sendable, Equatable {
        /// Hits on entries this colo wrote.
        public var hits = 0
        /// Hits on entries replicated from another colo.
        public var replicatedHits = 0
        public var misses = 0
        /// Misses where another colo had the answer but replication had not arrived.
        public var awaitingReplication = 0
        /// Reads that found only a stale copy.
        public var staleReads = 0
        public var writes = 0
        /// Live entries pushed out for room (LRU).
        public var evictions = 0
        /// Expired entries reclaimed by ``ResponseCache/purgeExpired(now:)``.
        public var expired = 0

        public mutating func add(_ other: Counters) {
            hits += other.hits
            replicatedHits += other.replicatedHits
            misses += other.misses
            awaitingReplication += other.awaitingReplication
            staleReads += other.staleReads
            writes += other.writes
            evictions += other.evictions
            expired += other.expired
        }
    }

    public let colo: Colo
    public let capacity: Int
    private let shards: [Shard]

    /// No shard holds fewer entries than this (unless the whole cache is smaller).
    public static let minimumShardCapacity = 1_024

    /// `capacity` below 1 is taken as 1 and `shardCount` is an upper bound (see the type's notes).
    public init(colo: Colo = .other, capacity: Int, shardCount: Int = 16) {
        let capacity = max(1, capacity)
        let shards = max(1, min(shardCount, capacity / Self.minimumShardCapacity))
        self.colo = colo
        self.capacity = capacity
        let base = capacity / shards
        let extra = capacity % shards
        self.shards = (0..<shards).map { Shard(capacity: base + ($0 < extra ? 1 : 0)) }
    }

    /// Each shard's capacity, in shard order (they add up to ``capacity``).
    public var shardCapacities: [Int] { shards.map { $0.state.withLock { $0.entries.capacity } } }

    /// Reads `key` at `now` (milliseconds, monotonic).
    public func read(_ key: CacheKey, now: Int64) -> CacheRead {
        shard(for: key).state.withLock { shard in
            guard let slot = shard.entries.find(key, now: now) else {
                shard.counters.misses += 1
                return .miss
            }
            let entry = shard.entries.metadata(slot)
            if entry.visibleAt > now {
                shard.counters.misses += 1
                shard.counters.awaitingReplication += 1
                return .awaitingReplication
            }
            if now >= entry.freshUntil {
                shard.counters.staleReads += 1
                return .stale(shard.entries.profile(slot), millis: now - entry.freshUntil)
            }
            return Self.countedHit(shard.entries.profile(slot), replicated: entry.replicated, counters: &shard.counters)
        }
    }

    /// A fresh, visible entry for `key` at `now`, read and counted as ``read(_:now:)`` counts a
    /// hit; nil, with nothing counted, for anything else (which ``read(_:now:)`` then handles).
    public func readIfFresh(_ key: CacheKey, now: Int64) -> CacheRead? {
        shard(for: key).state.withLock { shard in
            guard let slot = shard.entries.find(key, now: now) else { return nil }
            let entry = shard.entries.metadata(slot)
            guard entry.visibleAt <= now, now < entry.freshUntil else { return nil }
            return Self.countedHit(shard.entries.profile(slot), replicated: entry.replicated, counters: &shard.counters)
        }
    }

    private static func countedHit(_ profile: CustomerProfile, replicated: Bool, counters: inout Counters) -> CacheRead {
        if replicated {
            counters.replicatedHits += 1
            return .replicatedHit(profile)
        }
        counters.hits += 1
        return .hit(profile)
    }

    /// The cached profile for `key`, if present and visible at `now`.
    public func profile(for key: CacheKey, now: Int64) -> CustomerProfile? {
        read(key, now: now).profile
    }

    /// Stores `profile` as this colo's own write, fresh for `ttlMillis`. A found customer then
    /// stays as a stale copy for `staleMillis` more; a not-found never does. The write is an O(1)
    /// in-memory update under one shard's lock, made before the answer is sent; it never does I/O.
    public func store(_ profile: CustomerProfile, for key: CacheKey, now: Int64, ttlMillis: Int64, staleMillis: Int64 = 0) {
        let freshUntil = now + ttlMillis
        write(profile, for: key, replicated: false, visibleAt: now, freshUntil: freshUntil,
              expiresAt: Self.expiry(found: profile.contactFound, freshUntil: freshUntil, staleMillis: staleMillis), now: now)
    }

    /// When an entry leaves the cache: at the end of its TTL, or of its stale grace if found.
    static func expiry(found: Bool, freshUntil: Int64, staleMillis: Int64) -> Int64 {
        freshUntil + (found ? max(0, staleMillis) : 0)
    }

    /// Stores another colo's write, visible here from `visibleAt`, unless this colo already has
    /// an entry for `key` that it can see.
    func storeReplica(_ profile: CustomerProfile, for key: CacheKey, visibleAt: Int64, freshUntil: Int64, expiresAt: Int64, now: Int64) {
        write(profile, for: key, replicated: true, visibleAt: visibleAt, freshUntil: freshUntil, expiresAt: expiresAt, now: now)
    }

    private func write(
        _ profile: CustomerProfile, for key: CacheKey, replicated: Bool, visibleAt: Int64, freshUntil: Int64, expiresAt: Int64, now: Int64
    ) {
        shard(for: key).state.withLock { shard in
            if replicated, let current = shard.entries.peek(key, now: now), shard.entries.metadata(current).visibleAt <= now { return }
            // At capacity, a stale copy near the old end goes before a fresh entry.
            let evicted = shard.entries.set(profile, for: key, replicated: replicated, visibleAt: visibleAt, freshUntil: freshUntil,
                                            expiresAt: expiresAt, staleAt: now)
            shard.counters.writes += 1
            if evicted { shard.counters.evictions += 1 }
        }
    }

    /// Number of entries held (expired ones included until they are read or purged).
    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.count } }
    }

    /// Slots of storage held over all shards, live or free: what memory follows.
    public var storageSlots: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.storageSlots } }
    }

    /// Storage slots a purge examines per hold of a shard's lock (a few tens of microseconds), so
    /// a sweep of a large cache never stalls the lookups waiting for that shard.
    static let purgeSlice = 4_096

    /// Removes the entries expired at `now`, a slice of one shard at a time, and gives back storage
    /// the live entries no longer need. Returns how many went (counted as ``Counters/expired``).
    @discardableResult
    public func purgeExpired(now: Int64) -> Int {
        var total = 0
        for shard in shards {
            var next: Int? = 0
            while let start = next {
                next = shard.state.withLock { shard in
                    let (removed, next) = shard.entries.purgeExpired(now: now, from: start, limit: Self.purgeSlice)
                    shard.counters.expired += removed
                    total += removed
                    return next
                }
            }
            shard.state.withLock { $0.entries.compactIfSparse() }
        }
        return total
    }

    /// Drops every entry; returns how many went.
    @discardableResult
    public func flush() -> Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.removeAll() } }
    }

    public var stats: Counters {
        shards.reduce(into: Counters()) { total, shard in total.add(shard.state.withLock { $0.counters }) }
    }

    private func shard(for key: CacheKey) -> Shard {
        shards.count == 1 ? shards[0] : shards[key.shard(of: shards.count)]
    }

    /// The shard a text key lives in: FNV-1a over its UTF-8, the same in every process.
    static func shardIndex(of key: String, shardCount: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(shardCount))
    }
}
