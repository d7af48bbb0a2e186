/// An edge location, named by its three-letter IATA code (`LHR`, `SIN`), as Cloudflare's
/// `request.cf.colo` names it. `OTHER` collects colos past the configured cap.
public struct Colo: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let code: String
    /// A dense number for the code: base-26 for three letters, ``Colo/slotCount`` - 1 for OTHER.
    let slot: Int

    public static let other = Colo(code: ColoName.other, slot: slotCount - 1)
    static let slotCount = 26 * 26 * 26 + 1

    private init(code: String, slot: Int) {
        self.code = code
        self.slot = slot
    }

    /// A colo from a header or flag value: exactly three ASCII letters, any case, and not `ALL`
    /// (``ColoName/all``, every colo together). Nil otherwise.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 3 else { return nil }
        var slot = 0
        var upper: (UInt8, UInt8, UInt8) = (0, 0, 0)
        for (offset, byte) in utf8.enumerated() {
            let letter = byte & 0xDF
            guard letter >= UInt8(ascii: "A"), letter <= UInt8(ascii: "Z") else { return nil }
            slot = slot * 26 + Int(letter - UInt8(ascii: "A"))
            switch offset {
            case 0: upper.0 = letter
            case 1: upper.1 = letter
            default: upper.2 = letter
            }
        }
        guard upper != (UInt8(ascii: "A"), UInt8(ascii: "L"), UInt8(ascii: "L")) else { return nil }
        let code = String(unsafeUninitializedCapacity: 3) { buffer in
            (buffer[0], buffer[1], buffer[2]) = upper
            return 3
        }
        self.init(code: code, slot: slot)
    }

    /// What a colo may be, for messages that refuse one.
    public static let rule = "a three-letter code such as LHR (ALL names every colo together)"

    public var description: String { code }
    public static func < (lhs: Colo, rhs: Colo) -> Bool { lhs.code < rhs.code }
}
