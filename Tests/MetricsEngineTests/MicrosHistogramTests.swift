import Histogram
import LookupCore
import PropertyBased
import TestSupport
import Testing
@testable import MetricsEngine

/// The engine's own histogram against hdrhistogram-swift with the same layout, value for value.
@Suite("MicrosHistogram is HdrHistogram's arithmetic")
struct MicrosHistogramTests {
    static func reference() -> Histogram<UInt32> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: MicrosHistogram.highestTrackableValue, numberOfSignificantValueDigits: .two)
    }

    /// Values as the engine records them: 1 µs to 60 s, bunched where latencies are, and the edges.
    static let values = Gen.oneOf(
        Gen.int(in: 1...300), Gen.int(in: 1...20_000), Gen.int(in: 1...60_000_000),
        Gen.element(of: [0, 1, 2, 127, 128, 255, 256, 257, 511, 512, 1_023, 1_024, 59_999_999, 60_000_000]).map { $0! }
    ).map { UInt64($0) }
    static let percentiles = [0, 0.001, 1, 25, 50, 90, 95, 99, 99.9, 99.999, 100, -5, 150, .nan, .infinity, -.infinity]

    @Test("Percentiles, totals and recorded ranges equal hdrhistogram-swift's for seeded random values, merged or not")
    func equalsReference() {
        forAll(zip(Self.values.array(of: 0...400), Self.values.array(of: 0...50)), count: 600, seed: 0x4D1C) { first, second in
            var ours = MicrosHistogram(), theirs = Self.reference()
            var oursB = MicrosHistogram(), theirsB = Self.reference()
            for value in first { #expect(ours.record(value) == theirs.record(value)) }
            for value in second { #expect(oursB.record(value) == theirsB.record(value)) }
            ours.add(oursB)
            theirs.add(theirsB)
            #expect(ours.totalCount == theirs.totalCount)
            let walked = ours.values(atPercentiles: Self.percentiles)
            for (index, p) in Self.percentiles.enumerated() {
                #expect(ours.valueAtPercentile(p) == theirs.valueAtPercentile(p), "p\(p) of \(first.count)+\(second.count)")
                #expect(walked[index] == theirs.valueAtPercentile(p), "p\(p), one walk")
            }
            let recorded = theirs.recordedValues().map { ($0.value, UInt64($0.count)) }
            #expect(ours.recordedValues.map(\.value) == recorded.map(\.0))
            #expect(ours.recordedValues.map(\.count) == recorded.map(\.1))
            for value in first.prefix(20) {
                #expect(MicrosHistogram.medianEquivalent(value) == theirs.medianEquivalentForValue(value))
            }
            // HdrHistogram's own estimate counts its array's capacity, a few counts more.
            #expect(abs(ours.estimatedFootprintInBytes - theirs.estimatedFootprintInBytes) <= 64)
        }
    }

    @Test("Past 60 s nothing is counted, as in the reference; an empty histogram's percentiles are 0")
    func edges() {
        var ours = MicrosHistogram(), theirs = Self.reference()
        for value: UInt64 in [60_000_000 * 2, .max / 2] { #expect(ours.record(value) == theirs.record(value)) }
        #expect(ours.totalCount == theirs.totalCount)
        #expect(ours.values(atPercentiles: [0, 50, 100]) == [0, 50, 100].map { theirs.valueAtPercentile($0) })
    }
}
