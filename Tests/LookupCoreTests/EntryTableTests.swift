import PropertyBased
import TestSupport
import Testing
@testable import LookupCore

/// The packed table behind each cache shard: LRU order, TTLs, and the parts it keeps.
@Suite("Cache: the packed entry table")
struct EntryTableTests {
    static func profile(_ number: Int, found: Bool = true) -> CustomerProfile {
        CustomerProfile(contactFound: found, customerId: "CUST-\(number)", displayName: "Name \(number)",
                        tier: ["Enterprise", "Standard"][number % 2], language: "en-GB", assignedQueue: "q-\(number % 2)")
    }

    /// The id of what `key` finds at `now`, if anything (and marks it used, as a read does).
    static func value(_ table: inout EntryTable, _ key: CacheKey, now: Int64) -> String? {
        table.find(key, now: now).map { table.profile($0).customerId }
    }

    static func set(_ table: inout EntryTable, _ number: Int, _ key: CacheKey, expiresAt: Int64) -> Bool {
        table.set(profile(number), for: key, visibleAt: 0, freshUntil: expiresAt, expiresAt: expiresAt)
    }

    @Test("Storing a key again replaces it; an entry too large to keep still removes the outdated one")
    func replaceAndTooLarge() {
        var table = EntryTable(capacity: 4)
        _ = Self.set(&table, 1, "k", expiresAt: 100)
        _ = Self.set(&table, 2, "k", expiresAt: 100)
        #expect(Self.value(&table, "k", now: 0) == "CUST-2")
        #expect(table.count == 1)
        let long = CacheKey(text: String(repeating: "x", count: Int(UInt16.max) + 1))
        _ = Self.set(&table, 3, long, expiresAt: 100)
        #expect(table.count == 1)
        #expect(Self.value(&table, long, now: 0) == nil)
    }

    @Test("Entries expire at their TTL, on the injected clock")
    func ttl() {
        var table = EntryTable(capacity: 4)
        _ = Self.set(&table, 1, "a", expiresAt: 1_000)
        #expect(Self.value(&table, "a", now: 999) == "CUST-1")
        #expect(Self.value(&table, "a", now: 1_000) == nil)
        #expect(table.count == 0)
    }

    @Test("The least recently used entry is evicted first; overwriting refreshes and evicts nothing")
    func lru() {
        var table = EntryTable(capacity: 3)
        for (number, key) in ["a", "b", "c"].enumerated() { #expect(!Self.set(&table, number, CacheKey(text: key), expiresAt: .max)) }
        _ = Self.value(&table, "a", now: 0)
        #expect(Self.set(&table, 4, "d", expiresAt: .max))
        #expect(Self.value(&table, "b", now: 0) == nil)
        #expect(table.keysByRecency == ["d", "a", "c"].map { CacheKey(text: $0).packed })
        #expect(!Self.set(&table, 5, "c", expiresAt: .max))
        #expect(table.keysByRecency == ["c", "d", "a"].map { CacheKey(text: $0).packed })
        #expect(Self.value(&table, "c", now: 0) == "CUST-5")
        #expect(table.count == 3)
    }

    @Test("A full table evicts a stale copy among the oldest before a fresh entry")
    func staleFirst() {
        var table = EntryTable(capacity: 3)
        table.set(Self.profile(0), for: "old-fresh", visibleAt: 0, freshUntil: 100, expiresAt: 1_000)
        table.set(Self.profile(1), for: "stale", visibleAt: 0, freshUntil: 10, expiresAt: 1_000)
        table.set(Self.profile(2), for: "fresh", visibleAt: 0, freshUntil: 100, expiresAt: 1_000)
        let evicted = table.set(Self.profile(3), for: "new", visibleAt: 50, freshUntil: 150, expiresAt: 1_000, staleAt: 50)
        #expect(evicted)
        #expect(table.peek("stale", now: 50) == nil)
        #expect(table.peek("old-fresh", now: 50) != nil)
    }

    @Test("A slot is 64 bytes, and a phone number keeps no text")
    func layout() {
        #expect(MemoryLayout<EntryTable.Slot>.stride == 64)
        var table = EntryTable(capacity: 10)
        table.set(Self.profile(7), for: CacheKey(.phone(digits: "15550000007")), visibleAt: 0, freshUntil: 10, expiresAt: 10)
        #expect(table.textBytes == "CUST-7".utf8.count + "Name 7".utf8.count)
        table.set(Self.profile(8), for: CacheKey(.email("a@b.co")), visibleAt: 0, freshUntil: 10, expiresAt: 10)
        #expect(table.textBytes == 12 + "customer:email:a@b.co".utf8.count + 12)
        var big = EntryTable(capacity: 100_000)
        for number in 0..<70_000 { _ = Self.set(&big, number, CacheKey(.phone(digits: String(15_550_000_000 + number))), expiresAt: 1) }
        #expect(big.bucketCount == 131_072)
        _ = big.purgeExpired(now: 1, from: 0, limit: .max)
        big.compactIfSparse()
        #expect(big.bucketCount == 16)
    }

    @Test("A key from a lookup and a key from its written form are one key; different keys are different")
    func cacheKeys() {
        let phones = Gen.int(in: 0...999_999_999_999_999).map { String($0) }
        let padded = zip(Gen.int(in: 0...4), phones).map { String(repeating: "0", count: $0) + $1 }.map { String($0.prefix(15)) }
        let emails = Gen.element(of: ["a@b.co", "customer1@example.com", "x.y@z", "é@ü.de"]).map { $0! }
        forAll(zip(padded, padded, emails), count: 3_000, seed: 0xCA5E) { first, second, email in
            for key in [LookupKey.phone(digits: first), .email(email)] {
                #expect(CacheKey(key) == CacheKey(text: key.cacheKey), "\(key.cacheKey)")
            }
            #expect((CacheKey(.phone(digits: first)) == CacheKey(.phone(digits: second))) == (first == second), "\(first) \(second)")
            #expect(CacheKey(.phone(digits: first)).text == nil)
        }
        // Not 1 to 15 digits: kept as text, still one key with its written form.
        for digits in ["", "1234567890123456", "12a"] {
            #expect(CacheKey(.phone(digits: digits)).text != nil)
            #expect(CacheKey(.phone(digits: digits)) == CacheKey(text: "customer:ani:" + digits))
        }
        #expect(CacheKey(.phone(digits: "0044")) != CacheKey(.phone(digits: "44")))
    }

    @Test("Tails are shared while used and let go with their last entry")
    func tails() {
        var table = EntryTable(capacity: 100)
        for number in 0..<100 { _ = Self.set(&table, number, "k\(number)", expiresAt: number < 50 ? 10 : 20) }
        #expect(table.tailCount == 2)
        table.set(CustomerProfile(contactFound: true, customerId: "x", displayName: "y", tier: "Gold", language: "fr", assignedQueue: "g"),
                  for: "k0", visibleAt: 0, freshUntil: 30, expiresAt: 30)
        #expect(table.tailCount == 3)
        _ = table.purgeExpired(now: 20, from: 0, limit: .max)
        #expect(table.count == 1)
        #expect(table.tailCount == 1)
        let kept = table.find("k0", now: 20).map { table.profile($0).tier }
        #expect(kept == "Gold")
    }

    @Test("Two texts with one hash are never taken for each other")
    func hashCollision() {
        var table = EntryTable(capacity: 10)
        let first = CacheKey(packed: CacheKey.textBit | 42, text: "customer:email:a@b.co")
        let second = CacheKey(packed: CacheKey.textBit | 42, text: "customer:email:c@d.co")
        _ = Self.set(&table, 1, first, expiresAt: 100)
        #expect(Self.value(&table, second, now: 0) == nil)
        #expect(table.peek(second, now: 0) == nil)
        _ = Self.set(&table, 2, second, expiresAt: 100)
        #expect(Self.value(&table, second, now: 0) == "CUST-2")
        #expect(Self.value(&table, first, now: 0) == "CUST-1")
        _ = table.purgeExpired(now: 100, from: 0, limit: .max)
        #expect(table.count == 0)
    }

    @Test("Expired entries are reclaimed; slots and text shrink to the live entries")
    func purge() {
        var table = EntryTable(capacity: 10_000)
        for key in 0..<10_000 { _ = Self.set(&table, key, "k\(key)", expiresAt: key < 9_900 ? 100 : 1_000) }
        #expect(table.storageSlots == 10_000)
        _ = Self.value(&table, "k5", now: 0)  // touched entries expire too
        #expect(table.purgeExpired(now: 100, from: 0, limit: .max).removed == 9_900)
        table.compactIfSparse()
        #expect(table.count == 100)
        #expect(table.storageSlots == 100)
        let live = (9_900..<10_000).reduce(0) { $0 + "k\($1)CUST-\($1)Name \($1)".utf8.count }
        #expect(table.textBytes == live)
        #expect(table.keysByRecency == (9_900..<10_000).reversed().map { CacheKey(text: "k\($0)").packed })
        #expect(Self.value(&table, "k9950", now: 999) == "CUST-9950")
    }

    @Test("Churn at capacity: the text held stays under twice the live text")
    func churnBoundsText() {
        var table = EntryTable(capacity: 1_000)
        var most = 0
        for key in 0..<50_000 {
            _ = Self.set(&table, key, "k\(key)", expiresAt: .max)
            most = max(most, table.textBytes)
        }
        let live = (49_000..<50_000).reduce(0) { $0 + "k\($1)CUST-\($1)Name \($1)".utf8.count }
        #expect(table.count == 1_000)
        #expect(most <= 2 * live + 4_096)
        #expect(table.storageSlots == 1_000)
    }

    @Test("Profiles come back byte for byte, whatever their text", .timeLimit(.minutes(1)))
    func roundTrip() {
        let characters = Gen.oneOf(Gen.character(in: " "..."~"), Gen.character(in: "\u{0}"..."\u{1F}"), Gen.character(in: "\u{80}"..."\u{3000}"))
        let texts = characters.string(of: 0...24)
        let cases = zip(texts, texts, texts, texts, texts, Gen.bool)
        forAll(cases, count: 2_000, seed: 0x7AB1E) { id, name, tier, language, queue, found in
            let profile = CustomerProfile(contactFound: found, customerId: id, displayName: name, tier: tier, language: language, assignedQueue: queue)
            #expect(profile.customerId == id && profile.displayName == name && profile.tier == tier)
            #expect(profile.language == language && profile.assignedQueue == queue && profile.contactFound == found)
            var table = EntryTable(capacity: 2)
            table.set(profile, for: CacheKey(.email(name)), visibleAt: 0, freshUntil: 1, expiresAt: 1)
            let back = table.find(CacheKey(.email(name)), now: 0).map { table.profile($0) }
            #expect(back == profile)
            #expect(back?.renderedFields == profile.renderedFields)
        }
    }

    /// The simplest LRU that could work: an array, newest first.
    struct Model {
        struct Entry { var key: CacheKey; var number: Int; var expiresAt: Int64; var freshUntil: Int64 }
        let capacity: Int
        var entries: [Entry] = []

        mutating func find(_ key: CacheKey, now: Int64) -> Int? {
            guard let at = entries.firstIndex(where: { $0.key == key }) else { return nil }
            let entry = entries.remove(at: at)
            guard entry.expiresAt > now else { return nil }
            entries.insert(entry, at: 0)
            return entry.number
        }

        mutating func set(_ number: Int, _ key: CacheKey, freshUntil: Int64, expiresAt: Int64, staleAt: Int64?) -> Bool {
            var evicted = false
            if let at = entries.firstIndex(where: { $0.key == key }) {
                entries.remove(at: at)
            } else if entries.count >= capacity {
                let oldestFew = entries.indices.reversed().prefix(EntryTable.preferredEvictionWindow)
                let victim = staleAt.flatMap { staleAt in oldestFew.first { entries[$0].freshUntil <= staleAt } } ?? entries.count - 1
                entries.remove(at: victim)
                evicted = true
            }
            entries.insert(Entry(key: key, number: number, expiresAt: expiresAt, freshUntil: freshUntil), at: 0)
            return evicted
        }

        mutating func purge(now: Int64) -> Int {
            let before = entries.count
            entries.removeAll { $0.expiresAt <= now }
            return before - entries.count
        }
    }

    @Test("Seeded random operations: the table agrees with a plain array LRU at every step", arguments: [1, 3, 20, 200])
    func agreesWithModel(capacity: Int) throws {
        var random = SplitMix64(seed: 0xE7_7AB1E + UInt64(capacity))
        var table = EntryTable(capacity: capacity)
        var model = Model(capacity: capacity)
        let keys: [CacheKey] = (0..<(capacity * 3 + 5)).map { number in
            switch number % 3 {
            case 0: CacheKey(.phone(digits: String(15_550_000_000 + number)))
            case 1: CacheKey(.email("c\(number)@x.io"))
            default: CacheKey(text: String(repeating: "k", count: number % 7) + "\(number)")
            }
        }
        var now: Int64 = 0
        for step in 0..<20_000 {
            let key = keys[Int(random.next() % UInt64(keys.count))]
            switch random.next() % 100 {
            case 0..<45:
                let number = step
                let freshUntil = now + Int64(random.next() % 200)
                let expiresAt = freshUntil + Int64(random.next() % 200)
                let staleAt: Int64? = random.next() % 2 == 0 ? now : nil
                let evicted = table.set(Self.profile(number, found: number % 5 != 0), for: key, visibleAt: now, freshUntil: freshUntil,
                                        expiresAt: expiresAt, staleAt: staleAt)
                #expect(evicted == model.set(number, key, freshUntil: freshUntil, expiresAt: expiresAt, staleAt: staleAt), "step \(step)")
            case 45..<90:
                let found = table.find(key, now: now).map { table.profile($0) }
                let expected = model.find(key, now: now)
                #expect(found == expected.map { Self.profile($0, found: $0 % 5 != 0) }, "step \(step)")
            case 90..<95:
                now += Int64(random.next() % 60)
            case 95..<99:
                let start = Int(random.next() % UInt64(table.storageSlots + 1))
                var removed = table.purgeExpired(now: now, from: start, limit: .max).removed
                removed += table.purgeExpired(now: now, from: 0, limit: start).removed
                #expect(removed == model.purge(now: now), "step \(step)")
                table.compactIfSparse()
            default:
                #expect(table.removeAll() == model.entries.count)
                model.entries = []
            }
            // The first disagreement ends the run: every later step would repeat it.
            try #require(table.count == model.entries.count, "step \(step)")
            try #require(table.keysByRecency == model.entries.map(\.key.packed), "step \(step)")
        }
    }
}
