import Foundation
import LookupCore
import EdgeHTTP
import LookupServer
import NIOHTTP1
import TestSupport
import Testing

extension LiveHTTP {
    /// Seeded fuzzing over real HTTP: thousands of hostile bodies, methods and headers. Every answer
    /// must be JSON with an expected status, and the server must be alive and correct afterwards.
    @Suite("Hostile input over HTTP")
    struct HostileHTTPTests {
        static let allowed: Set<Int> = [200, 202, 400, 404, 405, 413]

        /// Sends `count` requests made by `make`, eight at a time, and checks every answer.
        static func barrage(
            _ stack: LiveStack, count: Int, seed: UInt64,
            make: @escaping @Sendable (inout HostileInput, Int) -> (HTTPMethod, String, String?, [(String, String)])
        ) async throws -> [Int: Int] {
            var input = HostileInput(seed: seed)
            var requests: [(HTTPMethod, String, String?, [(String, String)])] = []
            for index in 0..<count { requests.append(make(&input, index)) }
            var statuses: [Int: Int] = [:]
            for start in stride(from: 0, to: count, by: 8) {
                let chunk = Array(requests[start..<min(start + 8, count)])
                let replies = try await withThrowingTaskGroup(of: (Int, HTTPReply).self) { group in
                    for (offset, request) in chunk.enumerated() {
                        group.addTask { (start + offset, try await stack.request(request.0, request.1, body: request.2, headers: request.3)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for (index, reply) in replies {
                    statuses[reply.status, default: 0] += 1
                    let sent = requests[index]
                    #expect(Self.allowed.contains(reply.status), "request \(index) \(sent.0) \(sent.1): status \(reply.status)")
                    #expect(reply.contentType == "application/json", "request \(index): content type \(reply.contentType ?? "none")")
                    let parsed = try? JSONSerialization.jsonObject(with: Data(reply.body.utf8))
                    #expect(parsed is [String: Any], "request \(index): not a JSON object: \(reply.body.prefix(200))")
                }
            }
            return statuses
        }

        @Test("6,000 hostile lookups: JSON answers only, one event each, and the server still looks customers up")
        func lookups() async throws {
            try await LiveStack.with(.init(eventCapacity: 10_000)) { stack in
                let statuses = try await Self.barrage(stack, count: 6_000, seed: 0xF022) { input, _ in
                    let method: HTTPMethod = input.chance(0.9) ? .POST : input.pick([.GET, .PUT, .DELETE, .PATCH])
                    var headers: [(String, String)] = []
                    if input.chance(0.5) { headers.append(("X-Edge-Colo", input.headerValue())) }
                    if input.chance(0.2) { headers.append(("Content-Type", input.headerValue())) }
                    return (method, "/lookup/customer", input.lookupBody(), headers)
                }
                #expect(statuses[200, default: 0] > 1_000)
                #expect(statuses[400, default: 0] > 1_000)
                #expect(statuses[405, default: 0] > 100)
                #expect(statuses[413, default: 0] > 100)
                // One event per request, whatever it was.
                #expect(stack.events.emitted == 6_000)
                #expect(stack.events.dropped == 0)
                let health = try await stack.request(.GET, "/health")
                #expect(health.status == 200)
                let known = try await stack.lookup(#"{"ani":"+15550000042"}"#, colo: "NRT")
                #expect(known.json["customerId"] as? String == "CUST-000042")
            }
        }

        @Test("6,000 hostile ingest bodies and paths: JSON answers only, bad fields named, the engine still counts right")
        func ingest() async throws {
            try await LiveStack.with(.init(eventCapacity: 100_000, pumpEvents: true)) { stack in
                let now = SystemClocks().epochMillis()
                let statuses = try await Self.barrage(stack, count: 6_000, seed: 0x1263) { input, _ in
                    switch input.int(0...9) {
                    case 0:
                        return (input.pick([.GET, .POST, .PUT]), input.pick(["/", "/ingest/x", "/api", "/%00", "/../etc/passwd", "/metrics/x"]), nil, [])
                    case 1:
                        return (input.pick([.GET, .DELETE]), "/ingest", nil, [])
                    default:
                        return (.POST, "/ingest", input.ingestBody(nowMillis: now), [])
                    }
                }
                #expect(statuses[202, default: 0] > 500)
                #expect(statuses[400, default: 0] > 500)
                #expect(statuses[404, default: 0] > 100)
                // Alive and correct: a known event is counted, and the figures are finite.
                // No fuzz body names colo ZZZ, so its row can only come from this event.
                let line = #"{"timestamp":\#(SystemClocks().epochMillis()),"service":"s","colo":"ZZZ","latencyMs":7,"cacheHit":true,"customerFound":true,"errorType":null}"#
                let reply = try await stack.request(.POST, "/ingest", body: line)
                #expect(reply.status == 202)
                let monitor = stack.monitor
                try await eventually("the ZZZ event in the engine") { monitor.snapshot.colos.contains { $0.colo == "ZZZ" } }
                let metrics = try await stack.request(.GET, "/metrics")
                #expect(metrics.status == 200)
                let api = try await stack.request(.GET, "/api/snapshot")
                #expect(api.status == 200)
                #expect(!api.body.contains("nan") && !api.body.contains("inf"))
            }
        }

        @Test("Broken framing: a body cut short, garbage request lines, oversized headers; one event per lookup, the server lives")
        func framing() async throws {
            try await LiveStack.with { stack in
                let port = stack.port
                // A lookup whose body never arrives in full: the client goes away mid-body.
                _ = RawHTTP.exchange(port: port, Array("POST /lookup/customer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ani\":".utf8), closeAfterSending: true)
                let events = stack.events
                try await eventually("the cut-short lookup's event") { events.emitted == 1 }
                // Each gets a whole 400 with a JSON error (an empty answer fails), and the two sent
                // to the lookup's path one event each (EdgesTests holds each kind to its words).
                for garbage in ["BLAH\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "POST /lookup/customer HTTP/1.1\r\nNoColonHere\r\n\r\n",
                                "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n",
                                "POST /lookup/customer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"] {
                    let answer = RawHTTP.keepSending(port: port, head: Array(garbage.utf8), limit: .seconds(5)).answer
                    #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "garbage \(garbage.prefix(40)): \(answer.prefix(200))")
                    let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                    #expect((try? JSONSerialization.jsonObject(with: Data(body.utf8))) is [String: Any], "not JSON: \(body.prefix(200))")
                }
                try await eventually("one event for each lookup") { events.emitted == 3 }
                let health = try await stack.request(.GET, "/health")
                #expect(health.status == 200)
                let known = try await stack.lookup(#"{"ani":"+15550000042"}"#)
                #expect(known.json["customerId"] as? String == "CUST-000042")
                // No garbage emitted a late second event: this lookup's is the fourth.
                #expect(events.emitted == 4)
            }
        }
    }
}