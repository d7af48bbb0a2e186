/// An edge location, named by its three-letter IATA code (`LHR`, `SIN`), as Cloudflare's
/// `request.cf.colo` names it. `OTHER` collects colos past the configured cap.
public struct Colo: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let code: String
    /// A dense number for the code: base-26 for three letters, ``Colo/slotCount`` - 1 for OTHER.
    let slot: Int

    public static let other = Colo(code: "OTHER", slot: slotCount - 1)
    static let slotCount = 26 * 26 * 26 + 1

    private init(code: String, slot: Int) {
        self.code = code
        self.slot = slot
    }

    /// A colo from a header or flag value: exactly three ASCII letters, any case. Nil otherwise.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard bytes.count == 3 else { return nil }
        var slot = 0
        var code = ""
        for byte in bytes {
            let upper = byte & 0xDF
            guard upper >= UInt8(ascii: "A"), upper <= UInt8(ascii: "Z") else { return nil }
            slot = slot * 26 + Int(upper - UInt8(ascii: "A"))
            code.unicodeScalars.append(Unicode.Scalar(upper))
        }
        self.init(code: code, slot: slot)
    }

    public var description: String { code }
    public static func < (lhs: Colo, rhs: Colo) -> Bool { lhs.code < rhs.code }
}
