/// Reads the common shape of a lookup body straight from its bytes, without `JSONDecoder`:
/// one object whose values are plain ASCII strings (no escapes), `null`, or, for `ani`, a whole
/// number. Anything else (escapes, non-ASCII text, nesting, other numbers, a
/// repeated key, bad JSON) is not plain, and ``LookupRequest/decode(_:)`` gives it to
/// `JSONDecoder`, which answers it (or refuses it) as before.
///
/// Whatever this reads, `JSONDecoder` reads the same way: a property test holds the two to it.
enum PlainLookupBody {
    /// The request, or nil when the body is not plain.
    static func read(_ bytes: UnsafeRawBufferPointer) -> LookupRequest? {
        var reader = Reader(bytes: bytes)
        return reader.object()
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        mutating func object() -> LookupRequest? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var request = LookupRequest()
            var seenAni = false
            var seenEmail = false
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    switch key {
                    case .ani:
                        guard !seenAni, let value = value(numberAllowed: true) else { return nil }
                        seenAni = true
                        request.ani = value.text
                    case .email:
                        guard !seenEmail, let value = value(numberAllowed: false) else { return nil }
                        seenEmail = true
                        request.email = value.text
                    case .other:
                        guard value(numberAllowed: false) != nil else { return nil }
                    }
                    skipSpace()
                    if take(UInt8(ascii: "}")) { break }
                    guard take(UInt8(ascii: ",")) else { return nil }
                    skipSpace()
                }
            }
            skipSpace()
            return index == bytes.count ? request : nil
        }

        enum Key { case ani, email, other }

        /// A key: a plain string, told apart by its text.
        mutating func string() -> Key? {
            guard let range = plainString() else { return nil }
            let text = UnsafeRawBufferPointer(rebasing: bytes[range])
            if text.elementsEqual("ani".utf8) { return .ani }
            if text.elementsEqual("email".utf8) { return .email }
            return .other
        }

        /// A value: `.some(text)` for a string or (where allowed) a whole number, `.some(nil)` for
        /// `null`; nil when not plain.
        mutating func value(numberAllowed: Bool) -> Value? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard let range = plainString() else { return nil }
                return Value(text: String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            case UInt8(ascii: "n"):
                return word("null") ? Value(text: nil) : nil
            case UInt8(ascii: "0")...UInt8(ascii: "9") where numberAllowed:
                return wholeNumber().map { Value(text: $0) }
            default:
                return nil
            }
        }

        struct Value { var text: String? }

        /// A string of printable ASCII without escapes; the range of its text.
        mutating func plainString() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                }
                guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            return nil
        }

        /// Digits with no leading zero (or `0` alone), at most 19 of them (so it fits a UInt64
        /// and reads back the same), not followed by a fraction or an exponent.
        mutating func wholeNumber() -> String? {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            let count = index - start
            guard count <= 19, count == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        mutating func word(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
