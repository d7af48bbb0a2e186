import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import MetricsEngine

@Suite("Figures keep two significant digits")
struct FigureFormatTests {
    @Test("Examples: microseconds as µs, never 0.0; the units' usual digits above")
    func examples() {
        let ms: [(Double, String)] = [(0, "0"), (0.0004, "1µs"), (0.001, "1µs"), (0.042, "42µs"), (0.0995, "0.10"), (0.42, "0.42"),
                                      (4.2, "4.20"), (12.34, "12.3"), (191.5, "191.5"), (1234.4, "1234")]
        for (value, text) in ms { #expect(FigureFormat.milliseconds(value) == text, "\(value)") }
        let decimals: [(Double, String)] = [(0, "0.0"), (0.000042, "4.2e-5"), (0.0042, "0.0042"), (0.042, "0.042"), (0.0996, "0.10"),
                                            (0.42, "0.42"), (0.996, "1.0"), (4.2, "4.2"), (66.94, "66.9"), (100, "100.0")]
        for (value, text) in decimals { #expect(FigureFormat.decimal(value) == text, "\(value)") }
    }

    @Test("Property: any latency from 1 µs to an hour reads back within 5 %, and never as zero")
    func milliseconds() {
        forAll(Gen.double(in: -3...6.6), seed: 41) { exponent in
            let value = pow(10, exponent)
            let text = FigureFormat.milliseconds(value)
            let read = FigureFormat.parse(text)
            // Whole microseconds below 0.1 ms: within half a microsecond.
            let tolerance = max(value * 0.05, value < 0.1 ? 0.0005 : 0)
            #expect(read.map { abs($0 - value) <= tolerance } == true, "\(value) → \(text)")
            #expect(read != 0, "\(value) → \(text)")
        }
    }

    @Test("Property: any share or rate from 10⁻⁷ up reads back within 5 %, and never as zero")
    func decimals() {
        forAll(Gen.double(in: -7...6), seed: 42) { exponent in
            let value = pow(10, exponent)
            let text = FigureFormat.decimal(value)
            let read = Double(text)
            #expect(read.map { abs($0 - value) <= value * 0.05 } == true, "\(value) → \(text)")
            #expect(read != 0 && (value >= 1000 || text.count <= 7), "\(value) → \(text)")
        }
    }
}
