import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import LookupCore

/// The plain body reader against JSONDecoder: whatever it reads, JSONDecoder reads the same way.
@Suite("Plain lookup bodies (property tests)")
struct PlainBodyProperties {
    static let values = [
        #""+15550000042""#, #""tel:+1 (555) 000-0042""#, #""a@example.com""#, #""""#, #"" spaced ""#, "null", "true", "false",
        "0", "7", "15550000042", "012", "-1", "1.5", "1e3", "18446744073709551615", "9999999999999999999", "99999999999999999999",
        #""\u0041""#, #""caf\u00e9""#, "\"café\"", "[]", "{}", #""tab\there""#, "\"", "nul",
    ]
    static let keys = [#""ani""#, #""email""#, #""other""#, #""ANI""#, #""""#, #""an\u0069""#]
    static let spaces = ["", " ", "\n", "\t", "\r\n "]

    /// Objects made of the pieces above: mostly well-formed, so both readers have work to agree on.
    static let objects = zip(
        zip(Gen.element(of: keys).map { $0! }, Gen.element(of: values).map { $0! }, Gen.element(of: spaces).map { $0! })
            .array(of: 0...4),
        Gen.element(of: spaces).map { $0! }
    ).map { fields, space in
        space + "{" + fields.map { key, value, pad in pad + key + pad + ":" + pad + value + pad }.joined(separator: ",") + "}" + space
    }

    /// Anything made of JSON's pieces, mostly not a valid body.
    static let scraps = Gen.element(of: ["{", "}", ":", ",", " ", "\"", "ani", "email"] + keys + values).map { $0! }
        .array(of: 0...10).map { $0.joined() }

    static func check(_ text: String) {
        let bytes = Data(text.utf8)
        let plain = bytes.withUnsafeBytes(PlainLookupBody.read)
        let decoded = Result { () throws(BadRequest) in try LookupRequest.decodeWithFoundation(bytes) }
        if let plain {
            #expect((try? decoded.get()) == plain, "\(text): plain \(plain), JSONDecoder \(decoded)")
        }
        // And the public decoder (plain first) always answers as JSONDecoder does.
        #expect(Result { () throws(BadRequest) in try LookupRequest.decode(bytes) } == decoded, "\(text)")
    }

    @Test("Objects: what the plain reader reads, JSONDecoder reads the same")
    func objectsAgree() {
        forAll(Self.objects, count: 4_000, seed: 0xB0D1) { Self.check($0) }
    }

    @Test("Scraps: never a different reading, never a trap")
    func scrapsAgree() {
        forAll(Self.scraps, count: 4_000, seed: 0x5C7A) { Self.check($0) }
    }

    @Test("The shapes Genesys sends are read plain")
    func common() {
        let shapes: [(String, LookupRequest)] = [
            (#"{"ani":"+15550000042"}"#, LookupRequest(ani: "+15550000042")),
            (#"{"ani": "tel:+15550000042", "email": ""}"#, LookupRequest(ani: "tel:+15550000042", email: "")),
            (#"{"ani":15550000042,"email":null}"#, LookupRequest(ani: "15550000042")),
            ("{ }", LookupRequest()),
        ]
        for (text, request) in shapes {
            #expect(Data(text.utf8).withUnsafeBytes(PlainLookupBody.read) == request, "\(text)")
        }
        for text in [#"{"ani":"caf\u00e9"}"#, #"{"ani":1.5}"#, #"{"ani":"1","ani":"2"}"#, #"{"email":5}"#, "null", ""] {
            #expect(Data(text.utf8).withUnsafeBytes(PlainLookupBody.read) == nil, "\(text)")
        }
    }
}
