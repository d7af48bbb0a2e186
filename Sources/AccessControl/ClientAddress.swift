/// The part of a client's IP address that the failure throttle counts against: the whole
/// IPv4 address, or the /64 prefix of an IPv6 address (one host usually owns a whole /64, so
/// counting single IPv6 addresses would let it rotate through 2^64 of them).
public struct ClientAddress: Hashable, Sendable, CustomStringConvertible {
    private let family: UInt8
    private let bits: UInt64

    /// From the address's bytes in network order: 4 for IPv4, 16 for IPv6 (an IPv4-mapped
    /// IPv6 address counts as its IPv4 address). Anything else is one shared "other" client.
    public init(bytes: [UInt8]) {
        if bytes.count == 4 {
            self.init(family: 4, bytes: bytes)
        } else if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            self.init(family: 4, bytes: Array(bytes[12..<16]))
        } else if bytes.count == 16 {
            self.init(family: 6, bytes: Array(bytes[0..<8]))
        } else {
            self.init(family: 0, bytes: [])
        }
    }

    private init(family: UInt8, bytes: [UInt8]) {
        self.family = family
        bits = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A client with no IP address (a Unix socket, or a connection already gone).
    public static let unknown = ClientAddress(bytes: [])

    public var description: String {
        switch family {
        case 4: (0..<4).reversed().map { String((bits >> (8 * UInt64($0))) & 0xFF) }.joined(separator: ".")
        case 6: (0..<4).reversed().map { String((bits >> (16 * UInt64($0))) & 0xFFFF, radix: 16) }.joined(separator: ":") + "::/64"
        default: "unknown"
        }
    }
}
