/// The key a lookup is made by: a phone number (digits only) or an email address.
///
/// Genesys sends the caller's ANI as a `tel:` or `sip:` URI, sometimes with a space after the
/// scheme, and sends the literal macro text (`${input.ani}`) when an input is unset. Both are
/// handled here so that every form of the same number becomes the same cache key.
public enum LookupKey: Hashable, Sendable {
    case phone(digits: String)
    case email(String)

    /// The cache key: `customer:ani:<digits>` or `customer:email:<address>`.
    public var cacheKey: String {
        switch self {
        case .phone(let digits): "customer:ani:" + digits
        case .email(let address): "customer:email:" + address
        }
    }

    /// Picks the key for a request: the ANI when usable, otherwise the email, otherwise nil.
    public static func from(ani: String?, email: String?) -> LookupKey? {
        if let digits = ani.flatMap(normaliseANI) { return .phone(digits: digits) }
        if let address = email.flatMap(normaliseEmail) { return .email(address) }
        return nil
    }

    /// Digits of a caller number, or nil when the value carries no number.
    ///
    /// Strips `tel:`, `sip:` or `sips:` (any case) with any spaces after it, cuts at the first
    /// `@` or `;` so host, port and parameters never leak into the key, then keeps the digits.
    public static func normaliseANI(_ raw: String) -> String? {
        // The usual shape (`+1 (317) 555-0116`): no scheme, macro, word or parameter can be in it,
        // so its digits are the key. Anything else takes the general road below.
        var digitCount = 0
        var dialled = true
        for byte in raw.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digitCount += 1
            } else if !isDialledByte(byte) {
                dialled = false
                break
            }
        }
        if dialled {
            guard digitCount > 0, digitCount <= maximumDigits else { return nil }
            if digitCount == raw.utf8.count { return raw }
            return String(unsafeUninitializedCapacity: digitCount) { buffer in
                var count = 0
                for byte in raw.utf8 where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    buffer[count] = byte
                    count += 1
                }
                return count
            }
        }
        var text = Substring(raw).trimmingSpaces()
        if text.isEmpty || isUnexpandedMacro(text) { return nil }
        let lowered = text.lowercased()
        if withheldWords.contains(lowered) { return nil }
        for scheme in ["tel:", "sip:", "sips:"] where lowered.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count).trimmingSpaces()
            break
        }
        if let cut = text.firstIndex(where: { $0 == "@" || $0 == ";" }) {
            text = text[..<cut]
        }
        var digits = ""
        digits.reserveCapacity(text.utf8.count)
        for byte in text.utf8 where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            digits.unicodeScalars.append(Unicode.Scalar(byte))
        }
        // E.164 numbers have at most 15 digits; anything longer is not a phone number.
        return digits.isEmpty || digits.utf8.count > maximumDigits ? nil : digits
    }

    /// Digits and the punctuation people write numbers with.
    private static func isDialledByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// The most digits a phone number has (E.164).
    public static let maximumDigits = 15
    /// The longest email address (RFC 5321's path limit).
    public static let maximumEmailBytes = 254

    /// A trimmed, lowercased address, or nil unless it contains exactly one `@`.
    public static func normaliseEmail(_ raw: String) -> String? {
        let text = Substring(raw).trimmingSpaces()
        if text.isEmpty || isUnexpandedMacro(text) { return nil }
        guard text.utf8.count <= maximumEmailBytes, text.utf8.lazy.filter({ $0 == UInt8(ascii: "@") }).count == 1 else { return nil }
        return text.lowercased()
    }

    /// True for a value that is still a Velocity macro, e.g. `${input.ani}` or `$!{input.email}`.
    public static func isUnexpandedMacro<S: StringProtocol>(_ text: S) -> Bool {
        text.hasPrefix("${") || text.hasPrefix("$!{")
    }

    /// Words carriers and PBXs put in the caller-ID field when the number is withheld.
    static let withheldWords: Set<String> = ["anonymous", "unknown", "restricted", "private"]
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
