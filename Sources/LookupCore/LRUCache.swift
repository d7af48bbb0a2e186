/// A fixed-capacity map with least-recently-used eviction and a per-entry expiry time.
///
/// Not thread-safe by itself: ``ResponseCache`` keeps several behind their own locks.
/// Entries live in one array linked as a doubly-linked list by index, so a hit, an insert and an
/// eviction are all O(1) with no allocation once the array has grown to capacity.
///
/// Expired entries go when they are read, and in bulk with ``purgeExpired(now:)``, which also
/// gives storage back once the live entries fill less than half of it: memory follows the live
/// entries, not the capacity.
public struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var expiresAt: Int64
        var newer = -1
        var older = -1
        /// False once the slot is freed (it stays in storage until reused or compacted).
        var live = true
    }

    public let capacity: Int
    private var index: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var freeSlots: [Int] = []
    private var newest = -1
    private var oldest = -1

    public init(capacity: Int) {
        precondition(capacity > 0, "an LRU cache needs room for at least one entry")
        self.capacity = capacity
    }

    public var count: Int { index.count }

    /// The value for `key` if present and not expired at `now`; marks it most recently used.
    public mutating func value(forKey key: Key, now: Int64) -> Value? {
        guard let slot = index[key] else { return nil }
        if nodes[slot].expiresAt <= now {
            remove(slot: slot)
            return nil
        }
        moveToNewest(slot)
        return nodes[slot].value
    }

    /// The value for `key` if present and not expired, without marking it used.
    public func peek(_ key: Key, now: Int64) -> Value? {
        guard let slot = index[key], nodes[slot].expiresAt > now else { return nil }
        return nodes[slot].value
    }

    /// How many of the least recently used entries a full cache looks through for one that
    /// `evictFirst` prefers to lose, before it evicts the oldest.
    static var preferredEvictionWindow: Int { 16 }

    /// Stores `value` until `expiresAt`. Returns true when an older entry was evicted for room.
    /// When full, the first of the ``preferredEvictionWindow`` oldest entries for which
    /// `evictFirst` is true goes (for example a stale copy), else the oldest.
    @discardableResult
    public mutating func set(_ value: Value, forKey key: Key, expiresAt: Int64, evictFirst: ((Value) -> Bool)? = nil) -> Bool {
        if let slot = index[key] {
            nodes[slot].value = value
            nodes[slot].expiresAt = expiresAt
            moveToNewest(slot)
            return false
        }
        var evicted = false
        if index.count >= capacity {
            remove(slot: victim(preferring: evictFirst))
            evicted = true
        }
        let node = Node(key: key, value: value, expiresAt: expiresAt)
        let slot: Int
        if let reused = freeSlots.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        index[key] = slot
        linkAsNewest(slot)
        return evicted
    }

    /// Removes every entry and returns how many there were.
    @discardableResult
    public mutating func removeAll() -> Int {
        let removed = index.count
        index = [:]
        nodes = []
        freeSlots = []
        newest = -1
        oldest = -1
        return removed
    }

    /// Removes every entry expired at `now` and returns how many went. When the live entries then
    /// fill less than half the storage, the storage is rebuilt at their size (O(live entries)).
    @discardableResult
    public mutating func purgeExpired(now: Int64) -> Int {
        let removed = purgeExpired(now: now, from: 0, limit: .max).removed
        compactIfSparse()
        return removed
    }

    /// Removes expired entries among at most `limit` storage slots from `start`, so a caller can
    /// sweep a large cache in pieces (releasing its lock in between). Returns how many went and
    /// the slot to continue from, or nil when the sweep reached the end.
    public mutating func purgeExpired(now: Int64, from start: Int, limit: Int) -> (removed: Int, next: Int?) {
        var removed = 0
        let end = start + min(limit, nodes.count - min(start, nodes.count))
        var slot = start
        while slot < end {
            if nodes[slot].live, nodes[slot].expiresAt <= now {
                remove(slot: slot)
                removed += 1
            }
            slot += 1
        }
        return (removed, end < nodes.count ? end : nil)
    }

    /// Rebuilds the storage at the live entries' size when they fill less than half of it.
    public mutating func compactIfSparse() {
        if nodes.count > 64, index.count < nodes.count / 2 { compact() }
    }

    /// Slots of storage held, live or free (what memory follows).
    public var storageSlots: Int { nodes.count }

    /// Rebuilds the storage with only the live entries, oldest first, at their size.
    private mutating func compact() {
        var rebuilt = LRUCache(capacity: capacity)
        rebuilt.index.reserveCapacity(index.count)
        rebuilt.nodes.reserveCapacity(index.count)
        var slot = oldest
        while slot >= 0 {
            let node = nodes[slot]
            rebuilt.set(node.value, forKey: node.key, expiresAt: node.expiresAt)
            slot = node.newer
        }
        self = rebuilt
    }

    /// Keys from most to least recently used (for tests and diagnostics).
    public var keysByRecency: [Key] {
        var keys: [Key] = []
        var slot = newest
        while slot >= 0 {
            keys.append(nodes[slot].key)
            slot = nodes[slot].older
        }
        return keys
    }

    /// The oldest entry `preferred` accepts among the oldest few, else the oldest.
    private func victim(preferring preferred: ((Value) -> Bool)?) -> Int {
        guard let preferred else { return oldest }
        var slot = oldest
        var looked = 0
        while slot >= 0, looked < Self.preferredEvictionWindow {
            if preferred(nodes[slot].value) { return slot }
            slot = nodes[slot].newer
            looked += 1
        }
        return oldest
    }

    private mutating func remove(slot: Int) {
        unlink(slot)
        index[nodes[slot].key] = nil
        nodes[slot].live = false
        freeSlots.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let newer = nodes[slot].newer
        let older = nodes[slot].older
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        nodes[slot].newer = -1
        nodes[slot].older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        nodes[slot].older = newest
        nodes[slot].newer = -1
        if newest >= 0 { nodes[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
