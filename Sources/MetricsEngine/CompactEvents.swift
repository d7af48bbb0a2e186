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
        let bytes = Array(line)
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(8)
        var start = 0
        for index in bytes.indices where bytes[index] == tab {
            fields.append(bytes[start..<index])
            guard fields.count < 8 else { return nil }
            start = index + 1
        }
        fields.append(bytes[start...])
        guard fields.count == 8, let timestamp = integer(fields[0]), let latency = integer(fields[2]) else { return nil }
        let flags = fields[3]
        let letters: Set<UInt8> = [UInt8(ascii: "h"), UInt8(ascii: "f"), UInt8(ascii: "s")]
        guard flags.elementsEqual("-".utf8) || (!flags.isEmpty && flags.allSatisfy(letters.contains)) else { return nil }
        var cpu: Double?
        if !fields[5].isEmpty {
            guard let micros = integer(fields[5]) else { return nil }
            cpu = Double(micros) / 1000
        }
        func text(_ field: ArraySlice<UInt8>) -> String? { field.isEmpty ? nil : String(decoding: field, as: UTF8.self) }
        var event = MetricEvent(
            timestamp: timestamp, service: text(fields[6]) ?? MetricEvent.serviceName, colo: text(fields[1]) ?? "",
            latencyMs: Double(latency) / 1000, cacheHit: flags.contains(UInt8(ascii: "h")), customerFound: flags.contains(UInt8(ascii: "f")),
            errorType: text(fields[4]), cpuMs: cpu
        )
        if flags.contains(UInt8(ascii: "s")) { event.stale = true }
        event.source = text(fields[7])
        guard EventLimits.problem(with: event) == nil else { return nil }
        event.colo = ColoName.normalised(event.colo)
        return event
    }

    /// The timestamp a compact line starts with, read without decoding the rest (to skip lines
    /// outside a time range cheaply); nil for any other line.
    public static func timestamp(of line: some Collection<UInt8>) -> Int64? {
        guard let end = line.firstIndex(of: tab) else { return nil }
        return integer(line[line.startIndex..<end])
    }

    /// Whole microseconds of a millisecond figure, as the JSON form rounds it.
    static func micros(_ milliseconds: Double) -> Int64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return Int64(min((milliseconds * 1000).rounded(), 1e15))
    }

    /// A non-negative decimal of at most 16 digits (no sign, no leading `+`).
    static func integer(_ digits: some Collection<UInt8>) -> Int64? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
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
