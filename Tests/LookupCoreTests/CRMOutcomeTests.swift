import Foundation
import TestSupport
import Testing
@testable import LookupCore

@Suite("CRM outcome classification")
struct CRMOutcomeTests {
    func classify(_ status: Int, _ body: String = "") -> CRMOutcome {
        CRMOutcome.classify(status: status, body: Data(body.utf8))
    }

    @Test("A result is found; empty results and 404 are not found")
    func answers() {
        let body = #"{"results":[{"id":"CUST-000000","firstName":"Alice","lastName":" Smith ","accountTier":"Enterprise","preferredLanguage":"fr-CA"}]}"#
        #expect(classify(200, body) == .found(alice))
        #expect(classify(200, #"{"results":[]}"#) == .notFound)
        #expect(classify(404) == .notFound)
        #expect(classify(404, "<html>gone</html>") == .notFound)
    }

    @Test("Failures map to their errorType", arguments: [
        (500, CRMFailure.serverError), (502, .serverError), (503, .serverError), (504, .serverError),
        (401, .auth), (403, .auth), (429, .rateLimited), (400, .badResponse), (302, .badResponse),
    ])
    func failures(status: Int, failure: CRMFailure) {
        #expect(classify(status, "{}") == .failed(failure))
    }

    @Test("An unparseable 200 is a bad response", arguments: [
        #"{"results":[{"id":"CUST-00"#, "<html></html>", "", #"{"results":"none"}"#, #"{"results":[{"name":"no id"}]}"#,
    ])
    func badBodies(body: String) {
        #expect(classify(200, body) == .failed(.badResponse))
    }

    @Test("errorType codes are the documented ones")
    func codes() {
        #expect(CRMFailure.allCases.map(\.rawValue) == [
            "crm_timeout", "crm_unreachable", "crm_5xx", "crm_auth", "crm_rate_limited", "crm_bad_response",
            "crm_circuit_open", "crm_overloaded",
        ])
        #expect(CRMFailure.allCases.filter { !$0.cameFromCRM } == [.circuitOpen, .overloaded])
    }
}
