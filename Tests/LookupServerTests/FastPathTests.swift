import AccessControl
import Foundation
import LookupCore
import EdgeHTTP
import LookupServer
import TestSupport
import Testing

extension LiveHTTP {
    /// The event-loop fast path against the routes alone: the same raw requests to two servers,
    /// one with the fast path and one without, on clocks that stand still, must give the same
    /// bytes (but the `Date` value) and the same events, for every response shape.
    @Suite("Fast path: byte-identical to the routes")
    struct FastPathTests {
        static let token = "fast-path-token-0123456789"

        struct Shape: Sendable, CustomTestStringConvertible {
            var name: String
            /// Requests sent first, to warm the cache (answers not compared).
            var warm: [String] = []
            var request: String
            /// Whether the fast path answers it (else the routes do).
            var fast: Bool
            var advanceSeconds: Double = 0
            /// Events the request emits (`/health` emits none).
            var events = 1
            var testDescription: String { name }
        }

        static func post(_ body: String, headers: [String] = []) -> String {
            (["POST /lookup/customer HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: \(body.utf8.count)"]
                + headers).joined(separator: "\r\n") + "\r\n\r\n" + body
        }

        static let bearer = "Authorization: Bearer \(token)"
        static let found = #"{"ani":"+15550000042"}"#
        static let unknown = #"{"ani":"+15559990042"}"#

        static let shapes: [Shape] = [
            .init(name: "a cached customer", warm: [post(found, headers: [bearer])], request: post(found, headers: [bearer]), fast: true),
            .init(name: "a cached not-found", warm: [post(unknown, headers: [bearer])], request: post(unknown, headers: [bearer]), fast: true),
            .init(name: "a cached customer from another colo's request header", warm: [post(found, headers: [bearer, "X-Edge-Colo: SIN"])],
                  request: post(found, headers: [bearer, "X-Edge-Colo: SIN"]), fast: true),
            .init(name: "a miss (the CRM answers)", request: post(found, headers: [bearer]), fast: false),
            .init(name: "a stale copy (revalidated behind it)", warm: [post(found, headers: [bearer])], request: post(found, headers: [bearer]),
                  fast: false, advanceSeconds: 310),
            .init(name: "no lookup key", request: post(#"{"ani":"","email":""}"#, headers: [bearer]), fast: false),
            .init(name: "bad JSON", request: post(#"{"ani":"#, headers: [bearer]), fast: false),
            .init(name: "a body over the limit", request: post("{\"ani\":\"" + String(repeating: "1", count: 70_000) + "\"}", headers: [bearer]), fast: false),
            .init(name: "a wrong method", request: "GET /lookup/customer HTTP/1.1\r\nHost: x\r\n\r\n", fast: false),
            .init(name: "no credential", warm: [post(found, headers: [bearer])], request: post(found), fast: false),
            .init(name: "a wrong credential", warm: [post(found, headers: [bearer])], request: post(found, headers: ["Authorization: Bearer nope-nope-nope-nope-1"]), fast: false),
            .init(name: "a cached customer, asked to close", warm: [post(found, headers: [bearer])],
                  request: post(found, headers: [bearer, "Connection: close"]), fast: false),
            .init(name: "health", request: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", fast: true, events: 0),
            .init(name: "health from a colo", request: "GET /health HTTP/1.1\r\nX-Edge-Colo: SIN\r\n\r\n", fast: true, events: 0),
            .init(name: "health with a query", request: "GET /health?deep=1 HTTP/1.1\r\n\r\n", fast: false, events: 0),
            .init(name: "a cached customer, lowercase fields and keep-alive", warm: [post(found, headers: [bearer])],
                  request: "POST /lookup/customer HTTP/1.1\r\nhost: x\r\ncontent-length: \(found.utf8.count)\r\n"
                      + "authorization: Bearer \(token)\r\nconnection: keep-alive\r\nx-edge-colo: lhr\r\n\r\n" + found, fast: true),
            .init(name: "a cached customer, chunked", warm: [post(found, headers: [bearer])],
                  request: "POST /lookup/customer HTTP/1.1\r\nHost: x\r\n\(bearer)\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + String(found.utf8.count, radix: 16) + "\r\n" + found + "\r\n0\r\n\r\n", fast: false),
            .init(name: "a cached customer over HTTP/1.0", warm: [post(found, headers: [bearer])],
                  request: post(found, headers: [bearer]).replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0"), fast: false),
            .init(name: "a cached customer expecting 100-continue", warm: [post(found, headers: [bearer])],
                  request: post(found, headers: [bearer, "Expect: 100-continue"]), fast: false),
            .init(name: "a cached customer naming two colos", warm: [post(found, headers: [bearer])],
                  request: post(found, headers: [bearer, "X-Edge-Colo: SIN", "X-Edge-Colo: FRA"]), fast: false),
            .init(name: "a cached customer with a query", warm: [post(found, headers: [bearer])],
                  request: post(found, headers: [bearer]).replacingOccurrences(of: "/lookup/customer", with: "/lookup/customer?x=1"), fast: false),
            .init(name: "a cached customer, body with an escape", warm: [post(found, headers: [bearer])],
                  request: post(#"{"ani":"+1555000004\u0032"}"#, headers: [bearer]), fast: true),
        ]

        /// The answer with the `Date` value blanked, and the events the request emitted.
        static func answer(_ shape: Shape, fastPath: Bool) async throws -> (text: String, events: [MetricEvent], fast: Int) {
            let clocks = ManualClocks()
            var options = LiveStack.Options(access: AccessPolicy(lookup: Credentials(bearer: try BearerSecret(parsing: token, source: "test"))))
            options.fastPath = fastPath
            options.clocks = clocks
            return try await LiveStack.with(options) { stack in
                for request in shape.warm { _ = RawHTTP.wholeAnswer(port: stack.port, Array(request.utf8)) }
                // Every warm-up event is in before the one under test.
                let warmEvents = shape.warm.count
                _ = try await Self.events(stack, atLeast: warmEvents)
                clocks.advance(seconds: shape.advanceSeconds)
                let before = stack.fastAnswered
                let all = RawHTTP.answers(port: stack.port, [Array(shape.request.utf8)], count: 1, linger: .milliseconds(100))
                #expect(all.count == 1, "\(all.count) answers to one request")
                let text = all.first ?? ""
                let events = try await Self.events(stack, atLeast: shape.events)
                // No event beyond the ones expected (the answer is written after its event).
                #expect(stack.events.waiting == 0, "\(stack.events.waiting) more events")
                let blanked = text.split(separator: "\r\n", omittingEmptySubsequences: false)
                    .map { $0.lowercased().hasPrefix("date:") ? "date: <blank>" : String($0) }.joined(separator: "\r\n")
                #expect(text.lowercased().contains("\r\ndate: "), "no Date header: \(text)")
                return (blanked, events, stack.fastAnswered - before)
            }
        }

        /// Takes at least `count` events from the stack's queue (the pump is off), waiting at most 5 s.
        static func events(_ stack: LiveStack, atLeast count: Int) async throws -> [MetricEvent] {
            guard count > 0 else { return [] }
            return try await within(.seconds(5), "\(count) events") {
                var taken: [MetricEvent] = []
                while taken.count < count, let batch = await stack.events.nextBatch() { taken += batch }
                return taken
            }
        }

        @Test("On one connection: pipelined requests keep their order, a body in several reads is collected, and the fast path answers the hits")
        func pipelined() async throws {
            var options = LiveStack.Options(access: AccessPolicy(lookup: Credentials(bearer: try BearerSecret(parsing: Self.token, source: "test"))))
            options.clocks = ManualClocks()
            try await LiveStack.with(options) { stack in
                _ = RawHTTP.wholeAnswer(port: stack.port, Array(Self.post(Self.found, headers: [Self.bearer]).utf8))
                // A miss (the routes, waiting on the CRM), then two hits, in one write: the hits
                // must not overtake the miss's answer.
                let other = #"{"ani":"+15550000043"}"#
                let three = [other, Self.found, Self.found].map { Self.post($0, headers: [Self.bearer]) }.joined()
                let answers = RawHTTP.answers(port: stack.port, [Array(three.utf8)], count: 3)
                #expect(answers.count == 3)
                #expect(answers.first?.contains("CUST-000043") == true && answers.first?.contains(#""cacheHit":false"#) == true)
                #expect(answers.dropFirst().allSatisfy { $0.contains("CUST-000042") && $0.contains(#""cacheHit":true"#) })
                // A hit whose head and body come in separate writes, on a fresh connection.
                let before = stack.fastAnswered
                let split = Self.post(Self.found, headers: [Self.bearer])
                let cut = split.index(split.endIndex, offsetBy: -7)
                let parts = [Array(split[..<cut].utf8), Array(split[cut...].utf8)]
                let answer = RawHTTP.answers(port: stack.port, parts, count: 1)
                #expect(answer.first?.contains(#""cacheHit":true"#) == true)
                #expect(stack.fastAnswered == before + 1)
                // On one connection in turns: a miss, answered by the routes, then a hit, which the
                // fast path answers once the routes' answer has gone.
                let afterSplit = stack.fastAnswered
                let turns = RawHTTP.turns(port: stack.port, [
                    (Array(Self.post(#"{"ani":"+15550000044"}"#, headers: [Self.bearer]).utf8), 1),
                    (Array(Self.post(#"{"ani":"+15550000044"}"#, headers: [Self.bearer]).utf8), 1),
                ])
                #expect(turns.map(\.count) == [1, 1])
                #expect(turns.first?.first?.contains(#""cacheHit":false"#) == true)
                #expect(turns.last?.first?.contains(#""cacheHit":true"#) == true)
                #expect(stack.fastAnswered == afterSplit + 1)
            }
        }

        /// Requests a connection may carry, in any order: hits and misses, other routes, refusals,
        /// bad bodies, and framing the fast path leaves to the decoder. Only the refusal (no
        /// credential: 401) closes the connection; nothing after it is answered.
        static let mix: [String] = [
            post(found, headers: [bearer]), post(found, headers: [bearer]), post(#"{"ani":"+15550000043"}"#, headers: [bearer]),
            post(#"{"email":"customer7@example.com"}"#, headers: [bearer, "X-Edge-Colo: FRA"]), post(unknown, headers: [bearer]),
            "GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nX-Edge-Colo: NRT\r\n\r\n", post(#"{"ani":"#, headers: [bearer]),
            post(found), "GET /lookup/customer HTTP/1.1\r\n\r\n", "GET /nowhere HTTP/1.1\r\n\r\n",
            post(#"{"ani":"+1555000004\u0032"}"#, headers: [bearer]), post("", headers: [bearer]),
            "POST /lookup/customer HTTP/1.1\r\n\(bearer)\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ani\r\n"
                + "11\r\n\":\"+15550000042\"}\r\n0\r\n\r\n",
        ]

        /// One connection's answers (dates blanked), events, and the answers the fast path gave.
        static func conversation(_ writes: [[UInt8]], count: Int, fastPath: Bool) async throws -> (answers: [String], events: [MetricEvent], fast: Int) {
            var options = LiveStack.Options(access: AccessPolicy(lookup: Credentials(bearer: try BearerSecret(parsing: token, source: "test"))))
            options.fastPath = fastPath
            options.clocks = ManualClocks()
            return try await LiveStack.with(options) { stack in
                let answers = RawHTTP.answers(port: stack.port, writes, count: count, linger: .milliseconds(100)).map { answer in
                    answer.split(separator: "\r\n", omittingEmptySubsequences: false)
                        .map { $0.lowercased().hasPrefix("date:") ? "date: <blank>" : String($0) }.joined(separator: "\r\n")
                }
                // Every request but /health and the 404 emits one event.
                var events: [MetricEvent] = []
                let expected = answers.count - answers.filter { $0.contains(#""status":"ok""#) || $0.hasPrefix("HTTP/1.1 404") }.count
                if expected > 0 { events = try await Self.events(stack, atLeast: expected) }
                return (answers, events, stack.fastAnswered)
            }
        }

        @Test("Seeded connections: any mix of requests, cut anywhere, gets the same answers and events with and without the fast path")
        func seededConnections() async throws {
            var fastAnswers = 0
            for seed in [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] as [UInt64] {
                var random = SplitMix64(seed: seed)
                let requests = (0..<8).map { _ in Self.mix[Int(random.next() % UInt64(Self.mix.count))] }
                let bytes = Array(requests.joined().utf8)
                // Cut into up to four writes at random places.
                let cuts = (0..<3).map { _ in Int(random.next() % UInt64(bytes.count)) }.sorted()
                let writes = zip([0] + cuts, cuts + [bytes.count]).map { Array(bytes[$0..<$1]) }.filter { !$0.isEmpty }
                let fast = try await Self.conversation(writes, count: requests.count, fastPath: true)
                let routes = try await Self.conversation(writes, count: requests.count, fastPath: false)
                let closing = requests.firstIndex(of: Self.post(Self.found)).map { $0 + 1 } ?? requests.count
                #expect(routes.answers.count == closing,
                        "seed \(seed): \(requests.map { $0.prefix(40) }) → \(routes.answers.map { $0.prefix(12) })")
                #expect(fast.answers == routes.answers, "seed \(seed)")
                #expect(fast.events == routes.events, "seed \(seed)")
                fastAnswers += fast.fast
            }
            // The fast path took part (else this compares the routes with themselves).
            #expect(fastAnswers > 0, "\(fastAnswers) answered on the fast path")
        }

        @Test("Same bytes and events with and without the fast path, and the fast path answers only fresh hits", arguments: shapes)
        func identical(_ shape: Shape) async throws {
            let fast = try await Self.answer(shape, fastPath: true)
            let routes = try await Self.answer(shape, fastPath: false)
            #expect(!fast.text.isEmpty)
            #expect(fast.text == routes.text)
            #expect(fast.events == routes.events)
            #expect(fast.events.count == shape.events, "\(fast.events)")
            #expect(fast.fast == (shape.fast ? 1 : 0), "answered on the fast path: \(fast.fast)")
        }
    }
}
