import Foundation
import LookupCore
import EdgeHTTP
import LookupServer
import TestSupport
import Testing

extension LiveHTTP {
    /// Every way a CRM can fail, against a CRM that misbehaves on the wire: each answers the
    /// contract-valid fail-open 200 with the right `errorType`, within the deadline, and caches nothing.
    @Suite("CRM fault matrix over loopback")
    struct CRMFaultMatrixTests {
        typealias Behaviour = ScriptedHTTPCRM.Behaviour

        static let deadline = Duration.seconds(1)
        /// Server-measured latency may pass the deadline by this much (timer, cancellation, render).
        /// The suite shares two cores with every other suite, so this is wider than the idle figure.
        static let slackMillis = 250.0

        static let cases: [(name: String, behaviour: Behaviour?, errorType: String, timesOut: Bool)] = [
            ("503", .respond(status: 503, body: #"{"error":"down"}"#), "crm_5xx", false),
            ("429", .respond(status: 429, body: #"{"error":"slow down"}"#, extraHeaders: "Retry-After: 30\r\n"), "crm_rate_limited", false),
            ("401", .respond(status: 401, body: #"{"error":"who are you"}"#), "crm_auth", false),
            ("malformed", .respond(status: 200, body: #"{"results":[{"id":"CUST-00"#), "crm_bad_response", false),
            ("oversized field", .respond(status: 200, body: #"{"results":[{"id":"X","firstName":""# + String(repeating: "a", count: 300) + #""}]}"#), "crm_bad_response", false),
            // Refused, not followed (following would loop on this one URL: crm_unreachable).
            ("redirect", .respond(status: 302, body: "{}", extraHeaders: "Location: /api/v2/customers?phone=%2B15550000001\r\n"), "crm_bad_response", false),
            ("an answer over 1 MiB", .respond(status: 200, body: String(repeating: " ", count: (1 << 20) + 16) + #"{"results":[]}"#), "crm_bad_response", false),
            ("connection refused", nil, "crm_unreachable", false),
            ("reset mid-body", .resetMidBody(body: ScriptedHTTPCRM.found), "crm_unreachable", false),
            ("trickle", .trickle(body: ScriptedHTTPCRM.found, interval: .milliseconds(200)), "crm_timeout", true),
            ("silent after head", .silentAfterHead, "crm_timeout", true),
            ("never answers", .neverAnswer, "crm_timeout", true),
            ("slower than the deadline", .respond(status: 200, body: ScriptedHTTPCRM.found, delay: .seconds(3)), "crm_timeout", true),
        ]

        @Test("Each CRM fault: fail-open 200, the right errorType, within the deadline, nothing cached; joiners too",
              arguments: cases.map(\.name))
        func fault(name: String) async throws {
            let (_, behaviour, errorType, timesOut) = try #require(Self.cases.first { $0.name == name })
            var crm: ScriptedHTTPCRM?
            if let behaviour { crm = try await ScriptedHTTPCRM.start(behaviour) }
            let url: String
            if let crm { url = crm.baseURL } else { url = try await ScriptedHTTPCRM.refusingURL() }
            defer { if let crm { Task { await crm.stop() } } }
            let scripted = crm
            try await LiveStack.with(.init(crmTimeout: Self.deadline, crmURL: url)) { stack in
                // Three callers for one number at once: one CRM call, three answers, all in time.
                let started = ContinuousClock.now
                let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
                    for _ in 0..<3 { group.addTask { try await stack.lookup(#"{"ani":"+15550000001"}"#) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let wall = ContinuousClock.now - started
                for reply in replies {
                    #expect(reply.status == 200)
                    #expect(reply.contentType == "application/json")
                    #expect(reply.json["errorType"] as? String == errorType)
                    #expect(reply.json["contactFound"] as? Bool == false)
                    #expect(reply.json["customerId"] as? String == "UNKNOWN")
                    #expect(reply.json["cacheHit"] as? Bool == false)
                    let latency = try #require(reply.json["latencyMs"] as? Double)
                    #expect(latency <= 1_000 + Self.slackMillis, "answered after \(latency) ms")
                }
                // The caller that made the call waited the whole deadline (joiners arrived a little later).
                let longest = replies.compactMap { $0.json["latencyMs"] as? Double }.max() ?? 0
                if timesOut { #expect(longest >= 1_000) } else { #expect(longest < 1_000) }
                #expect(wall < Self.deadline + .seconds(5), "the callers waited \(wall)")
                #expect(stack.caches.entryCount() == 0)
                // A slow fault holds the call long enough for the other two to join it; a fast one
                // may be over before they arrive. Either way no caller makes more than one call.
                if let scripted { #expect(timesOut ? scripted.requests == 1 : scripted.requests <= 3) }
                // The next lookup is not served from a cache: the CRM is asked again.
                let again = try await stack.lookup(#"{"ani":"+15550000001"}"#)
                #expect(again.json["errorType"] as? String == errorType)
                #expect(again.json["cacheHit"] as? Bool == false)
            }
        }

        @Test("The CRM client alone (no call limit around it) ends a trickled or silent exchange at its own deadline",
              arguments: ["trickle", "silent after head", "never answers"])
        func clientDeadline(name: String) async throws {
            let behaviour = try #require(Self.cases.first { $0.name == name }?.behaviour)
            let crm = try await ScriptedHTTPCRM.start(behaviour)
            defer { Task { await crm.stop() } }
            let loops = EventLoops(count: 1)
            let client = HTTPCustomerDirectory(baseURL: crm.baseURL, apiKey: "k", timeout: .milliseconds(500), loops: loops, logger: RunningServer.quiet)
            let started = ContinuousClock.now
            let outcome = await client.lookUp(.phone(digits: "15550000001"), from: Colo("LHR")!)
            let waited = ContinuousClock.now - started
            try await client.shutdown()
            await loops.shutdown()
            #expect(outcome == .failed(.timeout))
            #expect(waited >= .milliseconds(450) && waited < .seconds(3), "waited \(waited)")
        }

        @Test("A CRM that answers in time is found and cached (the scripted CRM itself works)")
        func healthy() async throws {
            let crm = try await ScriptedHTTPCRM.start(.respond(status: 200, body: ScriptedHTTPCRM.found))
            defer { Task { await crm.stop() } }
            try await LiveStack.with(.init(crmTimeout: Self.deadline, crmURL: crm.baseURL)) { stack in
                let reply = try await stack.lookup(#"{"ani":"+15550000001"}"#)
                #expect(reply.json["contactFound"] as? Bool == true)
                #expect(reply.json["displayName"] as? String == "Ada Byron")
                #expect(stack.caches.entryCount() == 1)
                let cached = try await stack.lookup(#"{"ani":"+15550000001"}"#)
                #expect(cached.json["cacheHit"] as? Bool == true)
                #expect(crm.requests == 1)
            }
        }
    }
}
