import CRMSimulator
import FaultCatalog
import Foundation
import LookupCore
import TestSupport
import Testing

extension LiveHTTP {
    /// A sick CRM behind real HTTP: the simulator hangs, fails and recovers; the answers say what
    /// happened and arrive without waiting out the CRM's deadline.
    @Suite("Resilience: stale copies and the breaker over loopback")
    struct ResilienceTests {
        static let warm = #"{"ani":"+15550000042"}"#

        /// One-second TTL, no revalidation window, a 3 s CRM deadline, a 1 s breaker cooldown.
        static func settings(staleIfErrorMillis: Int64 = 86_400_000) -> LookupSettings {
            LookupSettings(
                serverColo: Colo("LHR")!, foundTTLSeconds: 1, staleIfErrorMillis: staleIfErrorMillis, staleWhileRevalidateMillis: 0,
                staleAfterMillis: 500, breaker: CRMGuard.Policy(consecutiveFailures: 5, cooldownMillis: 1_000)
            )
        }

        @Test("With the CRM hanging and a warm key, the right customer arrives stale within the soft deadline + 100 ms")
        func hangingCRM() async throws {
            try await LiveStack.with(.init(crmTimeout: .seconds(3), settings: Self.settings())) { stack in
                #expect(try await stack.lookup(Self.warm).json["stale"] as? Bool == false)
                try await Task.sleep(for: .milliseconds(1_100))
                try await stack.simulator!.setFaults(FaultPlan(hang: .init(probability: 1, seconds: 30)))
                let started = ContinuousClock.now
                let reply = try await stack.lookup(Self.warm)
                let waited = ContinuousClock.now - started
                #expect(reply.status == 200)
                #expect(reply.json["stale"] as? Bool == true)
                #expect(reply.json["customerId"] as? String == "CUST-000042")
                #expect(reply.json["contactFound"] as? Bool == true)
                #expect(reply.json["cacheHit"] as? Bool == true)
                #expect(reply.json["errorType"] as? String == "crm_timeout")
                // The server's own clock: at the soft deadline plus a little, not the 3 s deadline.
                let latency = reply.json["latencyMs"] as? Double ?? 9_999
                #expect(latency >= 490 && latency < 600, "\(reply.body)")
                #expect(waited < .milliseconds(2_000), "the caller waited \(waited)")
                try await stack.simulator!.setFaults(.none)
            }
        }

        @Test("Once the breaker is open, uncached lookups answer crm_circuit_open in under 5 ms and the CRM sees no more calls; after the fault clears it closes within cooldown + one probe")
        func breakerOpensAndCloses() async throws {
            try await LiveStack.with(.init(settings: Self.settings())) { stack in
                try await stack.simulator!.setFaults(FaultPlan(error: .init(probability: 1, status: 503)))
                for number in 0..<5 { #expect(try await stack.lookup(#"{"ani":"+1555000010\#(number)"}"#).json["errorType"] as? String == "crm_5xx") }
                #expect(stack.lookup.calls.breaker.state == .open)
                let before = stack.crmRequests
                var fast = 0
                for number in 0..<20 {
                    let reply = try await stack.lookup(#"{"ani":"+1555000020\#(number % 10)"}"#)
                    #expect(reply.json["errorType"] as? String == "crm_circuit_open")
                    if (reply.json["latencyMs"] as? Double ?? 99) < 5 { fast += 1 }
                }
                // Server-measured; one scheduling hiccup on a loaded machine is allowed.
                #expect(fast >= 19, "\(fast) of 20 answered in under 5 ms")
                #expect(stack.crmRequests == before)
                try await stack.awaitSnapshot("the open breaker in /api/snapshot") { ($0["breaker"] as? [String: Any])?["state"] as? String == "open" }
                #expect(try await stack.request(.GET, "/metrics").body.contains("edgewatch_crm_breaker_state 2"))

                try await stack.simulator!.setFaults(.none)
                try await Task.sleep(for: .milliseconds(1_050))
                let probe = try await stack.lookup(#"{"ani":"+15550000300"}"#)
                #expect(probe.json["errorType"] as? String == "")
                #expect(stack.lookup.calls.breaker.state == .closed)
                #expect(stack.crmRequests == before + 1)
            }
        }

        @Test("Nothing stale is served past the grace period")
        func grace() async throws {
            try await LiveStack.with(.init(settings: Self.settings(staleIfErrorMillis: 1_000))) { stack in
                _ = try await stack.lookup(Self.warm)
                try await stack.simulator!.setFaults(FaultPlan(error: .init(probability: 1, status: 503)))
                try await Task.sleep(for: .milliseconds(1_200))
                #expect(try await stack.lookup(Self.warm).json["stale"] as? Bool == true)
                try await Task.sleep(for: .milliseconds(1_000))
                let expired = try await stack.lookup(Self.warm)
                #expect(expired.json["stale"] as? Bool == false)
                #expect(expired.json["contactFound"] as? Bool == false)
                #expect(expired.json["errorType"] as? String == "crm_5xx")
                try await stack.simulator!.setFaults(.none)
            }
        }
    }
}
