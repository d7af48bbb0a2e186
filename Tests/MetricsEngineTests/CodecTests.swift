import Foundation
import LookupCore
import Testing
@testable import MetricsEngine

@Suite("Event codec")
struct CodecTests {
    let codec = EventCodec()

    @Test("Round trip, unknown fields ignored, cpuMs optional")
    func roundTrip() {
        let original = event(at: t0, colo: "SIN", latency: 12.345, hit: true, found: true, error: nil, cpu: 0.25)
        let line = EventCodec.encode(original)
        #expect(line == #"{"timestamp":1794000000000,"service":"genesys-edge-middleware","colo":"SIN","latencyMs":12.345,"cacheHit":true,"customerFound":true,"errorType":null,"cpuMs":0.25}"#)
        let text = line + "\n" + #"{"timestamp":1000,"service":"x","colo":"LHR","latencyMs":1,"cacheHit":false,"customerFound":false,"errorType":"crm_5xx","extra":{"a":[1]}}"#
        let decoded = codec.decode(lines: Data(text.utf8))
        let events = decoded.events
        #expect(decoded.errors.isEmpty)
        #expect(events.first == original)
        #expect(events.last?.cpuMs == nil)
        #expect(events.last?.errorType == "crm_5xx")
    }

    @Test("A malformed line is counted, reported with its line number, and skipped")
    func malformed() {
        let good = EventCodec.encode(event(at: t0))
        let text = [good, "not json", "", #"{"timestamp":"soon"}"#, #"{"colo":"LHR"}"#, "[1,2]", good].joined(separator: "\n")
        let decoded = codec.decode(lines: Data(text.utf8))
        let (events, errors) = (decoded.events, decoded.errors)
        #expect(decoded.errorCount == 4)
        #expect(events.count == 2)
        #expect(errors.map(\.line) == [2, 4, 5, 6])
        #expect(errors[0].message == "not valid JSON")
        #expect(errors[1].description.hasPrefix("line 4:"))
        #expect(errors[2].message.contains("missing field"))
        #expect(errors[3].message == "not a JSON object")
    }

    @Test("stale is an optional extension: the seed's events parse without it, and it round-trips when true")
    func staleField() throws {
        let codec = EventCodec()
        let seed = #"{"timestamp":1794000000000,"service":"genesys-edge-middleware","colo":"LHR","latencyMs":2,"cacheHit":true,"customerFound":true,"errorType":null}"#
        let plain = try codec.decode(line: Data(seed.utf8), number: 1).get()
        #expect(plain.stale == nil && !plain.isStale)
        #expect(!EventCodec.encode(plain).contains("stale"))
        let stale = MetricEvent(timestamp: 1_794_000_000_000, colo: "LHR", latencyMs: 500.2, cacheHit: true, customerFound: true,
                                errorType: "crm_timeout", cpuMs: 0.1, stale: true)
        let line = EventCodec.encode(stale)
        #expect(line.hasSuffix(#","stale":true}"#))
        #expect(try codec.decode(line: Data(line.utf8), number: 1).get() == stale)
        #expect(throws: (any Error).self) {
            try codec.decode(line: Data(seed.replacingOccurrences(of: "}", with: #","stale":"yes"}"#).utf8), number: 1).get()
        }
    }
}
