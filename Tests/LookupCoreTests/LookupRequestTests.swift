import Foundation
import Testing
@testable import LookupCore

@Suite("Request bodies")
struct LookupRequestTests {
    func decode(_ text: String) throws(BadRequest) -> LookupRequest {
        try LookupRequest.decode(Data(text.utf8))
    }

    @Test("Strings, numbers, nulls and missing fields")
    func accepted() throws {
        #expect(try decode(#"{"ani":"+15550000042","email":""}"#) == LookupRequest(ani: "+15550000042", email: ""))
        #expect(try decode(#"{"ani":15550000042}"#) == LookupRequest(ani: "15550000042"))
        #expect(try decode(#"{"ani":null,"email":null}"#) == LookupRequest())
        #expect(try decode("{}") == LookupRequest())
        #expect(try decode(#"{"ani":"1","extra":[1,2,{"x":null}]}"#) == LookupRequest(ani: "1"))
    }

    @Test("Invalid JSON is a 400 that says so", arguments: ["{\"ani\": ", "not json", "{'ani': 1}", ""])
    func invalidJSON(text: String) {
        #expect {
            try decode(text)
        } throws: { error in
            guard let error = error as? BadRequest, case .invalidJSON = error else { return false }
            return error.status == 400 && error.message.hasPrefix("Invalid JSON")
        }
    }

    @Test("A body that is not an object is a 400", arguments: ["null", "[1,2]", "42", "\"text\"", "true"])
    func notAnObject(text: String) {
        #expect(throws: BadRequest.notAnObject) { try decode(text) }
    }

    @Test("Wrong field types are named")
    func wrongTypes() {
        #expect(throws: BadRequest.wrongType(field: "ani", expected: "a string or a whole number")) {
            try decode(#"{"ani": true}"#)
        }
        #expect(throws: BadRequest.wrongType(field: "ani", expected: "a string or a whole number")) {
            try decode(#"{"ani": 1.5}"#)
        }
        #expect(throws: BadRequest.wrongType(field: "email", expected: "a string")) {
            try decode(#"{"email": 7}"#)
        }
    }

    @Test("Bodies over 64 KiB are a 413")
    func tooLarge() {
        let body = Data(repeating: UInt8(ascii: " "), count: LookupRequest.maximumBodyBytes + 1)
        #expect(throws: BadRequest.tooLarge(limit: LookupRequest.maximumBodyBytes)) { try LookupRequest.decode(body) }
        #expect(BadRequest.tooLarge(limit: 65536).status == 413)
    }
}
