import LookupCore
import PropertyBased
import TestSupport
import Testing

@Suite("Duration text (property tests)")
struct DurationTextProperties {
    @Test("Any text: nil, or a finite duration from zero to ten years")
    func anyText() {
        let pieces = Gen.element(of: ["1", "0", "9", ".", "e", "300", "1e300", "inf", "nan", "-", "s", "m", "h", "ms", " ", "x", "99999999999999999999"]).map { $0! }
        forAll(pieces.array(of: 0...8).map { $0.joined() }, count: 5_000, seed: 0xD7) { text in
            if let millis = DurationText.milliseconds(text) {
                #expect(millis.isFinite && millis >= 0 && millis <= DurationText.maximumMillis, "\"\(text)\" → \(millis)")
                _ = Int64(millis)  // the conversion every caller makes must not trap
            }
        }
    }

    @Test("Well-formed durations add up their parts")
    func composed() {
        forAll(zip(Gen.int(in: 0...48), Gen.int(in: 0...59), Gen.int(in: 0...59), Gen.int(in: 0...999)), seed: 0xC0) { h, m, s, ms in
            let text = "\(h)h\(m)m\(s)s\(ms)ms"
            #expect(DurationText.milliseconds(text) == Double(((h * 60 + m) * 60 + s) * 1000 + ms), "\(text)")
        }
    }
}
