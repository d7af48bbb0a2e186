import Foundation
import LookupCore
import TestSupport
import Testing

extension LiveHTTP {
    @Suite("HTTP contract: JSON everywhere, one event per lookup")
    struct HTTPContractTests {
        @Test("404, 405, 400 and 413 all answer JSON with an error message")
        func errors() async throws {
            try await LiveStack.with { stack in
                let missing = try await stack.request(.GET, "/no/such/route")
                #expect(missing.status == 404)
                #expect(missing.contentType == "application/json")
                #expect((missing.json["error"] as? String)?.contains("/no/such/route") == true)

                let wrongMethod = try await stack.request(.GET, "/lookup/customer")
                #expect(wrongMethod.status == 405)
                #expect(wrongMethod.contentType == "application/json")
                #expect(wrongMethod.headers["allow"] == "POST")
                #expect((wrongMethod.json["error"] as? String)?.contains("POST") == true)

                let postHealth = try await stack.request(.POST, "/health", body: "{}")
                #expect(postHealth.status == 405)
                #expect(postHealth.headers["allow"] == "GET")

                for bad in ["{\"ani\": ", "null", "[1]", "42"] {
                    let reply = try await stack.lookup(bad)
                    #expect(reply.status == 400, "\(bad)")
                    #expect(reply.contentType == "application/json")
                    #expect((reply.json["error"] as? String)?.isEmpty == false)
                }

                let big = "{\"ani\":\"" + String(repeating: "1", count: 70_000) + "\"}"
                let tooLarge = try await stack.lookup(big)
                #expect(tooLarge.status == 413)
                #expect(tooLarge.contentType == "application/json")
                #expect((tooLarge.json["error"] as? String)?.contains("64 KiB") == true)

                // The server keeps serving after all of that.
                let fine = try await stack.lookup(#"{"ani":"15550000001"}"#)
                #expect(fine.json["contactFound"] as? Bool == true)
            }
        }

        @Test("A numeric ANI is accepted (the original worker answers 500)")
        func numericANI() async throws {
            try await LiveStack.with { stack in
                let reply = try await stack.lookup(#"{"ani": 15550000042}"#)
                #expect(reply.status == 200)
                #expect(reply.json["customerId"] as? String == "CUST-000042")
            }
        }

        @Test("GET /health names the colo")
        func health() async throws {
            try await LiveStack.with { stack in
                let own = try await stack.request(.GET, "/health")
                #expect(own.status == 200)
                #expect(own.json["status"] as? String == "ok")
                #expect(own.json["region"] as? String == "LHR")
                let edge = try await stack.request(.GET, "/health", colo: "nrt")
                #expect(edge.json["region"] as? String == "NRT")
            }
        }

        @Test("Exactly one metric event per lookup request, with correct fields")
        func events() async throws {
            try await LiveStack.with { stack in
                _ = try await stack.lookup(#"{"ani":"+15550000011"}"#, colo: "SIN")
                _ = try await stack.lookup(#"{"ani":"+15550000011"}"#, colo: "SIN")
                _ = try await stack.lookup(#"{"ani":"+15550000011"}"#, colo: "FRA")
                _ = try await stack.lookup("not json")
                _ = try await stack.lookup(#"{"email":"nobody@example.com"}"#)
                _ = try await stack.request(.GET, "/health")
                try await stack.simulator!.setFaults(.init(error: .init(probability: 1, status: 503)))
                _ = try await stack.lookup(#"{"ani":"+15550000012"}"#)
                let wrongMethod = try await stack.request(.DELETE, "/lookup/customer", colo: "SYD")
                #expect(wrongMethod.status == 405)
                #expect(wrongMethod.headers["allow"] == "POST")
                let tooLarge = try await stack.lookup("{\"ani\":\"" + String(repeating: "1", count: 70_000) + "\"}", colo: "GRU")
                #expect(tooLarge.status == 413)

                let received = try await stack.nextEvents(8)
                #expect(stack.events.emitted == 8)
                #expect(stack.events.dropped == 0)
                #expect(received.map(\.colo) == ["SIN", "SIN", "FRA", "LHR", "LHR", "LHR", "SYD", "GRU"])
                #expect(received.map(\.cacheHit) == [false, true, false, false, false, false, false, false])
                #expect(received.map(\.customerFound) == [true, true, true, false, false, false, false, false])
                #expect(received.map(\.errorType) == [nil, nil, nil, "bad_request", nil, "crm_5xx", "bad_request", "bad_request"])
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for event in received {
                    #expect(event.service == "genesys-edge-middleware")
                    #expect(abs(event.timestamp - now) < 60_000)
                    #expect(event.latencyMs >= 0)
                    #expect((event.cpuMs ?? -1) >= 0)
                }
            }
        }

        @Test("The CRM gets the bearer key; a wrong key is crm_auth and is not cached")
        func crmKey() async throws {
            try await LiveStack.with { stack in
                let reply = try await stack.lookup(#"{"ani":"tel:+15550000042"}"#)
                #expect(reply.json["contactFound"] as? Bool == true)
                #expect(stack.simulator!.stats.found == 1)
            }
            try await LiveStack.with(.init(clientKey: "wrong-key")) { stack in
                for _ in 0..<2 {
                    let reply = try await stack.lookup(#"{"ani":"tel:+15550000042"}"#)
                    #expect(reply.json["errorType"] as? String == "crm_auth")
                }
                #expect(stack.crmRequests == 2)
            }
        }
    }
}
