import Synchronization

/// What a colo's cache holds for a key: the profile, the colo that wrote it, when this colo can
/// first see it (later than the write for a replica, as with Workers KV), and until when it is
/// fresh. Past `freshUntil` the entry is a stale copy until the LRU's own expiry (only found
/// customers get one; see ``ResponseCache/store(_:for:now:ttlMillis:staleMillis:)``).
public struct CacheEntry: Sendable, Equatable {
    public var profile: CustomerProfile
    public var origin: Colo
    public var visibleAt: Int64
    public var freshUntil: Int64
}

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

/// One colo's KV view: a bounded LRU of entries with TTLs, split into shards by key so that
/// concurrent lookups rarely wait on the same lock.
///
/// The capacity is split over the shards to the entry, and a cache gets only as many shards as
/// leave each at least ``minimumShardCapacity`` entries: a cache of up to 2,047 entries is one
/// exact LRU, and a larger one fills to within a few per cent of its capacity before a shard
/// evicts (each shard is an exact LRU of its keys). Keys go to shards by FNV-1a, not `Hasher`,
/// so the layout is the same in every process whatever the hash seed.
public final class ResponseCache: Sendable {
    private struct ShardState {
        var entries: LRUCache<String, CacheEntry>
        var counters = Counters()
    }

    private final class Shard: Sendable {
        let state: Mutex<ShardState>
        init(capacity: Int) { state = Mutex(ShardState(entries: LRUCache(capacity: capacity))) }
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
    public func read(_ key: String, now: Int64) -> CacheRead {
        shard(for: key).state.withLock { shard in
            guard let entry = shard.entries.value(forKey: key, now: now) else {
                shard.counters.misses += 1
                return .miss
            }
            if entry.visibleAt > now {
                shard.counters.misses += 1
                shard.counters.awaitingReplication += 1
                return .awaitingReplication
            }
            if now >= entry.freshUntil {
                shard.counters.staleReads += 1
                return .stale(entry.profile, millis: now - entry.freshUntil)
            }
            return Self.countedHit(entry, colo: colo, counters: &shard.counters)
        }
    }

    /// A fresh, visible entry for `key` at `now`, read and counted as ``read(_:now:)`` counts a
    /// hit; nil, with nothing counted, for anything else (which ``read(_:now:)`` then handles).
    public func readIfFresh(_ key: String, now: Int64) -> CacheRead? {
        shard(for: key).state.withLock { shard in
            guard let entry = shard.entries.value(forKey: key, now: now), entry.visibleAt <= now, now < entry.freshUntil else { return nil }
            return Self.countedHit(entry, colo: colo, counters: &shard.counters)
        }
    }

    private static func countedHit(_ entry: CacheEntry, colo: Colo, counters: inout Counters) -> CacheRead {
        if entry.origin == colo {
            counters.hits += 1
            return .hit(entry.profile)
        }
        counters.replicatedHits += 1
        return .replicatedHit(entry.profile)
    }

    /// The cached profile for `key`, if present and visible at `now`.
    public func profile(for key: String, now: Int64) -> CustomerProfile? {
        read(key, now: now).profile
    }

    /// Stores a profile this colo looked up, for `ttlMillis`. The write is an O(1) in-memory update
    /// under one shard's lock, made after the response is rendered; it never does I/O.
    /// Stores `profile` as this colo's own write, fresh for `ttlMillis`. A found customer then
    /// stays as a stale copy for `staleMillis` more; a not-found never does.
    public func store(_ profile: CustomerProfile, for key: String, now: Int64, ttlMillis: Int64, staleMillis: Int64 = 0) {
        let entry = CacheEntry(profile: profile, origin: colo, visibleAt: now, freshUntil: now + ttlMillis)
        write(entry, for: key, expiresAt: Self.expiry(of: entry, staleMillis: staleMillis), replacing: true)
    }

    /// When an entry leaves the cache: at the end of its TTL, or of its stale grace if found.
    static func expiry(of entry: CacheEntry, staleMillis: Int64) -> Int64 {
        entry.freshUntil + (entry.profile.contactFound ? max(0, staleMillis) : 0)
    }

    func storeReplica(_ entry: CacheEntry, for key: String, expiresAt: Int64, now: Int64) {
        write(entry, for: key, expiresAt: expiresAt, replacing: false, now: now)
    }

    private func write(_ entry: CacheEntry, for key: String, expiresAt: Int64, replacing: Bool, now: Int64? = nil) {
        let now = now ?? entry.visibleAt
        shard(for: key).state.withLock { shard in
            if !replacing, let current = shard.entries.peek(key, now: now), current.visibleAt <= now { return }
            // At capacity, a stale copy near the old end goes before a fresh entry.
            let evicted = shard.entries.set(entry, forKey: key, expiresAt: expiresAt) { $0.freshUntil <= now }
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

    private func shard(for key: String) -> Shard {
        shards.count == 1 ? shards[0] : shards[Self.shardIndex(of: key, shardCount: shards.count)]
    }

    /// The shard a key lives in: FNV-1a over its UTF-8, the same in every process.
    static func shardIndex(of key: String, shardCount: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(shardCount))
    }
}
