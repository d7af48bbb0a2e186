import Synchronization

/// One colo's KV view: a bounded LRU of customer profiles with TTLs, split into shards by key
/// so that concurrent lookups rarely wait on the same lock.
public final class ResponseCache: Sendable {
    private struct ShardState {
        var entries: LRUCache<String, CustomerProfile>
        var counters = Counters()
    }

    private final class Shard: Sendable {
        let state: Mutex<ShardState>
        init(capacity: Int) { state = Mutex(ShardState(entries: LRUCache(capacity: capacity))) }
    }

    /// What a cache did since it was made.
    public struct Counters: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var writes = 0
        public var evictions = 0
        /// Writes given up because another request held the shard: a write never waits.
        public var skippedWrites = 0
    }

    public let capacity: Int
    private let shards: [Shard]
    private let skippedWrites = Atomic<Int>(0)

    public init(capacity: Int, shardCount: Int = 16) {
        precondition(capacity > 0 && shardCount > 0)
        let shards = min(shardCount, capacity)
        self.capacity = capacity
        let perShard = (capacity + shards - 1) / shards
        self.shards = (0..<shards).map { _ in Shard(capacity: perShard) }
    }

    /// The cached profile for `key`, if present and fresh at `now` (milliseconds, monotonic).
    public func profile(for key: String, now: Int64) -> CustomerProfile? {
        shard(for: key).state.withLock { shard in
            let found = shard.entries.value(forKey: key, now: now)
            if found == nil { shard.counters.misses += 1 } else { shard.counters.hits += 1 }
            return found
        }
    }

    /// Stores `profile` for `ttlMillis`. Never waits: if the shard is busy, the write is skipped
    /// and counted (the next lookup of this key simply misses again).
    public func store(_ profile: CustomerProfile, for key: String, now: Int64, ttlMillis: Int64) {
        let stored: Void? = shard(for: key).state.withLockIfAvailable { shard in
            let evicted = shard.entries.set(profile, forKey: key, expiresAt: now + ttlMillis)
            shard.counters.writes += 1
            if evicted { shard.counters.evictions += 1 }
        }
        if stored == nil { skippedWrites.add(1, ordering: .relaxed) }
    }

    /// Number of entries held (expired ones included until they are touched or evicted).
    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.count } }
    }

    /// Drops every entry; returns how many went.
    @discardableResult
    public func flush() -> Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.entries.removeAll() } }
    }

    public var stats: Counters {
        var total = shards.reduce(into: Counters()) { total, shard in
            let part = shard.state.withLock { $0.counters }
            total.hits += part.hits
            total.misses += part.misses
            total.writes += part.writes
            total.evictions += part.evictions
        }
        total.skippedWrites = skippedWrites.load(ordering: .relaxed)
        return total
    }

    private func shard(for key: String) -> Shard {
        var hasher = Hasher()
        hasher.combine(key)
        let bucket = Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))
        return shards[bucket]
    }
}
