#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The head of an HTTP/1.1 request in the plain form clients send: a request line, `name: value`
/// lines ending in CRLF, a blank line, and a body framed by `Content-Length` alone.
///
/// ``LookupFastPath`` reads heads with it, before NIO's HTTP decoder, to find where each request
/// ends. It is deliberately narrow: whatever it does not call plain (another version, chunked
/// bodies, `Expect`, `Upgrade`, `Connection` or `Proxy-Connection` other than keep-alive, a
/// repeated or odd `Content-Length`, bare CR or LF, tabs, control or non-ASCII bytes, folded
/// lines, an unknown method, a target not starting with `/`, too many or too long headers) goes, with the rest of the connection, to NIO's decoder, which answers it as before.
/// So it only ever agrees with the decoder on where a request ends, and never has to be as
/// forgiving as one.
struct PlainRequestHead: Equatable {
    /// Bytes in the head, its blank line included.
    var length: Int
    /// The body's length (0 without `Content-Length`).
    var contentLength: Int
    /// The route the fast path answers, when the request line names one exactly (no query).
    var route: Route?
    /// The `Authorization` and `X-Edge-Colo` values, when each came once.
    var authorization: String?
    var colo: String?
    /// One of the two came more than once (the routes decide what that means).
    var repeatsAField: Bool

    enum Route: Equatable {
        /// `POST /lookup/customer`
        case lookup
        /// `GET /health`
        case health
    }

    enum Scan: Equatable {
        /// No blank line yet, and still short of ``maximumLength``.
        case incomplete
        /// Not plain (see the type's notes): the connection goes to NIO's decoder.
        case unplain
        case head(PlainRequestHead)
    }

    /// The longest head read here, and the most header lines.
    static let maximumLength = 8 * 1024
    static let maximumFields = 64

    /// Reads the head at the start of `bytes`. `searched` bytes are known to hold no blank line
    /// yet (from an earlier call on fewer bytes), so a head sent in pieces is not searched again
    /// from its start.
    static func scan(_ bytes: UnsafeRawBufferPointer, searched: Int = 0) -> Scan {
        let end: Int
        switch blankLine(in: bytes, from: max(0, searched - 3)) {
        case .found(let index): end = index
        case .notYet: return bytes.count >= maximumLength ? .unplain : .incomplete
        case .looseLineEnd: return .unplain
        }
        var reader = Reader(bytes: UnsafeRawBufferPointer(rebasing: bytes[0..<end]))
        guard let head = reader.head() else { return .unplain }
        return .head(head)
    }

    /// The path of the request line at the start of `bytes` (a method, one space, then the target
    /// up to its query, a space or a line end), when that much is there and the path is at most
    /// 256 bytes of printable ASCII. Used only to file a head that is not plain under its route.
    static func requestPath(_ bytes: UnsafeRawBufferPointer) -> String? {
        var index = 0
        while index < min(bytes.count, 32), bytes[index] >= 0x41, bytes[index] <= 0x5A { index += 1 }
        guard index > 0, index < bytes.count, bytes[index] == 0x20 else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count, end - start <= 256, bytes[end] > 0x20, bytes[end] < 0x7F, bytes[end] != 0x3F { end += 1 }
        guard end > start, end - start <= 256, end < bytes.count else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    enum BlankLine: Equatable {
        /// The index just past it.
        case found(Int)
        case notYet
        /// A CR or LF not in a CRLF: never plain, and not worth waiting for the rest.
        case looseLineEnd
    }

    /// The first CRLFCRLF in the first ``maximumLength`` bytes.
    static func blankLine(in bytes: UnsafeRawBufferPointer, from start: Int) -> BlankLine {
        let limit = min(bytes.count, maximumLength)
        var index = min(start, limit)
        // Starting on the LF of a CRLF, step back onto its CR.
        if index > 0, index < limit, bytes[index] == 0x0A, bytes[index - 1] == 0x0D { index -= 1 }
        while index < limit {
            switch bytes[index] {
            case 0x0D:
                guard index + 1 < limit else { return .notYet }
                guard bytes[index + 1] == 0x0A else { return .looseLineEnd }
                if index + 3 < limit, bytes[index + 2] == 0x0D, bytes[index + 3] == 0x0A { return .found(index + 4) }
                index += 2
            case 0x0A:
                // Every LF that belongs to a CRLF is stepped over with its CR.
                return .looseLineEnd
            default:
                index += 1
            }
        }
        return .notYet
    }

    /// Reads one head, which ends in CRLFCRLF.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        mutating func head() -> PlainRequestHead? {
            guard let method = token(), Self.methods.contains(where: { equal(method, $0) }), take(0x20), let target = target(),
                  take(0x20), word("HTTP/1.1"), crlf() else { return nil }
            var head = PlainRequestHead(
                length: bytes.count, contentLength: 0,
                route: equal(method, "POST") && equal(target, "/lookup/customer") ? .lookup
                    : equal(method, "GET") && equal(target, "/health") ? .health : nil,
                authorization: nil, colo: nil, repeatsAField: false
            )
            var sawLength = false
            var sawAuthorization = false
            var sawColo = false
            var fields = 0
            while !crlf() {
                fields += 1
                guard fields <= maximumFields, let name = token(), take(UInt8(ascii: ":")), let value = value() else { return nil }
                if named(name, "content-length") {
                    guard !sawLength, let length = digits(value) else { return nil }
                    sawLength = true
                    head.contentLength = length
                } else if named(name, "connection") || named(name, "proxy-connection") {
                    // llhttp reads both (a `Proxy-Connection: close` ends the connection there).
                    guard named(value, "keep-alive") else { return nil }
                } else if named(name, "transfer-encoding") || named(name, "upgrade") || named(name, "expect") {
                    return nil
                } else if named(name, "authorization") {
                    head.repeatsAField = head.repeatsAField || sawAuthorization
                    sawAuthorization = true
                    head.authorization = text(value)
                } else if named(name, "x-edge-colo") {
                    head.repeatsAField = head.repeatsAField || sawColo
                    sawColo = true
                    head.colo = text(value)
                }
            }
            return index == bytes.count ? head : nil
        }

        /// The methods read here (NIO's decoder knows more, and refuses what it does not know).
        static let methods: [StaticString] = ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]

        /// One or more token characters (RFC 9110 `tchar`).
        mutating func token() -> Range<Int>? {
            let start = index
            while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
            return index > start ? start..<index : nil
        }

        /// A request target in origin form: `/` and visible ASCII.
        mutating func target() -> Range<Int>? {
            let start = index
            guard take(UInt8(ascii: "/")) else { return nil }
            while index < bytes.count, bytes[index] > 0x20, bytes[index] < 0x7F { index += 1 }
            return start..<index
        }

        /// A field value up to its CRLF (consumed), spaces around it trimmed: visible ASCII and
        /// spaces only. (A tab is legal there, but llhttp treats it differently in some fields,
        /// `Content-Length` for one: not plain.)
        mutating func value() -> Range<Int>? {
            var start = index
            while index < bytes.count, bytes[index] != 0x0D {
                guard bytes[index] >= 0x20, bytes[index] < 0x7F else { return nil }
                index += 1
            }
            var end = index
            guard crlf() else { return nil }
            while start < end, bytes[start] == 0x20 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 { end -= 1 }
            return start..<end
        }

        mutating func crlf() -> Bool {
            guard index + 1 < bytes.count, bytes[index] == 0x0D, bytes[index + 1] == 0x0A else { return false }
            index += 2
            return true
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func word(_ text: StaticString) -> Bool {
            let range = index..<min(bytes.count, index + text.utf8CodeUnitCount)
            guard equal(range, text) else { return false }
            index = range.upperBound
            return true
        }

        func equal(_ range: Range<Int>, _ text: StaticString) -> Bool {
            range.count == text.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, text.utf8Start, range.count) == 0
        }

        /// Equal to lowercase `text`, ignoring ASCII case.
        func named(_ range: Range<Int>, _ text: StaticString) -> Bool {
            guard range.count == text.utf8CodeUnitCount else { return false }
            for offset in 0..<range.count {
                var byte = bytes[range.lowerBound + offset]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != text.utf8Start[offset] { return false }
            }
            return true
        }

        /// A length: 1 to 9 digits (a larger body is refused long before, by the routes).
        func digits(_ range: Range<Int>) -> Int? {
            guard (1...9).contains(range.count) else { return nil }
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }

        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            tokenBytes[Int(byte)]
        }

        /// ``isToken(_:)`` for every byte, looked up rather than worked out per byte.
        static let tokenBytes: [Bool] = (0...255).map { isToken(UInt8($0)) }

        static func isToken(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                 UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
                 UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
    }
}
