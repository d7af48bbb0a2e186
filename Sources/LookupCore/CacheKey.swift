/// A cache key as the cache keeps it: a phone number packed into 64 bits, or any other key's text
/// with a 64-bit hash of it.
///
/// `LookupKey.cacheKey` stays the one written form (`customer:ani:<digits>`,
/// `customer:email:<address>`); ``init(text:)`` reads that form back, so a key made from the
/// lookup key and one made from its text are the same key. A phone number (1 to 15 digits) needs
/// no text at all: its length and value fit in the 64 bits. Only other keys (emails, tests' keys)
/// keep their text, which the cache compares on every match, so two texts with the same hash are
/// never taken for one another.
public struct CacheKey: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// A phone number: its digit count in bits 50–53 and its value below them (10¹⁵ < 2⁵⁰).
    /// Any other key: bit 63 set and the text's hash in the rest.
    let packed: UInt64
    /// The text of a key that is not a phone number; nil for a phone number.
    let text: String?

    static let textBit: UInt64 = 1 << 63
    static let phonePrefix = "customer:ani:"

    public init(_ key: LookupKey) {
        if case .phone(let digits) = key, let packed = Self.packed(digits: digits.utf8) {
            self.init(packed: packed, text: nil)
        } else {
            self.init(textKey: key.cacheKey)
        }
    }

    /// The key written `text`: a phone number when it is `customer:ani:` and 1 to 15 digits.
    public init(text: String) {
        let utf8 = text.utf8
        if utf8.starts(with: Self.phonePrefix.utf8), let packed = Self.packed(digits: utf8.dropFirst(Self.phonePrefix.utf8.count)) {
            self.init(packed: packed, text: nil)
        } else {
            self.init(textKey: text)
        }
    }

    public init(stringLiteral value: String) { self.init(text: value) }

    private init(textKey text: String) {
        var hasher = Hasher()
        hasher.combine(text)
        self.init(packed: Self.textBit | UInt64(UInt(bitPattern: hasher.finalize())) & ~Self.textBit, text: text)
    }

    /// Internal so tests can make two different texts with one hash.
    init(packed: UInt64, text: String?) {
        self.packed = packed
        self.text = text
    }

    /// Whether this key keeps its text (it is not a phone number).
    var hasText: Bool { packed & Self.textBit != 0 }

    /// 1 to 15 ASCII digits packed with their count; nil for anything else.
    static func packed(digits: some Collection<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var count: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), count < UInt64(LookupKey.maximumDigits) else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            count += 1
        }
        return count == 0 ? nil : count << 50 | value
    }

    /// The shard a key lives in, the same in every process (the text's hash is not): FNV-1a over
    /// the text, or a fixed mix of a phone number's 64 bits.
    func shard(of shardCount: Int) -> Int {
        if let text { return ResponseCache.shardIndex(of: text, shardCount: shardCount) }
        var mixed = packed &* 0x9E37_79B9_7F4A_7C15
        mixed ^= mixed >> 32
        return Int(mixed % UInt64(shardCount))
    }
}
