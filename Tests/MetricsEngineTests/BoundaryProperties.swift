import Foundation
import LookupCore
import PropertyBased
import TestSupport
import Testing
@testable import MetricsEngine

/// Properties of the numeric boundaries: whatever numbers arrive, decoding either refuses them
/// naming the field or yields values inside the limits, and recording never traps.
@Suite("Numeric boundaries (property tests)")
struct BoundaryProperties {
    static let numberTexts = Gen.oneOf(
        hostileDoubles.map { $0.isFinite ? "\($0)" : "1e999" },
        Gen.int64(in: .min ... .max).map { "\($0)" },
        Gen.element(of: ["0", "-1", "1e13", "9223372036854775808", "4102444800001", "3600000.0001", "1e400", "-0", "\"12\"", "null", "true"]).map { $0! }
    )

    @Test("Any number in any event field: refused naming the field, or decoded within the limits")
    func eventDecoding() {
        let codec = EventCodec()
        let fields = ["timestamp", "latencyMs", "cpuMs"]
        forAll(zip(Gen.int(in: 0...2), Self.numberTexts), seed: 0xE7E7) { which, number in
            var values = ["timestamp": "1794000000000", "latencyMs": "12", "cpuMs": "0.5"]
            values[fields[which]] = number
            let line = #"{"timestamp":\#(values["timestamp"]!),"service":"s","colo":"LHR","latencyMs":\#(values["latencyMs"]!),"cacheHit":true,"customerFound":false,"errorType":null,"cpuMs":\#(values["cpuMs"]!)}"#
            switch codec.decode(line: Array(line.utf8), number: 1) {
            case .success(let event):
                #expect(EventLimits.timestamps.contains(event.timestamp), "\(line)")
                #expect(event.latencyMs.isFinite && EventLimits.durationMillis.contains(event.latencyMs), "\(line)")
                #expect(event.cpuMs.map { $0.isFinite && EventLimits.durationMillis.contains($0) } ?? true, "\(line)")
            case .failure(let error):
                #expect(error.message.contains(fields[which]) || error.message == EventCodec.notJSON, "\(line): \(error.message)")
            }
        }
    }

    @Test("The histogram recorder takes any double and stores whole microseconds in its range")
    func recorder() {
        forAll(hostileDoubles, count: 5_000, seed: 0x415) { milliseconds in
            let micros = Slot.micros(milliseconds)
            #expect((1...60_000_000).contains(micros), "\(milliseconds) ms → \(micros) µs")
        }
    }

    @Test("Recording events of any valid shape keeps counts exact and percentiles inside what was recorded")
    func recording() {
        let latencies = Gen.double(in: EventLimits.durationMillis)
        let offsets = Gen.int64(in: -1_000_000...100_000)
        forAll(zip(latencies.array(of: 1...50), offsets.array(of: 50)), count: 300, seed: 0x5EC) { latencyList, offsetList in
            var window = MetricsWindow(windowSeconds: 60, minimumSamples: 1)
            let now: Int64 = 1_794_000_000_000
            for (latency, offset) in zip(latencyList, offsetList) {
                window.record(MetricEvent(timestamp: now + offset, colo: "LHR", latencyMs: latency, cacheHit: false, customerFound: true), nowMillis: now)
            }
            let counted = window.recorded + window.droppedTooOld
            #expect(counted == latencyList.count)
            let all = window.figures(nowMillis: now).all
            #expect(all.tally.requests == window.recorded)
            if let p95 = all.p95LatencyMs.value {
                // Within the histogram's range and 1 % precision of the values it was given.
                let top = min(latencyList.max()!, 60_000) * 1.01 + 0.001
                #expect(p95.isFinite && p95 >= 0 && p95 <= top)
            }
        }
    }
}

/// A batch recorded at once against the same events recorded one by one.
@Suite("Batched recording (property tests)")
struct BatchRecordingProperties {
    @Test("Any batch (colos, seconds, stale and future events, past the colo cap) gives the same window as its events one by one")
    func batchEqualsSingles() {
        let now: Int64 = 1_794_000_000_000
        let events = zip(
            Gen.element(of: ["LHR", "SIN", "lhr", "", "IAD", "FRA", "OTHER"]).map { $0! },
            Gen.oneOf(Gen.int64(in: -3_000...3_000), Gen.int64(in: -2_000_000...5_000), Gen.always(Int64(0))),
            Gen.double(in: 0...500), Gen.bool, Gen.element(of: [nil, "crm_timeout", MetricEvent.unauthorized]).map { $0! }
        ).map { colo, offset, latency, hit, error in
            MetricEvent(timestamp: now + offset, colo: colo, latencyMs: latency, cacheHit: hit, customerFound: hit, errorType: error, cpuMs: latency / 10)
        }
        // Runs of one colo and second, as a server's batches are, as well as mixed ones.
        let batches = Gen.oneOf(events.array(of: 0...60), zip(events, Gen.int(in: 1...40)).map { Array(repeating: $0, count: $1) })
            .array(of: 1...4).map { $0.flatMap { $0 } }
        forAll(zip(batches, Gen.int(in: 2...8), Gen.element(of: [60, 300]).map { $0! }), count: 400, seed: 0xBA7C) { batch, colos, seconds in
            var singles = MetricsWindow(windowSeconds: seconds, minimumSamples: 1, maximumColos: colos)
            var together = singles
            for event in batch { singles.record(event, nowMillis: now) }
            together.record(contentsOf: batch, nowMillis: now)
            #expect(together.recorded == singles.recorded && together.droppedTooOld == singles.droppedTooOld
                && together.clampedFromFuture == singles.clampedFromFuture)
            #expect(together.coloNames == singles.coloNames)
            let (a, b) = (together.figures(nowMillis: now), singles.figures(nowMillis: now))
            #expect(a.all == b.all && a.colos == b.colos)
        }
    }
}
