import AccessControl
import Foundation
import LookupCore
import EdgeHTTP
import LookupServer
import Synchronization
import TestSupport
import Testing

extension LiveHTTP {
    /// Inbound credentials over loopback: one table drives the lookup route's answers, and the
    /// throttle runs on a clock the test moves by hand.
    @Suite("Access: credentials on every route")
    struct AccessTests {
        static let token = "tok-0123456789abcdefghij"
        static let basic = ("genesys", "s3cret-pass:word")
        static func basicHeader(_ user: String, _ password: String) -> String {
            "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }

        /// Credentials as the server would read them from LOOKUP_* variables.
        static func credentials(basic: Bool, bearer: Bool) throws -> Credentials {
            Credentials(
                basic: basic ? try BasicSecret(parsing: "\(Self.basic.0):\(Self.basic.1)", source: "test") : nil,
                bearer: bearer ? try BearerSecret(parsing: token, source: "test") : nil
            )
        }

        struct Case: Sendable, CustomTestStringConvertible {
            var name: String
            var basic: Bool
            var bearer: Bool
            var header: String?
            var admitted: Bool
            var testDescription: String { name }
        }

        static let cases: [Case] = [
            .init(name: "bearer: no header", basic: false, bearer: true, header: nil, admitted: false),
            .init(name: "bearer: right token", basic: false, bearer: true, header: "Bearer \(token)", admitted: true),
            .init(name: "bearer: wrong token", basic: false, bearer: true, header: "Bearer \(token)x", admitted: false),
            .init(name: "bearer: token prefix", basic: false, bearer: true, header: "Bearer \(token.dropLast())", admitted: false),
            .init(name: "bearer: empty token", basic: false, bearer: true, header: "Bearer ", admitted: false),
            .init(name: "bearer: Basic sent instead", basic: false, bearer: true, header: basicHeader(basic.0, basic.1), admitted: false),
            .init(name: "bearer: token without scheme", basic: false, bearer: true, header: token, admitted: false),
            .init(name: "basic: right pair", basic: true, bearer: false, header: basicHeader(basic.0, basic.1), admitted: true),
            .init(name: "basic: wrong password", basic: true, bearer: false, header: basicHeader(basic.0, "nope"), admitted: false),
            .init(name: "basic: wrong user", basic: true, bearer: false, header: basicHeader("other", basic.1), admitted: false),
            .init(name: "basic: not base64", basic: true, bearer: false, header: "Basic %%%not-base64", admitted: false),
            .init(name: "basic: bearer sent instead", basic: true, bearer: false, header: "Bearer \(token)", admitted: false),
            .init(name: "both: bearer", basic: true, bearer: true, header: "Bearer \(token)", admitted: true),
            .init(name: "both: basic", basic: true, bearer: true, header: basicHeader(basic.0, basic.1), admitted: true),
            .init(name: "both: none", basic: true, bearer: true, header: nil, admitted: false),
        ]

        @Test("A wrong or missing credential gets 401 JSON with WWW-Authenticate, no CRM call and one unauthorized event", arguments: cases)
        func lookupCredentials(_ c: Case) async throws {
            let access = AccessPolicy(lookup: try Self.credentials(basic: c.basic, bearer: c.bearer))
            try await LiveStack.with(.init(access: access)) { stack in
                let headers = c.header.map { [("Authorization", $0)] } ?? []
                let reply = try await stack.lookup(#"{"ani":"+15550000042"}"#, colo: "SIN", headers: headers)
                let events = try await stack.nextEvents(1)
                if c.admitted {
                    #expect(reply.status == 200, "\(reply.body)")
                    #expect(reply.body.contains("CUST-000042"))
                    #expect(events.first?.errorType == nil)
                    #expect(events.first?.colo == "SIN")
                    #expect(stack.crmRequests == 1)
                } else {
                    #expect(reply.status == 401)
                    #expect(reply.contentType == "application/json")
                    #expect((reply.json["error"] as? String)?.isEmpty == false)
                    let challenge = reply.headers["www-authenticate"] ?? ""
                    #expect(challenge.contains("Basic realm=\"edgewatch\"") == c.basic, "\(challenge)")
                    #expect(challenge.contains("Bearer realm=\"edgewatch\"") == c.bearer, "\(challenge)")
                    #expect(events.map(\.errorType) == [MetricEvent.unauthorized])
                    // An unauthenticated caller does not choose the colo: the server's own is used.
                    #expect(events.first?.colo == "LHR")
                    #expect(reply.headers["connection"] == "close")
                    #expect(stack.crmRequests == 0)
                }
                #expect(!reply.body.contains(Self.token) && !reply.body.contains(Self.basic.1))
            }
        }

        @Test("Repeated failures from one address get 429 with Retry-After until the debt drains; the right credential still passes")
        func throttle() async throws {
            let clock = ManualMillis()
            let gate = AccessGate(policy: .init(burst: 3, drainMillis: 2_000), now: { clock.now })
            let access = AccessPolicy(lookup: try Self.credentials(basic: false, bearer: true), gate: gate)
            try await LiveStack.with(.init(access: access)) { stack in
                let wrong = [("Authorization", "Bearer wrong-token-000000000")]
                let right = [("Authorization", "Bearer \(Self.token)")]
                for _ in 0..<3 { #expect(try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: wrong).status == 401) }
                let throttled = try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: wrong)
                #expect(throttled.status == 429)
                #expect(throttled.headers["retry-after"] == "2")
                #expect(throttled.contentType == "application/json")
                #expect(throttled.headers["www-authenticate"] == nil)
                // Genesys shares its egress addresses: a stranger's guesses must not lock it out.
                let genesys = try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: right)
                #expect(genesys.status == 200)
                #expect(genesys.body.contains("CUST-000042"))
                let events = try await stack.nextEvents(5)
                #expect(events.map(\.errorType) == Array(repeating: MetricEvent.unauthorized, count: 4) + [nil])
                #expect(stack.crmRequests == 1)
                #expect(gate.counts.refused[.lookup] == 4)
                #expect(gate.counts.throttled == 1)
                clock.advance(by: 1_999)
                #expect(try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: wrong).status == 429)
                clock.advance(by: 1)
                #expect(try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: wrong).status == 401)
                #expect(try await stack.lookup(#"{"ani":"+15550000042"}"#, headers: wrong).status == 429)
            }
        }

        @Test("/ingest takes the ingest token; /api/snapshot and /metrics take the read token; /health stays open")
        func metricsRoutes() async throws {
            let ingestToken = "ingest-token-abcdefghij"
            let readToken = "read-token-0123456789ab"
            let access = AccessPolicy(
                ingest: Credentials(bearer: try BearerSecret(parsing: ingestToken, source: "test")),
                read: Credentials(bearer: try BearerSecret(parsing: readToken, source: "test"))
            )
            try await LiveStack.with(.init(access: access)) { stack in
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let event = #"{"timestamp":\#(now),"service":"w","colo":"LHR","latencyMs":3,"cacheHit":true,"customerFound":true,"errorType":null}"#
                let table: [(String, HTTPReply, Int)] = [
                    ("ingest without token", try await stack.request(.POST, "/ingest", body: event), 401),
                    ("ingest with read token", try await stack.request(.POST, "/ingest", body: event, headers: [("Authorization", "Bearer \(readToken)")]), 401),
                    ("ingest with ingest token", try await stack.request(.POST, "/ingest", body: event, headers: [("Authorization", "Bearer \(ingestToken)")]), 202),
                    ("snapshot without token", try await stack.request(.GET, "/api/snapshot"), 401),
                    ("snapshot with ingest token", try await stack.request(.GET, "/api/snapshot", headers: [("Authorization", "Bearer \(ingestToken)")]), 401),
                    ("snapshot with read token", try await stack.request(.GET, "/api/snapshot", headers: [("Authorization", "Bearer \(readToken)")]), 200),
                    ("metrics without token", try await stack.request(.GET, "/metrics"), 401),
                    ("metrics with read token", try await stack.request(.GET, "/metrics", headers: [("Authorization", "Bearer \(readToken)")]), 200),
                    ("health without token", try await stack.request(.GET, "/health"), 200),
                ]
                for (name, reply, status) in table {
                    #expect(reply.status == status, "\(name): \(reply.body)")
                    if status == 401 {
                        #expect(reply.headers["www-authenticate"] == "Bearer realm=\"edgewatch\"", "\(name)")
                        #expect(reply.contentType == "application/json", "\(name)")
                    }
                    #expect(!reply.body.contains(ingestToken) && !reply.body.contains(readToken), "\(name) echoed a token")
                }
                #expect(access.gate.counts.refused == [.ingest: 2, .read: 3])
                // Refusals are visible to Prometheus (the read token's own request passed).
                let exposition = try await stack.request(.GET, "/metrics", headers: [("Authorization", "Bearer \(readToken)")]).body
                #expect(exposition.contains(#"edgewatch_auth_refused_total{route="ingest"} 2"#), "\(exposition)")
                #expect(exposition.contains(#"edgewatch_auth_refused_total{route="read"} 3"#))
                #expect(exposition.contains("edgewatch_auth_throttle_addresses 1"))
                // The lookup route stayed open: only its own credential closes it.
                #expect(try await stack.lookup(#"{"ani":"+15550000042"}"#).status == 200)
            }
        }
    }
}

/// Monotonic milliseconds that a test moves by hand.
final class ManualMillis: Sendable {
    private let value = Mutex<Int64>(1_000_000)
    var now: Int64 { value.withLock { $0 } }
    func advance(by millis: Int64) { value.withLock { $0 += millis } }
}
