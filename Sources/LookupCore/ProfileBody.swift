/// The JSON body of every lookup answer that carries a profile (found, not found, stale, fail
/// open): the profile's pre-rendered fields, then `latencyMs`, `cacheHit`, `stale`, `errorType`
/// and, for a request with no key, `error`.
///
/// It knows its length before it is written, and writes its bytes into memory the caller gives
/// it: the fast path writes it straight into its output buffer, the routes make a `String` of the
/// same bytes (``text``). So both answers come from this one renderer.
public struct ProfileBody: Sendable, Equatable {
    let fields: String
    let latency: MillisecondsText
    let cacheHit: Bool
    let stale: Bool
    /// Quoted; nil for `""`, which every clean answer carries.
    let quotedErrorType: String?
    let quotedError: String?
    /// The body's length in bytes.
    public let byteCount: Int

    init(profile: CustomerProfile, latency: Double, cacheHit: Bool, stale: Bool, errorType: String, error: String?) {
        fields = profile.renderedFields
        self.latency = MillisecondsText(latency)
        self.cacheHit = cacheHit
        self.stale = stale
        quotedErrorType = errorType.isEmpty ? nil : JSONText.quoted(errorType)
        quotedError = error.map(JSONText.quoted)
        var count = Piece.open.count + fields.utf8.count + Piece.latency.count + self.latency.byteCount
        count += cacheHit ? Piece.hit.count : Piece.miss.count
        count += stale ? Piece.stale.count : Piece.fresh.count
        count += Piece.errorType.count + (quotedErrorType?.utf8.count ?? Piece.emptyString.count)
        if let quotedError { count += Piece.error.count + quotedError.utf8.count }
        byteCount = count + Piece.close.count
    }

    /// Writes the body at the start of `memory`, which holds at least ``byteCount`` bytes, and
    /// returns ``byteCount``.
    @discardableResult
    public func render(into memory: UnsafeMutableRawBufferPointer) -> Int {
        precondition(memory.count >= byteCount, "a profile body needs \(byteCount) bytes")
        var at = 0
        Piece.open.copy(into: memory, at: &at)
        Piece.copy(fields, into: memory, at: &at)
        Piece.latency.copy(into: memory, at: &at)
        latency.render(into: memory, at: &at)
        (cacheHit ? Piece.hit : Piece.miss).copy(into: memory, at: &at)
        (stale ? Piece.stale : Piece.fresh).copy(into: memory, at: &at)
        Piece.errorType.copy(into: memory, at: &at)
        if let quotedErrorType { Piece.copy(quotedErrorType, into: memory, at: &at) } else { Piece.emptyString.copy(into: memory, at: &at) }
        if let quotedError {
            Piece.error.copy(into: memory, at: &at)
            Piece.copy(quotedError, into: memory, at: &at)
        }
        Piece.close.copy(into: memory, at: &at)
        return at
    }

    /// The body as text: the same bytes as ``render(into:)``.
    public var text: String {
        String(unsafeUninitializedCapacity: byteCount) { render(into: UnsafeMutableRawBufferPointer($0)) }
    }

    /// The constant pieces between the fields.
    private enum Piece {
        static let open: StaticString = "{"
        static let latency: StaticString = ",\"latencyMs\":"
        static let hit: StaticString = ",\"cacheHit\":true"
        static let miss: StaticString = ",\"cacheHit\":false"
        static let stale: StaticString = ",\"stale\":true"
        static let fresh: StaticString = ",\"stale\":false"
        static let errorType: StaticString = ",\"errorType\":"
        static let emptyString: StaticString = "\"\""
        static let error: StaticString = ",\"error\":"
        static let close: StaticString = "}"

        static func copy(_ text: String, into memory: UnsafeMutableRawBufferPointer, at: inout Int) {
            var text = text
            text.withUTF8 { UnsafeMutableRawBufferPointer(rebasing: memory[at...]).copyMemory(from: UnsafeRawBufferPointer($0)) }
            at += text.utf8.count
        }
    }
}

extension StaticString {
    fileprivate var count: Int { utf8CodeUnitCount }

    fileprivate func copy(into memory: UnsafeMutableRawBufferPointer, at: inout Int) {
        UnsafeMutableRawBufferPointer(rebasing: memory[at...]).copyMemory(from: UnsafeRawBufferPointer(start: utf8Start, count: count))
        at += count
    }
}

/// A millisecond figure with three decimals (microsecond resolution) as JSON writes it: `0.042`,
/// `12.5`, `7`; `0` for anything not finite or not above zero, and at most 10¹² ms (31 years: no
/// clock or accepted event comes near it; the string building before trapped past about 10¹⁶).
struct MillisecondsText: Sendable, Equatable {
    let whole: Int
    /// The fraction's digits with trailing zeros dropped (`5` for .500), and how many there are.
    let fraction: Int
    let fractionDigits: Int

    /// Above this (about 31 years) the figure is clamped: no clock or event gets near it.
    static let largestMicros = 1e15

    init(_ value: Double) {
        guard value.isFinite, value > 0 else {
            (whole, fraction, fractionDigits) = (0, 0, 0)
            return
        }
        let micros = Int(min((value * 1000).rounded(), Self.largestMicros))
        whole = micros / 1000
        var fraction = micros % 1000
        var digits = fraction == 0 ? 0 : 3
        while digits > 0, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        self.fraction = fraction
        fractionDigits = digits
    }

    var byteCount: Int { Self.digitCount(whole) + (fractionDigits == 0 ? 0 : 1 + fractionDigits) }

    func render(into memory: UnsafeMutableRawBufferPointer, at: inout Int) {
        Self.write(whole, digits: Self.digitCount(whole), into: memory, at: &at)
        guard fractionDigits > 0 else { return }
        memory[at] = UInt8(ascii: ".")
        at += 1
        Self.write(fraction, digits: fractionDigits, into: memory, at: &at)
    }

    var text: String {
        String(unsafeUninitializedCapacity: byteCount) { buffer in
            var at = 0
            render(into: UnsafeMutableRawBufferPointer(buffer), at: &at)
            return at
        }
    }

    static func digitCount(_ value: Int) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }

    /// `value` in exactly `digits` decimal digits (leading zeros included).
    private static func write(_ value: Int, digits: Int, into memory: UnsafeMutableRawBufferPointer, at: inout Int) {
        var rest = value
        for offset in stride(from: digits - 1, through: 0, by: -1) {
            memory[at + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        at += digits
    }
}
