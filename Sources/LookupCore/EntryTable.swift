/// One cache shard's entries, packed for memory: a fixed-capacity map from ``CacheKey`` to a
/// profile, with least-recently-used eviction and a per-entry expiry time.
///
/// Not thread-safe by itself: ``ResponseCache`` keeps several behind their own locks.
///
/// A cached customer costs one 64-byte slot, 4 to 8 bytes of bucket heads, and the bytes of its
/// id and name (and of its key, for a key that is not a phone number) in one text array. Nothing
/// is allocated per entry (but for a tail no other entry shares, below). Keys find their slot through chained buckets, chosen by `Hasher` (seeded
/// afresh in every process, so callers cannot aim many numbers at one bucket). What most customers share (tier, language, queue, written as the end of
/// the answer's fields) is kept once per distinct value and counted by its users. Slots are linked
/// into the LRU list by index, so a hit, an insert and an eviction are O(1).
///
/// Expired entries go when they are read, and in bulk with ``purgeExpired(now:from:limit:)``;
/// ``compactIfSparse()`` then gives storage back once the live entries fill less than half of it,
/// and the text array is rewritten whenever more than half of it is text of entries gone: memory
/// follows the live entries, not the capacity.
struct EntryTable {
    /// 64 bytes (checked by a test): the times, the links, and where the entry's text is.
    struct Slot {
        var key: UInt64
        var expiresAt: Int64
        var freshUntil: Int64
        var visibleAt: Int64
        var newer: Int32 = -1
        var older: Int32 = -1
        /// The next slot in the same bucket's chain.
        var next: Int32 = -1
        var textStart: UInt32
        var idLength: UInt32
        var nameLength: UInt32
        var tail: UInt32
        var keyLength: UInt16
        var flags: Flags

        var textLength: Int { Int(keyLength) + Int(idLength) + Int(nameLength) }
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        static let live = Flags(rawValue: 1)
        static let found = Flags(rawValue: 2)
        /// Written by another colo and replicated here.
        static let replicated = Flags(rawValue: 4)
    }

    /// The end of the answer's fields from `","tier":"` on, shared by every entry that has it.
    struct Tail {
        var text: Substring
        var lengths: CustomerProfile.Lengths
        var users: Int
    }

    /// What a stored entry says besides its profile.
    struct Metadata: Equatable {
        var replicated: Bool
        var visibleAt: Int64
        var freshUntil: Int64
    }

    let capacity: Int
    /// The first slot of each bucket's chain, or -1; a power of two of them, at least one per entry.
    private var buckets: [Int32] = []
    private(set) var count = 0
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    private var text: [UInt8] = []
    /// Bytes of `text` no live entry uses.
    private var garbage = 0
    private var tails: [Tail] = []
    private var tailNumbers: [Substring: UInt32] = [:]
    private var freeTails: [UInt32] = []
    private var newest: Int32 = -1
    private var oldest: Int32 = -1

    /// Entries whose text cannot be addressed (ids or names over 4 GiB) are not kept; none come
    /// near it (a CRM answer is at most 1 MiB).
    static let largestText = Int(UInt32.max)

    init(capacity: Int) {
        precondition(capacity > 0 && capacity < Int(Int32.max), "an entry table holds 1 to 2³¹ - 2 entries")
        self.capacity = capacity
    }

    /// Slots of storage held, live or free (what memory follows).
    var storageSlots: Int { slots.count }

    /// Bytes of text held, live or garbage.
    var textBytes: Int { text.count }

    /// Bucket heads held.
    var bucketCount: Int { buckets.count }

    /// Distinct tails held.
    var tailCount: Int { tailNumbers.count }

    /// The live slot for `key` not expired at `now`, marked most recently used; an expired one
    /// is removed on the way.
    mutating func find(_ key: CacheKey, now: Int64) -> Int32? {
        guard let slot = locate(key) else { return nil }
        if slots[Int(slot)].expiresAt <= now {
            remove(slot: slot)
            return nil
        }
        moveToNewest(slot)
        return slot
    }

    /// The live slot for `key` not expired at `now`, without marking it used.
    func peek(_ key: CacheKey, now: Int64) -> Int32? {
        guard let slot = locate(key), slots[Int(slot)].expiresAt > now else { return nil }
        return slot
    }

    func metadata(_ slot: Int32) -> Metadata {
        let entry = slots[Int(slot)]
        return Metadata(replicated: entry.flags.contains(.replicated), visibleAt: entry.visibleAt,
                        freshUntil: entry.freshUntil)
    }

    /// The profile in `slot`, made afresh from its parts (one allocation).
    func profile(_ slot: Int32) -> CustomerProfile {
        let entry = slots[Int(slot)]
        let tail = tails[Int(entry.tail)]
        return text.withUnsafeBytes { bytes in
            let id = Int(entry.textStart) + Int(entry.keyLength)
            let name = id + Int(entry.idLength)
            var lengths = tail.lengths
            lengths.id = entry.idLength
            lengths.name = entry.nameLength
            return CustomerProfile(
                contactFound: entry.flags.contains(.found),
                id: UnsafeRawBufferPointer(rebasing: bytes[id..<name]),
                name: UnsafeRawBufferPointer(rebasing: bytes[name..<(name + Int(entry.nameLength))]),
                tail: tail.text.utf8, lengths: lengths
            )
        }
    }

    /// How many of the least recently used entries a full table looks through for one fresh no
    /// longer, before it evicts the oldest.
    static var preferredEvictionWindow: Int { 16 }

    /// Stores `profile` for `key` until `expiresAt`. Returns true when an older entry was evicted
    /// for room. When full, the first of the ``preferredEvictionWindow`` oldest entries no longer
    /// fresh at `staleAt` goes (a stale copy), else the oldest.
    @discardableResult
    mutating func set(
        _ profile: CustomerProfile, for key: CacheKey, replicated: Bool = false, visibleAt: Int64, freshUntil: Int64,
        expiresAt: Int64, staleAt: Int64? = nil
    ) -> Bool {
        let (id, name, tailText) = profile.parts
        let keyText = key.text?.utf8
        let keyLength = keyText?.count ?? 0
        let existing = locate(key)
        // What this key held is outdated either way.
        if let existing { remove(slot: existing) }
        guard keyLength <= Int(UInt16.max), id.count + name.count + keyLength <= Self.largestText else { return false }
        var evicted = false
        if existing == nil, count >= capacity {
            remove(slot: victim(staleAt: staleAt))
            evicted = true
        }
        if text.count + id.count + name.count + keyLength > Self.largestText { compactText() }
        guard text.count + id.count + name.count + keyLength <= Self.largestText else { return evicted }
        var lengths = profile.lengths
        (lengths.id, lengths.name) = (0, 0)
        var flags: Flags = .live
        if profile.contactFound { flags.insert(.found) }
        if replicated { flags.insert(.replicated) }
        let entry = Slot(
            key: key.packed, expiresAt: expiresAt, freshUntil: freshUntil, visibleAt: visibleAt,
            textStart: UInt32(text.count), idLength: UInt32(id.count), nameLength: UInt32(name.count),
            tail: share(tailText, lengths: lengths), keyLength: UInt16(keyLength), flags: flags
        )
        if let keyText { text.append(contentsOf: keyText) }
        text.append(contentsOf: id)
        text.append(contentsOf: name)
        let slot = Self.place(entry, in: &slots, reusing: &freeSlots)
        count += 1
        if count > buckets.count { rebucket(for: count) } else { chain(slot) }
        linkAsNewest(slot)
        return evicted
    }

    /// Removes every entry and returns how many there were.
    @discardableResult
    mutating func removeAll() -> Int {
        let removed = count
        self = EntryTable(capacity: capacity)
        return removed
    }

    /// Removes expired entries among at most `limit` storage slots from `start`, so a caller can
    /// sweep a large table in pieces (releasing its lock in between). Returns how many went and
    /// the slot to continue from, or nil when the sweep reached the end.
    mutating func purgeExpired(now: Int64, from start: Int, limit: Int) -> (removed: Int, next: Int?) {
        var removed = 0
        let end = start + min(limit, slots.count - min(start, slots.count))
        var slot = start
        while slot < end {
            if slots[slot].flags.contains(.live), slots[slot].expiresAt <= now {
                remove(slot: Int32(slot))
                removed += 1
            }
            slot += 1
        }
        return (removed, end < slots.count ? end : nil)
    }

    /// Rebuilds the storage at the live entries' size when they fill less than half of it.
    mutating func compactIfSparse() {
        if slots.count > 64, count < slots.count / 2 { compact() }
    }

    /// Keys' packed forms from most to least recently used (for tests and diagnostics).
    var keysByRecency: [UInt64] {
        var keys: [UInt64] = []
        var slot = newest
        while slot >= 0 {
            keys.append(slots[Int(slot)].key)
            slot = slots[Int(slot)].older
        }
        return keys
    }

    // MARK: - Inside

    private func bucket(of packed: UInt64) -> Int {
        var hasher = Hasher()
        hasher.combine(packed)
        return hasher.finalize() & (buckets.count - 1)
    }

    private func locate(_ key: CacheKey) -> Int32? {
        guard !buckets.isEmpty else { return nil }
        var slot = buckets[bucket(of: key.packed)]
        while slot >= 0 {
            let entry = slots[Int(slot)]
            if entry.key == key.packed, matches(entry, key) { return slot }
            slot = entry.next
        }
        return nil
    }

    /// Whether a slot whose packed key is `key`'s holds `key`: always for a phone number, else
    /// when the texts are the same (two texts can share a hash).
    private func matches(_ entry: Slot, _ key: CacheKey) -> Bool {
        guard let keyText = key.text else { return true }
        let start = Int(entry.textStart)
        return text[start..<(start + Int(entry.keyLength))].elementsEqual(keyText.utf8)
    }

    private mutating func chain(_ slot: Int32) {
        let head = bucket(of: slots[Int(slot)].key)
        slots[Int(slot)].next = buckets[head]
        buckets[head] = slot
    }

    private mutating func unchain(_ slot: Int32) {
        let head = bucket(of: slots[Int(slot)].key)
        if buckets[head] == slot {
            buckets[head] = slots[Int(slot)].next
            return
        }
        var previous = buckets[head]
        while slots[Int(previous)].next != slot { previous = slots[Int(previous)].next }
        slots[Int(previous)].next = slots[Int(slot)].next
    }

    /// Buckets for `entries` (a power of two, at least 16), every live slot chained into them.
    private mutating func rebucket(for entries: Int) {
        var size = 16
        while size < entries { size *= 2 }
        buckets = Array(repeating: -1, count: size)
        for slot in slots.indices where slots[slot].flags.contains(.live) { chain(Int32(slot)) }
    }

    /// The oldest entry no longer fresh at `staleAt` among the oldest few, else the oldest.
    private func victim(staleAt: Int64?) -> Int32 {
        guard let staleAt else { return oldest }
        var slot = oldest
        var looked = 0
        while slot >= 0, looked < Self.preferredEvictionWindow {
            if slots[Int(slot)].freshUntil <= staleAt { return slot }
            slot = slots[Int(slot)].newer
            looked += 1
        }
        return oldest
    }

    /// The tail's number, shared with every entry that has the same one.
    private mutating func share(_ tail: Substring.UTF8View, lengths: CustomerProfile.Lengths) -> UInt32 {
        let key = Substring(tail)
        if let number = tailNumbers[key] {
            tails[Int(number)].users += 1
            return number
        }
        let kept = Tail(text: Substring(String(key)), lengths: lengths, users: 1)
        let number = Self.place(kept, in: &tails, reusing: &freeTails)
        tailNumbers[kept.text] = number
        return number
    }

    /// Puts `element` in a freed place of `array` if there is one, else at its end; returns where.
    private static func place<Element, Number: FixedWidthInteger>(_ element: Element, in array: inout [Element], reusing free: inout [Number]) -> Number {
        if let reused = free.popLast() {
            array[Int(reused)] = element
            return reused
        }
        array.append(element)
        return Number(array.count - 1)
    }

    private mutating func release(tail number: UInt32) {
        tails[Int(number)].users -= 1
        guard tails[Int(number)].users == 0 else { return }
        tailNumbers[tails[Int(number)].text] = nil
        tails[Int(number)].text = ""
        freeTails.append(number)
    }

    private mutating func remove(slot: Int32) {
        unlink(slot)
        unchain(slot)
        count -= 1
        let entry = slots[Int(slot)]
        release(tail: entry.tail)
        slots[Int(slot)].flags.remove(.live)
        freeSlots.append(slot)
        garbage += entry.textLength
        if garbage >= 4_096, garbage * 2 > text.count { compactText() }
    }

    /// Rewrites the text array with only the live entries' text: O(slots + live bytes).
    private mutating func compactText() {
        var kept: [UInt8] = []
        kept.reserveCapacity(text.count - garbage)
        for slot in slots.indices where slots[slot].flags.contains(.live) {
            let start = Int(slots[slot].textStart)
            slots[slot].textStart = UInt32(kept.count)
            kept.append(contentsOf: text[start..<(start + slots[slot].textLength)])
        }
        text = kept
        garbage = 0
    }

    /// Rebuilds the slots with only the live entries, oldest first, at their size.
    private mutating func compact() {
        var rebuilt = EntryTable(capacity: capacity)
        rebuilt.slots.reserveCapacity(count)
        rebuilt.text.reserveCapacity(text.count - garbage)
        var slot = oldest
        while slot >= 0 {
            var entry = slots[Int(slot)]
            let start = Int(entry.textStart)
            entry.textStart = UInt32(rebuilt.text.count)
            rebuilt.text.append(contentsOf: text[start..<(start + entry.textLength)])
            let at = Int32(rebuilt.slots.count)
            rebuilt.slots.append(entry)
            rebuilt.linkAsNewest(at)
            slot = entry.newer
        }
        rebuilt.count = count
        rebuilt.rebucket(for: count)
        // Tails keep their numbers and users: the same entries use them.
        rebuilt.tails = tails
        rebuilt.tailNumbers = tailNumbers
        rebuilt.freeTails = freeTails
        self = rebuilt
    }

    private mutating func moveToNewest(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let newer = slots[Int(slot)].newer
        let older = slots[Int(slot)].older
        if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
        if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
        slots[Int(slot)].newer = -1
        slots[Int(slot)].older = -1
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        slots[Int(slot)].older = newest
        slots[Int(slot)].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
