import LookupCore

/// The recording's compact line form of a metric event, about a fifth of its JSON line, which
/// `replay` and `report` read beside JSON Lines (a line starting with a digit is compact):
///
///     <timestamp ms>\t<colo>\t<latency µs>\t<flags>\t<errorType>\t<cpu µs>\t<service>\t<source>\n
///
/// - Flags are `h` (cache hit), `f` (customer found) and `s` (a stale copy), in that order, or `-`.
/// - An empty field is an absent value: no errorType, no CPU time, the usual service
///   (``MetricEvent/serviceName``), no source. Text fields are printable ASCII (``EventLimits``),
///   which has no tab.
/// - Durations are whole microseconds, the precision of the JSON form (`2.983` ms is `2983`), so
///   an event reads back the same from either form.
/// - Every line ends with a newline: a last line without one was torn by a crash, and readers
///   skip and count it.
public enum CompactEvents {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")

    /// Appends `event`'s line, newline included.
    public static func append(_ event: MetricEvent, to bytes: inout [UInt8]) {
        appendInteger(event.timestamp, to: &bytes)
        bytes.append(tab)
        bytes.append(contentsOf: event.colo.utf8)
        bytes.append(tab)
        appendInteger(micros(event.latencyMs), to: &bytes)
        bytes.append(tab)
        let start = bytes.count
        if event.cacheHit { bytes.append(UInt8(ascii: "h")) }
        if event.customerFound { bytes.append(UInt8(ascii: "f")) }
        if event.isStale { bytes.append(UInt8(ascii: "s")) }
        if bytes.count == start { bytes.append(UInt8(ascii: "-")) }
        bytes.append(tab)
        if let error = event.errorType { bytes.append(contentsOf: error.utf8) }
        bytes.append(tab)
        if let cpu = event.cpuMs { appendInteger(micros(cpu), to: &bytes) }
        bytes.append(tab)
        if event.service != MetricEvent.serviceName { bytes.append(contentsOf: event.service.utf8) }
        bytes.append(tab)
        if let source = event.source { bytes.append(contentsOf: source.utf8) }
        bytes.append(newline)
    }

    /// One line, without its newline; nil when it is not a compact event within ``EventLimits``.
    public static func decode(_ line: some Collection<UInt8>) -> MetricEvent? {
        Array(line).withUnsafeBytes { decode(raw: $0) }
    }

    /// The timestamp a compact line starts with, read without decoding the rest (to skip lines
    /// outside a time range cheaply); nil for any other line.
    public static func timestamp(of line: some Collection<UInt8>) -> Int64? {
        Array(line).withUnsafeBytes { timestamp(in: $0) }
    }

    /// ``decode(_:)`` over the line's bytes, without copying them: the readers' path.
    public static func decode(raw line: UnsafeRawBufferPointer) -> MetricEvent? {
        // The seven tabs' places, found once; no field is copied until it is known good.
        var tabs = (0, 0, 0, 0, 0, 0, 0)
        var found = 0
        withUnsafeMutableBytes(of: &tabs) { places in
            let slots = places.bindMemory(to: Int.self)
            for index in 0..<line.count where line[index] == tab {
                guard found < 7 else { found = 8; return }
                slots[found] = index
                found += 1
            }
        }
        guard found == 7 else { return nil }
        func end(_ index: Int) -> Int {
            switch index {
            case 0: tabs.0
            case 1: tabs.1
            case 2: tabs.2
            case 3: tabs.3
            case 4: tabs.4
            case 5: tabs.5
            case 6: tabs.6
            default: line.count
            }
        }
        func field(_ index: Int) -> UnsafeRawBufferPointer {
            let start = index == 0 ? 0 : end(index - 1) + 1
            return UnsafeRawBufferPointer(rebasing: line[start..<end(index)])
        }
        guard let timestamp = integer(field(0)), let latency = integer(field(2)) else { return nil }
        let flags = field(3)
        var hit = false, foundCustomer = false, stale = false
        if !(flags.count == 1 && flags[0] == UInt8(ascii: "-")) {
            guard !flags.isEmpty else { return nil }
            for flag in flags {
                switch flag {
                case UInt8(ascii: "h"): hit = true
                case UInt8(ascii: "f"): foundCustomer = true
                case UInt8(ascii: "s"): stale = true
                default: return nil
                }
            }
        }
        var cpu: Double?
        if !field(5).isEmpty {
            guard let micros = integer(field(5)) else { return nil }
            cpu = Double(micros) / 1000
        }
        func text(_ index: Int) -> String? {
            let bytes = field(index)
            return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
        }
        var event = MetricEvent(
            timestamp: timestamp, service: text(6) ?? MetricEvent.serviceName, colo: text(1) ?? "",
            latencyMs: Double(latency) / 1000, cacheHit: hit, customerFound: foundCustomer, errorType: text(4), cpuMs: cpu
        )
        if stale { event.stale = true }
        event.source = text(7)
        guard EventLimits.problem(with: event) == nil else { return nil }
        event.colo = ColoName.normalised(event.colo)
        return event
    }

    /// ``timestamp(of:)`` over the line's bytes.
    public static func timestamp(in line: UnsafeRawBufferPointer) -> Int64? {
        var end = 0
        while end < line.count, line[end] != tab { end += 1 }
        guard end < line.count else { return nil }
        return integer(UnsafeRawBufferPointer(rebasing: line[0..<end]))
    }

    /// Whole microseconds of a millisecond figure, as the JSON form rounds it.
    static func micros(_ milliseconds: Double) -> Int64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return Int64(min((milliseconds * 1000).rounded(), 1e15))
    }

    /// A non-negative decimal of at most 16 digits (no sign, no leading `+`).
    static func integer(_ digits: UnsafeRawBufferPointer) -> Int64? {
        guard let base = digits.baseAddress, !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: Int64 = 0
        for offset in 0..<digits.count {
            // Below 10^16: no overflow.
            let digit = base.load(fromByteOffset: offset, as: UInt8.self) &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
        }
        return value
    }

    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        guard value > 0 else { return bytes.append(UInt8(ascii: "0")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }
}
