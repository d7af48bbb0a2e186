import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import LookupCore

/// The body renderer both paths use, against the plain string building it replaced.
@Suite("Profile bodies (property tests)")
struct ProfileBodyProperties {
    /// The figure as it was written before ``MillisecondsText``: three decimals, trailing zeros cut.
    static func referenceMilliseconds(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        let micros = (value * 1000).rounded()
        let whole = Int(micros / 1000)
        let fraction = Int(micros) % 1000
        if fraction == 0 { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    static func referenceBody(
        _ profile: CustomerProfile, latency: Double, cacheHit: Bool, stale: Bool, errorType: String, error: String?
    ) -> String {
        var body = "{" + profile.renderedFields
        body += ",\"latencyMs\":" + referenceMilliseconds(latency)
        body += cacheHit ? ",\"cacheHit\":true" : ",\"cacheHit\":false"
        body += stale ? ",\"stale\":true" : ",\"stale\":false"
        body += ",\"errorType\":" + JSONText.quoted(errorType)
        if let error { body += ",\"error\":" + JSONText.quoted(error) }
        return body + "}"
    }

    /// Latencies a lookup reports: sub-microsecond to an hour, on and around the rounding edges.
    static let latencies = Gen.oneOf(
        Gen.double(in: 0...2), Gen.double(in: 0...3_600_000), Gen.double(in: 0...0.001),
        Gen.int(in: 0...100_000).map { Double($0) / 1000 }, Gen.int(in: 0...100_000).map { (Double($0) + 0.5) / 1000 },
        Gen.always(0.0), Gen.always(-1.0), Gen.always(Double.nan), Gen.always(Double.infinity), Gen.always(1e-9)
    )
    static let texts = Gen.element(of: ["", "crm_timeout", "No lookup key provided", "é \"quoted\" \\ back\nline", "\u{1}"]).map { $0! }

    @Test("Latency figures: the same text as before, from below a microsecond to an hour and for non-finite ones")
    func milliseconds() {
        forAll(Self.latencies, count: 20_000, seed: 0x3D1) { value in
            #expect(JSONText.milliseconds(value) == Self.referenceMilliseconds(value), "\(value)")
        }
    }

    @Test("Bodies: the same bytes as string building, byteCount exact, written at the start of the memory given")
    func bodies() {
        let profiles = Gen.element(of: [
            CustomerProfile.notFound(queues: TierQueueMap()),
            CustomerProfile(contactFound: true, customerId: "CUST-1", displayName: "Zoë \"Z\" O'Brien", tier: "Gold",
                            language: "fr-FR", assignedQueue: "q\\1"),
        ]).map { $0! }
        let cases = zip(profiles, Self.latencies, Gen.bool, Gen.bool, Self.texts, Self.texts.optional())
        forAll(cases, count: 3_000, seed: 0xB0D7) { profile, latency, cacheHit, stale, errorType, error in
            let body = ProfileBody(profile: profile, latency: latency, cacheHit: cacheHit, stale: stale, errorType: errorType, error: error)
            let expected = Self.referenceBody(profile, latency: latency, cacheHit: cacheHit, stale: stale, errorType: errorType, error: error)
            #expect(body.text == expected)
            #expect(body.byteCount == expected.utf8.count)
            var memory = [UInt8](repeating: 0xEE, count: body.byteCount + 8)
            let written = memory.withUnsafeMutableBytes { body.render(into: $0) }
            #expect(written == body.byteCount)
            #expect(Array(memory.prefix(written)) == Array(expected.utf8))
            #expect(memory.suffix(8).allSatisfy { $0 == 0xEE }, "nothing written past byteCount")
        }
    }
}
