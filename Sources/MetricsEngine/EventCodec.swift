import Foundation
import LookupCore

/// Reads and writes metric events as JSON Lines, one event per line.
///
/// Unknown fields are ignored and a missing `cpuMs` is allowed. A line that is not an event is
/// reported with its line number and skipped; it is never fatal.
public struct EventCodec: Sendable {
    public struct LineError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private let decoder = JSONDecoder()

    public init() {}

    /// Decodes one line (without its newline).
    public func decode(line text: some Collection<UInt8>, number: Int) -> Result<MetricEvent, LineError> {
        do {
            return .success(try decoder.decode(MetricEvent.self, from: Data(text)))
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(LineError(line: number, message: "missing field \"\(key.stringValue)\""))
        } catch DecodingError.typeMismatch(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(LineError(line: number, message: field.isEmpty ? "not a JSON object" : "field \"\(field)\" has the wrong type"))
        } catch DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(LineError(line: number, message: "field \"\(field)\" is null"))
        } catch {
            return .failure(LineError(line: number, message: "not valid JSON"))
        }
    }

    /// Decodes a whole document: every non-blank line is one event.
    public func decode(lines data: some Collection<UInt8>, firstLine: Int = 1) -> (events: [MetricEvent], errors: [LineError]) {
        var events: [MetricEvent] = []
        var errors: [LineError] = []
        var number = firstLine - 1
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            switch decode(line: line, number: number) {
            case .success(let event): events.append(event)
            case .failure(let error): errors.append(error)
            }
        }
        return (events, errors)
    }

    /// One event as a JSON line (no newline), fields in a fixed order so files are reproducible.
    public static func encode(_ event: MetricEvent) -> String {
        var line = "{\"timestamp\":\(event.timestamp),\"service\":\(JSONText.quoted(event.service))"
        line += ",\"colo\":\(JSONText.quoted(event.colo)),\"latencyMs\":\(JSONText.milliseconds(event.latencyMs))"
        line += ",\"cacheHit\":\(event.cacheHit),\"customerFound\":\(event.customerFound)"
        line += ",\"errorType\":" + (event.errorType.map(JSONText.quoted) ?? "null")
        if let cpu = event.cpuMs { line += ",\"cpuMs\":\(JSONText.milliseconds(cpu))" }
        return line + "}"
    }
}
