import Foundation
import LookupCore
import TestSupport
import Testing
@testable import LookupServer

/// `POST /api/flush`'s body: one colo, or all.
@Suite("The flush route's body")
struct FlushRouteTests {
    static func colo(_ text: String) -> Result<Colo?, FlushRoute.Problem> {
        FlushRoute.colo(in: Data(text.utf8))
    }

    @Test("A colo by the one colo rule, or all; anything else is a clear refusal")
    func names() throws {
        #expect(try Self.colo(#"{"colo":"lhr"}"#).get() == Colo("LHR"))
        #expect(try Self.colo(#"{"colo":"OTHER"}"#).get() == .other)
        for all in ["", " \n", "{}", #"{"colo":null}"#] { #expect(try Self.colo(all).get() == nil, "\(all)") }
        for bad in [#"{"colo":"ALL"}"#, #"{"colo":"LONDON"}"#, #"{"colo":3}"#, "[]", "null", "{", "LHR"] {
            guard case .failure(let problem) = Self.colo(bad) else { Issue.record("\(bad) was taken"); continue }
            #expect(problem.message.contains("colo") || problem.message.contains("JSON object"), "\(bad): \(problem.message)")
        }
    }

    @Test("Seeded hostile bodies never trap: each is a colo, all, or a refusal that says what to send")
    func hostile() {
        var input = HostileInput(seed: 0xF1A5)
        for _ in 0..<3_000 {
            let body = input.chance(0.5) ? "{\"colo\":\(input.value())}" : input.value()
            switch Self.colo(body) {
            case .success(let colo?): #expect(colo.code.count == 3 || colo == .other)
            case .success(nil): #expect(body.contains("null") || body.contains("{}") || !body.contains("colo"))
            case .failure(let problem): #expect(!problem.message.isEmpty)
            }
        }
    }
}
