import CRMSimulator
import FaultCatalog
import Foundation
import LookupCore
import TestSupport
import Testing

extension LiveHTTP {
    @Suite("Lookup over real HTTP")
    struct LookupLiveTests {
        @Test("Found by phone (any Genesys form) and by email, then served from cache")
        func found() async throws {
            try await LiveStack.with { stack in
                let byPhone = try await stack.lookup(#"{"ani":"sip:+15550000042@10.1.2.3:5060;user=phone","email":""}"#)
                #expect(byPhone.status == 200)
                #expect(byPhone.contentType == "application/json")
                #expect(byPhone.json["contactFound"] as? Bool == true)
                #expect(byPhone.json["customerId"] as? String == "CUST-000042")
                #expect(byPhone.json["cacheHit"] as? Bool == false)
                #expect(byPhone.json["assignedQueue"] as? String == "standard-queue-id")

                let again = try await stack.lookup(#"{"ani":"tel: +15550000042"}"#)
                #expect(again.json["cacheHit"] as? Bool == true)
                #expect(again.json["customerId"] as? String == "CUST-000042")
                #expect(stack.crmRequests == 1)

                let byEmail = try await stack.lookup(#"{"ani":"${input.ani}","email":"  Customer8@Example.com "}"#)
                #expect(byEmail.json["customerId"] as? String == "CUST-000008")
                #expect(byEmail.json["tier"] as? String == "Enterprise")
                #expect(byEmail.json["assignedQueue"] as? String == "enterprise-priority-queue-id")
                #expect(stack.crmRequests == 2)
            }
        }

        @Test("Not found is answered in full and negatively cached")
        func notFound() async throws {
            try await LiveStack.with { stack in
                let first = try await stack.lookup(#"{"ani":"+44 20 7946 0000"}"#)
                #expect(first.status == 200)
                #expect(first.json["contactFound"] as? Bool == false)
                #expect(first.json["customerId"] as? String == "UNKNOWN")
                #expect(first.json["displayName"] as? String == "")
                #expect(first.json["errorType"] as? String == "")
                let second = try await stack.lookup(#"{"ani":"tel:+442079460000"}"#)
                #expect(second.json["cacheHit"] as? Bool == true)
                #expect(stack.crmRequests == 1)
            }
        }

        @Test("/metrics says how many entries each colo's cache holds")
        func cacheEntries() async throws {
            try await LiveStack.with { stack in
                for (body, colo) in [(#"{"ani":"+15550000001"}"#, "LHR"), (#"{"email":"customer2@example.com"}"#, "LHR"),
                                     (#"{"ani":"+15550000001"}"#, "LHR"), (#"{"ani":"+15550000003"}"#, "SIN")] {
                    #expect(try await stack.lookup(body, colo: colo).status == 200)
                }
                let metrics = try await stack.request(.GET, "/metrics").body
                #expect(metrics.contains("# HELP edgewatch_cache_entries "))
                func entries(_ colo: String) -> Double? {
                    let prefix = "edgewatch_cache_entries{colo=\"\(colo)\"} "
                    return metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
                }
                #expect(entries("LHR") == 2, "\(metrics)")
                #expect(entries("SIN") == 1)
            }
        }

        @Test("No lookup key: 200 with the error text, no CRM call")
        func noKey() async throws {
            try await LiveStack.with { stack in
                let reply = try await stack.lookup(#"{"ani":"${input.ani}","email":"${input.email}"}"#)
                #expect(reply.status == 200)
                #expect(reply.json["error"] as? String == "No lookup key provided")
                #expect(reply.json["tier"] as? String == "Standard")
                #expect(stack.crmRequests == 0)
            }
        }

        static let faults: [(String, FaultPlan, String)] = [
            ("503", FaultPlan(error: .init(probability: 1, status: 503)), "crm_5xx"),
            ("429", FaultPlan(error: .init(probability: 1, status: 429)), "crm_rate_limited"),
            ("429 Retry-After", FaultPlan(rateLimit: .init(probability: 1, retryAfterSeconds: 5)), "crm_rate_limited"),
            ("401", FaultPlan(error: .init(probability: 1, status: 401)), "crm_auth"),
            ("malformed", FaultPlan(malformed: .init(probability: 1)), "crm_bad_response"),
            ("hang", FaultPlan(hang: .init(probability: 1, seconds: 3)), "crm_timeout"),
            ("down", FaultPlan(down: true), "crm_unreachable"),
            ("trickle", FaultPlan(trickle: .init(probability: 1, intervalMilliseconds: 300)), "crm_timeout"),
        ]

        @Test("Each CRM fault gives a contract-valid 200 with its errorType, and nothing is cached",
              arguments: faults.map(\.0))
        func fault(name: String) async throws {
            let (_, plan, errorType) = try #require(Self.faults.first { $0.0 == name })
            try await LiveStack.with { stack in
                try await stack.simulator!.setFaults(plan)
                for _ in 0..<2 {
                    let reply = try await stack.lookup(#"{"ani":"+15550000007"}"#)
                    #expect(reply.status == 200)
                    #expect(reply.contentType == "application/json")
                    #expect(reply.json["errorType"] as? String == errorType)
                    #expect(reply.json["contactFound"] as? Bool == false)
                    #expect(reply.json["customerId"] as? String == "UNKNOWN")
                    #expect(reply.json["assignedQueue"] as? String == "standard-queue-id")
                    #expect(reply.json["cacheHit"] as? Bool == false)
                }
                #expect(stack.caches.entryCount() == 0)
                try await stack.simulator!.setFaults(.none)
                let healed = try await stack.lookup(#"{"ani":"+15550000007"}"#)
                #expect(healed.json["contactFound"] as? Bool == true)
                #expect(healed.json["cacheHit"] as? Bool == false)
            }
        }

        @Test("The CRM deadline is honoured: a hanging CRM is reported as crm_timeout")
        func deadline() async throws {
            try await LiveStack.with(.init(crmTimeout: .milliseconds(250))) { stack in
                try await stack.simulator!.setFaults(FaultPlan(hang: .init(probability: 1, seconds: 5)))
                let reply = try await stack.lookup(#"{"email":"customer1@example.com"}"#)
                #expect(reply.json["errorType"] as? String == "crm_timeout")
                // latencyMs is measured by the server: at least the 250 ms deadline, and within a
                // second after it (slack 1 s; measured 250.5-250.6 ms), far below the 5 s hang.
                let latency = try #require(reply.json["latencyMs"] as? Double)
                #expect(latency >= 250 && latency < 1_250, "latencyMs \(latency)")
            }
        }

        @Test("Added CRM latency shows in latencyMs but is not an error")
        func latency() async throws {
            try await LiveStack.with(.init(crmTimeout: .seconds(2))) { stack in
                try await stack.simulator!.setFaults(FaultPlan(latency: .init(probability: 1, milliseconds: 150, jitterMilliseconds: 0)))
                let reply = try await stack.lookup(#"{"ani":"+15550000003"}"#)
                #expect(reply.json["contactFound"] as? Bool == true)
                #expect(reply.json["errorType"] as? String == "")
                // At least the 150 ms added, and within a second of it (slack 1 s), far below the 2 s deadline.
                let latency = try #require(reply.json["latencyMs"] as? Double)
                #expect(latency >= 150 && latency < 1_150, "latencyMs \(latency)")
            }
        }
    }
}
