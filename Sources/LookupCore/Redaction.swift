/// Personal data never reaches a log line, the screen or a metric, even by accident: the types
/// that carry an ANI, an email or a name describe themselves without it, so a stray
/// `"\(key)"` in a log call prints at most the last four digits.
extension LookupKey: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        switch self {
        case .phone(let digits): "phone " + Redaction.lastFour(digits)
        case .email(let address): "email (\(address.count) characters)"
        }
    }

    public var debugDescription: String { description }

    /// `text` with this key's number or address (plain or percent-encoded) replaced by
    /// ``description``: for error messages from libraries that may quote a URL.
    public func scrub(_ text: String) -> String {
        switch self {
        case .phone(let digits): text.replacing(digits, with: description)
        case .email(let address):
            text.replacing(address, with: description).replacing(URLText.percentEncoded(address), with: description)
        }
    }
}

extension LookupRequest: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "LookupRequest(ani: \(ani.map { Redaction.lastFour($0) } ?? "nil"), email: \(email == nil ? "nil" : "redacted"))"
    }

    public var debugDescription: String { description }
}

extension CRMRecord: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "CRMRecord(id: \(id), names redacted, tier: \(accountTier ?? "nil"))" }
    public var debugDescription: String { description }
}

extension CustomerProfile: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "CustomerProfile(found: \(contactFound), id: \(customerId), name redacted, tier: \(tier))" }
    public var debugDescription: String { description }
}

public enum Redaction {
    /// `…1234`: at most the last four digits of a number (none of a number that short).
    public static func lastFour(_ text: String) -> String {
        let digits = text.filter(\.isASCII).filter(\.isNumber)
        return digits.count > 4 ? "…" + String(digits.suffix(4)) : "…"
    }
}

public enum URLText {
    /// RFC 3986 unreserved characters kept, every other byte as `%XX`.
    public static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
