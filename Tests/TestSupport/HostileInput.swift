import LookupCore

/// Seeded generators of hostile but plausible input: the bodies, fields and headers an attacker,
/// a broken worker or a misconfigured Data Action would send. The same seed gives the same input.
public struct HostileInput {
    public var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &rng)] }
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    /// Numbers as JSON text: ordinary, extreme, negative, exponents past every range.
    public mutating func number() -> String {
        pick(["0", "-0", "1", "-1", "42", "0.5", "1e13", "1e300", "-1e300", "1e999", "-1e999", "9223372036854775807",
              "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.7976931348623157e308", "4.9e-324",
              "123456789012345678901234567890", "3.14159", "2e-9", "\(int(-1_000_000...1_000_000))", "1E+2", "0.0000001"])
    }

    /// Strings as JSON text: empty, long, control characters, escapes, non-ASCII, lone surrogates.
    public mutating func string() -> String {
        pick(["\"\"", "\"LHR\"", "\"lhr\"", "\"+15550000001\"", "\"tel:+15550000042\"", "\"${input.ani}\"",
              "\"" + String(repeating: "9", count: int(0...3_000)) + "\"", "\"\\u0000\\u0001\"", "\"\\ud800\"",
              "\"日本語 ☎️\"", "\"a\\\"b\"", "\"\\n\\r\\t\"", "\"customer1@example.com\"", "\"@@@\"", "\"" + String(repeating: "é", count: int(0...500)) + "\""])
    }

    public mutating func value(depth: Int = 0) -> String {
        switch int(0...(depth > 3 ? 4 : 7)) {
        case 0, 1: return number()
        case 2, 3: return string()
        case 4: return pick(["true", "false", "null"])
        case 5: return "[" + (0..<int(0...4)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        case 6: return "{" + (0..<int(0...4)).map { _ in string() + ":" + value(depth: depth + 1) }.joined(separator: ",") + "}"
        default: return String(repeating: "[", count: int(1...5_000))
        }
    }

    /// A body for `/lookup/customer`.
    public mutating func lookupBody() -> String {
        switch int(0...9) {
        case 0: return String(decoding: (0..<int(0...300)).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
        case 1: return String(repeating: "[", count: int(1...100_000))
        case 2: return "{\"ani\":" + value() + "}"
        case 3: return "{\"email\":" + value() + ",\"ani\":" + value() + "}"
        case 4: return "{" + (0..<int(0...2_000)).map { "\"k\($0)\":1" }.joined(separator: ",") + "}"
        case 5: return String("{\"ani\":\"+15550000001\"}".prefix(int(0...20)))
        case 6: return value()
        case 7: return "{\"ani\":\"" + String(repeating: "1", count: int(60_000...70_000)) + "\"}"
        default: return "{\"ani\":" + pick(["\"+1555000\(int(0...9_999))\"", "\(int(0...99_999_999_999))", "null", "1.5", "-3"]) + "}"
        }
    }

    /// One metric event line for `/ingest`, usually with one field made hostile.
    public mutating func eventLine(nowMillis: Int64) -> String {
        var fields: [(String, String)] = [
            ("timestamp", "\(nowMillis)"), ("service", "\"genesys-edge-middleware\""), ("colo", "\"SIN\""),
            ("latencyMs", "12.5"), ("cacheHit", "true"), ("customerFound", "false"), ("errorType", "null"), ("cpuMs", "0.3"),
        ]
        for _ in 0..<int(0...2) {
            let index = int(0...(fields.count - 1))
            fields[index].1 = chance(0.5) ? number() : value()
        }
        if chance(0.1) { fields.remove(at: int(0...(fields.count - 1))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A body for `/ingest`: one event, an NDJSON batch, or garbage.
    public mutating func ingestBody(nowMillis: Int64) -> String {
        switch int(0...5) {
        case 0: return lookupBody()
        case 1, 2: return eventLine(nowMillis: nowMillis)
        default: return (0..<int(1...20)).map { _ in chance(0.8) ? eventLine(nowMillis: nowMillis) : value() }.joined(separator: "\n")
        }
    }

    /// A header value: empty, long, odd bytes, near-valid colos.
    public mutating func headerValue() -> String {
        pick(["", "LHR", "lhr", "L", "LHRX", "OTHER", "ALL", "123", "L H", String(repeating: "A", count: int(0...4_000)), "日本", "%00%01", "SIN,LHR", " LHR "])
    }
}
