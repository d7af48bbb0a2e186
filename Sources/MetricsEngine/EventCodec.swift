#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LookupCore

/// Reads and writes metric events as JSON Lines, one event per line.
///
/// Unknown fields are ignored and a missing `cpuMs` is allowed. A line that is not an event, or
/// whose numbers or strings are outside ``EventLimits``, is reported with its line number and the
/// field, and skipped; it is never fatal. `/ingest`, recordings and replays all decode here.
public struct EventCodec: Sendable {
    public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    private let decoder = JSONDecoder()
    /// The message for a line that is not JSON at all.
    public static let notJSON = "not valid JSON"

    public init() {}

    /// Decodes one line (without its newline).
    public func decode(line text: some Collection<UInt8>, number: Int) -> Result<MetricEvent, LineError> {
        do {
            var event = try decoder.decode(MetricEvent.self, from: Data(text))
            if let problem = EventLimits.problem(with: event) { return .failure(LineError(line: number, message: problem)) }
            // Where events enter, the one colo rule: every keeper after this sees the same name.
            event.colo = ColoName.normalised(event.colo)
            return .success(event)
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(LineError(line: number, message: "field \"\(field)\" is not a number in range"))
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(LineError(line: number, message: "missing field \"\(key.stringValue)\""))
        } catch DecodingError.typeMismatch(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(LineError(line: number, message: field.isEmpty ? "not a JSON object" : "field \"\(field)\" has the wrong type"))
        } catch DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(LineError(line: number, message: "field \"\(field)\" is null"))
        } catch {
            return .failure(LineError(line: number, message: Self.notJSON))
        }
    }

    /// What a document decoded to. Only the first ``maximumErrorsKept`` errors are kept (a
    /// document of bad lines must not cost more memory than the document); all are counted.
    public struct Decoded: Sendable {
        public var events: [MetricEvent] = []
        public var errors: [LineError] = []
        public var errorCount = 0

        public init(events: [MetricEvent] = [], errors: [LineError] = [], errorCount: Int = 0) {
            self.events = events
            self.errors = errors
            self.errorCount = errorCount
        }
    }

    public static let maximumErrorsKept = 5

    /// Decodes a whole document: every non-blank line is one event. Lines are read in place,
    /// one at a time.
    ///
    /// With `compact`, a line starting with a digit is a recording's compact line
    /// (``CompactEvents``), which must end with a newline: one that does not was torn by a crash,
    /// and is skipped and counted. With `within`, events outside the range are left out (compact
    /// lines without being decoded) and not counted as errors.
    public func decode(lines data: some Collection<UInt8>, firstLine: Int = 1, compact: Bool = false, within range: ClosedRange<Int64>? = nil) -> Decoded {
        // One pass over contiguous bytes (Data and arrays are), in concrete code: a generic
        // collection's element access costs more than the decoding itself.
        if let decoded = data.withContiguousStorageIfAvailable({ decode(buffer: UnsafeRawBufferPointer($0), firstLine: firstLine, compact: compact, within: range) }) {
            return decoded
        }
        return Array(data).withUnsafeBytes { decode(buffer: $0, firstLine: firstLine, compact: compact, within: range) }
    }

    private func decode(buffer: UnsafeRawBufferPointer, firstLine: Int, compact: Bool, within range: ClosedRange<Int64>?) -> Decoded {
        var decoded = Decoded()
        var number = firstLine - 1
        func fail(_ error: LineError) {
            decoded.errorCount += 1
            if decoded.errors.count < Self.maximumErrorsKept { decoded.errors.append(error) }
        }
        var start = 0
        while start < buffer.count {
            let end = Self.newline(in: buffer, from: start) ?? buffer.count
            let line = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            let ended = end < buffer.count
            start = end + 1
            number += 1
            if compact, let first = line.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") {
                guard ended else {
                    fail(LineError(line: number, message: Self.torn))
                    continue
                }
                if let range, let time = CompactEvents.timestamp(in: line), !range.contains(time) { continue }
                if let event = CompactEvents.decode(raw: line) {
                    decoded.events.append(event)
                } else {
                    fail(LineError(line: number, message: "not an event (compact form)"))
                }
                continue
            }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            switch decode(line: Data(line), number: number) {
            case .success(let event):
                if let range, !range.contains(event.timestamp) { continue }
                decoded.events.append(event)
            case .failure(let error): fail(error)
            }
        }
        return decoded
    }

    /// Where the next newline is, from `start` (memchr: lines are found at memory speed).
    public static func newline(in buffer: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < buffer.count, let base = buffer.baseAddress else { return nil }
        guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The message for a recording's last line cut short (no newline).
    public static let torn = "a torn line (no newline: cut short by a crash)"

    /// One event as a JSON line (no newline), fields in a fixed order so files are reproducible.
    public static func encode(_ event: MetricEvent) -> String {
        var line = "{\"timestamp\":\(event.timestamp),\"service\":\(JSONText.quoted(event.service))"
        line += ",\"colo\":\(JSONText.quoted(event.colo)),\"latencyMs\":\(JSONText.milliseconds(event.latencyMs))"
        line += ",\"cacheHit\":\(event.cacheHit),\"customerFound\":\(event.customerFound)"
        line += ",\"errorType\":" + (event.errorType.map(JSONText.quoted) ?? "null")
        if let cpu = event.cpuMs { line += ",\"cpuMs\":\(JSONText.milliseconds(cpu))" }
        if event.stale == true { line += ",\"stale\":true" }
        if let source = event.source { line += ",\"source\":" + JSONText.quoted(source) }
        return line + "}"
    }
}

/// What an event's fields may hold. Anything outside is refused at the boundary, naming the field,
/// so no later arithmetic or conversion ever sees it.
public enum EventLimits {
    /// 1970 to 2100, in epoch milliseconds.
    public static let timestamps: ClosedRange<Int64> = 0...4_102_444_800_000
    /// Latency and CPU time: zero to one hour, in milliseconds.
    public static let durationMillis: ClosedRange<Double> = 0...3_600_000
    /// `colo`, `service`, `errorType` and `source`: 1 to 64 printable ASCII characters.
    public static let maximumTextLength = 64

    /// Nil for a valid event, else what is wrong with it.
    public static func problem(with event: MetricEvent) -> String? {
        guard timestamps.contains(event.timestamp) else {
            return "field \"timestamp\" must be epoch milliseconds between 1970 and 2100"
        }
        guard event.latencyMs.isFinite, durationMillis.contains(event.latencyMs) else {
            return "field \"latencyMs\" must be a number from 0 to 3600000"
        }
        if let cpu = event.cpuMs, !(cpu.isFinite && durationMillis.contains(cpu)) {
            return "field \"cpuMs\" must be a number from 0 to 3600000"
        }
        for (name, value) in [("colo", event.colo), ("service", event.service), ("errorType", event.errorType ?? "x"), ("source", event.source ?? "x")]
        where !isPlainText(value) {
            return "field \"\(name)\" must be 1 to \(maximumTextLength) printable ASCII characters"
        }
        return nil
    }

    /// 1 to ``maximumTextLength`` printable ASCII characters.
    public static func isPlainText(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= maximumTextLength && bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
