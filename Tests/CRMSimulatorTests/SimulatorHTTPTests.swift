#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import EdgeHTTP
import Hummingbird
import Foundation
import Logging
import FaultCatalog
import LookupCore
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
@testable import CRMSimulator

@Suite("Simulator over HTTP")
struct SimulatorHTTPTests {
    static let logger = Logger(label: "sim-test") { _ in SwiftLogNoOpLogHandler() }
    /// The suite's loops (the process's in production, made by whoever runs the simulator).
    static let loops = EventLoops(count: 1)

    /// The admin port, once it listens (nil if it stopped first), within ten seconds.
    static func first(_ ports: AsyncStream<Int>) async throws -> Int? {
        try await within(.seconds(10), "the admin port") {
            var iterator = ports.makeAsyncIterator()
            return await iterator.next()
        }
    }

    func get(_ url: String) async throws -> HTTPReply {
        try await HTTPProbe.send(.GET, url)
    }

    func put(_ url: String, _ body: String) async throws -> HTTPReply {
        try await HTTPProbe.send(.PUT, url, body: body)
    }

    @Test("Listening beyond loopback, the API port carries no admin routes; the admin port answers on loopback only")
    func adminStaysOnLoopback() async throws {
        let simulator = CRMSimulator(host: "0.0.0.0", eventLoopGroup: Self.loops.group, logger: Self.logger)
        let port = try await simulator.start()
        let base = "http://127.0.0.1:\(port)"
        #expect(try await get("\(base)/api/v2/customers?phone=%2B15550000042").status == 200)
        for path in ["/stats", "/admin/faults"] { #expect(try await get(base + path).status == 404, "\(path)") }
        #expect(try await put("\(base)/admin/faults", #"{"down":true}"#).status == 404)
        #expect(simulator.faults == .none)
        let (adminPorts, adminSink) = AsyncStream.makeStream(of: Int.self)
        let admin = Task { try await simulator.runAdmin(port: 0) { adminSink.yield($0) } }
        let adminPort = try #require(try await Self.first(adminPorts))
        #expect(try await get("http://127.0.0.1:\(adminPort)/stats").status == 200)
        // From another host (a network namespace of the test's own, over a veth pair) the API
        // answers and the admin port refuses the connection (curl's exit 7).
        let network = try TestNetwork.make()
        defer { network.remove() }
        let curl = "curl -s -o /dev/null --max-time 5"
        #expect(network.run("test \"$(\(curl) -w %{http_code} http://\(network.hostAddress):\(port)/health)\" = 200") == 0)
        #expect(network.run("\(curl) http://\(network.hostAddress):\(adminPort)/stats") == 7)
        admin.cancel()
        _ = await admin.result
        await simulator.stop()
    }

    @Test("With everyPhone, every well-formed number is a customer of its own; without, only the book's")
    func everyPhone() async throws {
        for every in [false, true] {
            let simulator = CRMSimulator(everyPhone: every, eventLoopGroup: Self.loops.group, logger: Self.logger)
            let base = "http://127.0.0.1:\(try await simulator.start())/api/v2/customers"
            let known = try await get("\(base)?phone=%2B15550000042")
            #expect(known.body.contains("\"CUST-000042\""))
            let other = try await get("\(base)?phone=%2B4420794600123")
            #expect(other.status == 200)
            #expect(other.body.contains("\"CUST-4420794600123\"") == every, "\(other.body)")
            #expect(other.body.contains("\"accountTier\"") == every)
            // Not a number, or too long for one: nobody, either way.
            for phone in ["%2B1234567890123456", "12a4", "%2B"] {
                #expect(try await get("\(base)?phone=\(phone)").body == #"{"results":[]}"#, "\(phone)")
            }
            await simulator.stop()
        }
    }

    @Test("Customers, stats, and faults switched from the admin endpoint, down included")
    func adminEndpoint() async throws {
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: Self.logger)
        let port = try await simulator.start()
        let base = "http://127.0.0.1:\(port)"
        let (adminPorts, adminSink) = AsyncStream.makeStream(of: Int.self)
        let admin = Task { try await simulator.runAdmin(port: 0) { adminSink.yield($0) } }
        defer { admin.cancel() }
        let adminBase = "http://127.0.0.1:\(try #require(try await Self.first(adminPorts)))"

        let found = try await get("\(base)/api/v2/customers?phone=%2B15550000042")
        #expect(found.status == 200)
        #expect(found.body.contains("\"CUST-000042\""))
        let missing = try await get("\(base)/api/v2/customers?email=nobody%40example.com")
        #expect(missing.body == #"{"results":[]}"#)

        let set = try await put("\(adminBase)/admin/faults", #"{"error":{"probability":1,"status":503},"down":false}"#)
        #expect(set.status == 200)
        #expect(try await get("\(base)/api/v2/customers?phone=%2B15550000042").status == 503)

        _ = try await put("\(adminBase)/admin/faults", #"{"rateLimit":{"probability":1,"retryAfterSeconds":7}}"#)
        let limited = try await get("\(base)/api/v2/customers?phone=%2B15550000042")
        #expect(limited.status == 429)
        #expect(limited.headers["retry-after"] == "7")

        let refused = try await put("\(adminBase)/admin/faults", #"{"error":{"probability":3,"status":503},"down":false}"#)
        #expect(refused.status == 400)
        #expect(refused.body.contains("between 0 and 1"))

        let down = try await put("\(adminBase)/admin/faults", #"{"down":true}"#)
        #expect(down.status == 200, "\(down.body)")
        // Down is connection refused: the listening socket is closed, not a listener that hangs.
        #expect(RawHTTP.connectError(port: port) == ECONNREFUSED)
        let up = try await put("\(adminBase)/admin/faults", #"{"down":false}"#)
        #expect(up.status == 200, "\(up.body)")
        #expect(try await get("\(base)/health").status == 200)

        let stats = try JSONDecoder().decode(CRMSimulator.Stats.self, from: Data(try await get("\(adminBase)/stats").body.utf8))
        #expect(stats.requests == 4)
        #expect(stats.rateLimited == 1)
        #expect(stats.found == 1)
        #expect(stats.notFound == 1)
        #expect(stats.errors == 1)
        await simulator.stop()
    }

    @Test("The admin API is strict: unknown keys and missing fields are 400 naming them and leave the plan alone; wrong methods are 405 JSON")
    func strictAdmin() async throws {
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: Self.logger)
        _ = try await simulator.start()
        let (adminPorts, adminSink) = AsyncStream.makeStream(of: Int.self)
        let admin = Task { try await simulator.runAdmin(port: 0) { adminSink.yield($0) } }
        defer { admin.cancel() }
        let adminBase = "http://127.0.0.1:\(try #require(try await Self.first(adminPorts)))"
        let inForce = FaultPlan(latency: .init(probability: 1, milliseconds: 5, jitterMilliseconds: 0))
        #expect(try await put("\(adminBase)/admin/faults", #"{"latency":{"probability":1,"milliseconds":5,"jitterMilliseconds":0}}"#).status == 200)
        let refused: [(body: String, words: String)] = [
            (#"{"errors":{"probability":1,"status":503}}"#, "unknown key \"errors\""),
            (#"{"hnag":{"probability":1,"seconds":5}}"#, "unknown key \"hnag\""),
            (#"{"hang":{"probability":1,"seconds":5,"probabilty":1}}"#, "unknown key \"hang.probabilty\""),
            (#"{"hang":{"probability":1}}"#, "hang.seconds is missing"),
            (#"{"error":{"status":503}}"#, "error.probability is missing"),
            (#"{"down":"yes"}"#, "down must be true or false"),
            (#"{"hang":{"probability":1,"seconds":"five"}}"#, "hang.seconds must be a whole number"),
            (#"{"hang":5}"#, "hang must be an object"),
            (#"[1,2]"#, "must be a JSON object"),
            ("down please", "not JSON"),
            (#"{"down":true,"down":false}"#, "given twice"),
            (#"{"hang":{"probability":1,"seconds":5,"seconds":30}}"#, "given twice"),
        ]
        for (body, words) in refused {
            let reply = try await put("\(adminBase)/admin/faults", body)
            #expect(reply.status == 400, "\(body): \(reply.status)")
            #expect(reply.contentType == "application/json")
            let error = reply.json["error"] as? String ?? ""
            #expect(error.contains(words), "\(body): \(reply.body)")
            #expect(!error.contains("\n") && !error.contains("DecodingError"), "one plain line: \(error)")
            #expect(simulator.faults == inForce, "\(body) changed the plan")
        }
        // What GET shows, PUT takes back unchanged.
        let shown = try await get("\(adminBase)/admin/faults")
        #expect(try await put("\(adminBase)/admin/faults", shown.body).status == 200, "\(shown.body)")
        #expect(simulator.faults == inForce)
        let post = try await HTTPProbe.send(.POST, "\(adminBase)/admin/faults", body: "{}")
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, PUT, DELETE")
        #expect(post.json["error"] is String)
        let unknown = try await get("\(adminBase)/admin/fault")
        #expect(unknown.status == 404)
        #expect(unknown.json["error"] is String)
        #expect(try await HTTPProbe.send(.DELETE, "\(adminBase)/admin/faults").status == 200)
        #expect(simulator.faults == .none)
        await simulator.stop()
    }

    @Test("A required API key is enforced")
    func apiKey() async throws {
        let simulator = CRMSimulator(apiKey: "k", eventLoopGroup: Self.loops.group, logger: Self.logger)
        let port = try await simulator.start()
        #expect(try await get("http://127.0.0.1:\(port)/api/v2/customers?phone=%2B15550000001").status == 401)
        await simulator.stop()
    }

    @Test("Fault changes that come at once are made one at a time: the plan and the listener agree after them", arguments: [1, 2, 3] as [UInt64])
    func changesAtOnce(seed: UInt64) async throws {
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: Self.logger)
        let port = try await simulator.start()
        var rng = SplitMix64(seed: seed)
        let downs = (0..<12).map { _ in Bool.random(using: &rng) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for down in downs { group.addTask { try await simulator.setFaults(FaultPlan(down: down)) } }
            try await group.waitForAll()
        }
        if simulator.faults.down {
            await #expect(throws: (any Error).self) { try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/health", timeout: .seconds(2)) }
            try await simulator.setFaults(.none)
        }
        #expect(try await get("http://127.0.0.1:\(port)/health").status == 200)
        await simulator.stop()
        await #expect(throws: (any Error).self) { try await HTTPProbe.send(.GET, "http://127.0.0.1:\(port)/health", timeout: .seconds(2)) }
    }

    @Test("When its port is taken while down, \"up\" answers a JSON 500 and the simulator stays down until it can listen")
    func upOnATakenPort() async throws {
        let simulator = CRMSimulator(eventLoopGroup: Self.loops.group, logger: Self.logger)
        let port = try await simulator.start()
        let (adminPorts, adminSink) = AsyncStream.makeStream(of: Int.self)
        let admin = Task { try await simulator.runAdmin(port: 0) { adminSink.yield($0) } }
        var squatter: RunningServer?
        do {
            let adminBase = "http://127.0.0.1:\(try #require(try await Self.first(adminPorts)))"
            #expect(try await put("\(adminBase)/admin/faults", #"{"down":true,"error":{"probability":1,"status":503}}"#).status == 200)
            squatter = try await RunningServer.start(router: Router(context: JSONRouter.Context.self), settings: HTTPServerSettings(port: port))
            let refused = try await put("\(adminBase)/admin/faults", #"{"down":false,"error":{"probability":1,"status":502}}"#)
            #expect(refused.status == 500)
            #expect(refused.contentType == "application/json")
            #expect(refused.body.contains("still down"), "\(refused.body)")
            // The rest of the plan is in force; only "up" could not be.
            #expect(simulator.faults.down && simulator.faults.error?.status == 502)
            let deleted = try await HTTPProbe.send(.DELETE, "\(adminBase)/admin/faults")
            #expect(deleted.status == 500 && deleted.body.contains("still down"), "\(deleted.body)")

            await squatter?.stop()
            squatter = nil
            #expect(try await put("\(adminBase)/admin/faults", #"{"down":false}"#).status == 200)
            #expect(!simulator.faults.down)
            #expect(try await get("http://127.0.0.1:\(port)/health").status == 200)
        } catch {
            Issue.record(error)
        }
        await squatter?.stop()
        admin.cancel()
        _ = await admin.result
        await simulator.stop()
    }
}
