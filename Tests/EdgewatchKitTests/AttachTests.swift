import AccessControl
import Console
import EdgeHTTP
import Foundation
import LookupCore
import MetricsEngine
import NIOSSL
import TestSupport
import Testing
@testable import EdgewatchKit

/// `edgewatch attach` against real servers on loopback: the feed and actions the console runs on,
/// without the terminal (the tmux tests drive the terminal).
@Suite("Attach: a console on another edgewatch, over HTTP and HTTPS")
struct AttachTests {
    static let readToken = "read-token-0123456789abcdef"
    static let adminToken = "admin-token-0123456789abcdef"

    static func credentials(_ token: String) throws -> Credentials {
        Credentials(bearer: try BearerSecret(parsing: token, source: "test"))
    }

    /// A policy with a read token, and an admin token when `admin`.
    static func access(admin: Bool) throws -> AccessPolicy {
        AccessPolicy(read: try credentials(readToken), admin: admin ? try credentials(adminToken) : Credentials())
    }

    static func configuration(_ url: String, read: String? = readToken, admin: String? = nil, tls: TLSConfiguration? = nil) -> AttachConfiguration {
        let log = Logs.file(label: "attach-test", path: FileManager.default.temporaryDirectory.appendingPathComponent("attach-test-\(UUID().uuidString).log").path, level: "info")
        var configuration = AttachConfiguration(url: url, console: ConsoleConfiguration(logFile: log), logger: RunningServer.quiet)
        configuration.readAuthorization = read.map { "Bearer " + $0 }
        configuration.adminAuthorization = admin.map { "Bearer " + $0 }
        configuration.tls = tls
        configuration.timeout = .seconds(5)
        return configuration
    }

    /// The message `connect` fails with (a test failure when it connects).
    static func failure(_ configuration: AttachConfiguration) async -> String {
        do {
            let attach = try await Attach.connect(configuration)
            await attach.release()
            Issue.record("attach connected to \(configuration.url), expected it to fail")
            return ""
        } catch {
            return error.description
        }
    }

    /// Connects, runs `body` with the poller running (when `polling`), and always releases.
    static func attached<T>(_ configuration: AttachConfiguration, polling: Bool = true, _ body: (Attach) async throws -> T) async throws -> T {
        let attach = try await Attach.connect(configuration)
        let poller = polling ? Task { try await attach.poller.run() } : nil
        func release() async {
            poller?.cancel()
            _ = await poller?.result
            await attach.release()
        }
        do {
            let result = try await body(attach)
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    /// Polls `feed` until `condition` holds, for at most `seconds`.
    static func eventually(_ what: String, seconds: Double = 20, feed: any DashboardFeed, detail: String? = nil,
                           _ condition: (DashboardInput) -> Bool) async throws -> DashboardInput {
        let deadline = Date().addingTimeInterval(seconds)
        var input = feed.input(detailColo: detail)
        while Date() < deadline {
            input = feed.input(detailColo: detail)
            if condition(input) { return input }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
        throw CancellationError()
    }

    static func profile(_ id: String) -> CustomerProfile {
        CustomerProfile(contactFound: true, customerId: id, displayName: "Test Customer", tier: "Gold", language: "en-GB", assignedQueue: "q-1")
    }

    /// Lookups from two colos, recorded by the engine.
    static func traffic(_ stack: LiveStack) async throws {
        for index in 0..<6 {
            _ = try await stack.lookup(#"{"ani":"+1555000004\#(index % 3)"}"#, colo: index % 2 == 0 ? "LHR" : "SIN")
        }
        _ = try await stack.recorded(6)
    }

    @Test("On connecting, the whole window is there at once: colos, the change log, the history; then it follows live")
    func wholeWindow() async throws {
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: false))) { stack in
            try await Self.traffic(stack)
            // A second or more of the engine's history before the console attaches.
            try await Task.sleep(for: .milliseconds(1_300))
            try await Self.attached(Self.configuration(stack.baseURL)) { attach in
            let first = attach.dashboardFeed.input(detailColo: nil)
            #expect(Set(first.snapshot.colos.map(\.colo)) == ["LHR", "SIN"])
            #expect(first.snapshot.all.figures.tally.requests == 6)
            #expect(first.engineHistory.count >= 2, "the engine's seconds so far, at once")
            #expect(first.link == LinkStatus(url: stack.baseURL))
            #expect(first.windowLimit == 60)
            // Handed over once: the screen keeps what it took.
            #expect(attach.dashboardFeed.input(detailColo: nil).engineHistory.isEmpty)
            #expect(attach.dashboardMode == .attached(url: stack.baseURL, flushOff: "the server has no admin token (ADMIN_TOKEN where it runs)"))
            #expect(attach.dashboardFeed.capabilities == [.rewind])

            _ = try await stack.lookup(#"{"ani":"+15550000049"}"#, colo: "FRA")
            let later = try await Self.eventually("FRA to appear, live", feed: attach.dashboardFeed) { $0.snapshot.colos.contains { $0.colo == "FRA" } }
            #expect(later.snapshot.generatedAt > first.snapshot.generatedAt)
            #expect(later.snapshot.generatedAt >= stack.monitor.snapshot.generatedAt - 1_000, "at most a second behind")
            }
        }
    }

    @Test("The colo up close and a shorter window come from the server, which keeps judging over its own")
    func detailAndWindow() async throws {
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: false))) { stack in
            try await Self.traffic(stack)
            try await Self.attached(Self.configuration(stack.baseURL)) { attach in
            let feed = attach.dashboardFeed
            let up = try await Self.eventually("LHR up close", feed: feed, detail: "LHR") { $0.detail != nil }
            #expect(up.detail?.colo == "LHR")
            #expect(up.detail?.points.reduce(0) { $0 + $1.requests } == 3)
            // A colo the server lacks: answered (404), and nothing to show.
            #expect(try await attach.feed.engine.detail(colo: "NRT", window: nil) == nil)
            let lacking = try await Self.eventually("NRT answered", feed: feed, detail: "NRT") { !$0.detailPending }
            #expect(lacking.detail == nil)

            #expect(await attach.dashboardActions.perform(.setWindow(seconds: 10), screen: nil) == .windowSet(seconds: 10))
            let narrow = try await Self.eventually("the 10 s view", feed: feed) { $0.snapshot.windowSeconds == 10 }
            #expect(narrow.snapshot.alertWindowSeconds == 60)
            #expect(stack.monitor.windowSeconds == 60, "a viewer's window changes nothing on the server")
            _ = await attach.dashboardActions.perform(.setWindow(seconds: 60), screen: nil)
            let back = try await Self.eventually("the server's window again", feed: feed) { $0.snapshot.windowSeconds == 60 }
            #expect(back.snapshot.alertWindowSeconds == nil)
            }
        }
    }

    @Test("w writes the screen and the snapshot shown here, attached too")
    func dump() async throws {
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: false))) { stack in
            try await Self.traffic(stack)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attach-dump-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var configuration = Self.configuration(stack.baseURL)
            configuration.console.dumpFolder = folder.path
            try await Self.attached(configuration, polling: false) { attach in
                let result = await attach.dashboardActions.perform(.dump, screen: "the screen")
                guard case .dumped(let files) = result else { Issue.record("no dump: \(String(describing: result))"); return }
                #expect(files.count == 2 && files.allSatisfy { $0.hasPrefix(folder.path) })
                let json = try #require(files.first { $0.hasSuffix(".json") })
                let written = try JSONDecoder().decode(MetricsSnapshot.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
                #expect(written == attach.feed.snapshot)
                #expect(written.all.figures.tally.requests == 6)
            }
        }
    }

    @Test("A server that sends what no edgewatch sends is refused before anything is shown")
    func hostileAnswers() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(AnswerLimits.problem(in: Data(deep.utf8)) == "an answer nested deeper than 16")
        #expect(AnswerLimits.problem(in: Data(#"{"generatedAt": -9223372036854775808}"#.utf8)) == "an answer with a number out of range")
        #expect(AnswerLimits.problem(in: Data(#"{"n": 1e300}"#.utf8)) == "an answer with a number out of range")
        #expect(AnswerLimits.problem(in: Data(#"{"colo": "\u001b[2J"}"#.utf8)) == "an answer with control characters")
        #expect(AnswerLimits.problem(in: Data(("[" + Array(repeating: "1", count: 5_000).joined(separator: ",") + "]").utf8)) == "an answer with a list of 5000 elements")
        #expect(AnswerLimits.problem(in: Data(#"{"colo": "LHR", "n": [1, 2.5, true, null], "s": "a \"quoted\" ] text {"}"#.utf8)) == nil)
        #expect(AnswerLimits.printable("bad\u{1b}[2Jtext") == "bad?[2Jtext")
        // Seeded hostile JSON never traps the check.
        var input = HostileInput(seed: 0xA77A)
        for _ in 0..<2_000 { _ = AnswerLimits.problem(in: Data(input.value().utf8)) }
    }

    @Test("No token or a wrong one exits with a message naming READ_TOKEN; an unreachable server says so")
    func wrongToken() async throws {
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: false))) { stack in
            let none = await Self.failure(Self.configuration(stack.baseURL, read: nil))
            #expect(none.contains("wants a read token") && none.contains("READ_TOKEN"))
            let wrong = await Self.failure(Self.configuration(stack.baseURL, read: "not-the-token-0123456789"))
            #expect(wrong.contains("refused the read token") && wrong.contains("READ_TOKEN"))
        }
        let closed = await Self.failure(Self.configuration("http://127.0.0.1:1"))
        #expect(closed.contains("cannot reach http://127.0.0.1:1"))
    }

    @Test("HTTPS with mutual TLS: an unknown CA names --ca-file, no client certificate names --client-cert, the right ones attach")
    func mutualTLS() async throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        let serverTLS = try TLSFiles(certificate: pki.serverCertificate, key: pki.serverKey, clientCA: pki.caCertificate).configuration()
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: true), tls: serverTLS)) { stack in
            // (The test's HTTP client does not speak this TLS: the caches are filled directly.)
            for index in 0..<3 { stack.caches.store(Self.profile("C\(index)"), for: "k\(index)", colo: Colo("LHR")!, now: 1_000, ttlMillis: 60_000) }
            stack.caches.store(Self.profile("C9"), for: "k9", colo: Colo("SIN")!, now: 1_000, ttlMillis: 60_000)
            // The certificate names localhost.
            let url = "https://localhost:\(stack.port)"
            let untrusted = await Self.failure(Self.configuration(url, tls: try ClientTLSFiles().configuration()))
            #expect(untrusted.contains("--ca-file"), "\(untrusted)")
            var strangerCA = Self.configuration(url, tls: try ClientTLSFiles(caFile: pki.strangerCertificate).configuration())
            strangerCA.caFile = pki.strangerCertificate
            let wrongCA = await Self.failure(strangerCA)
            #expect(wrongCA.contains("does not verify against --ca-file"), "\(wrongCA)")
            let anonymous = await Self.failure(Self.configuration(url, tls: try ClientTLSFiles(caFile: pki.caCertificate).configuration()))
            let clientTLS = try ClientTLSFiles(caFile: pki.caCertificate, certificate: pki.clientCertificate, key: pki.clientKey).configuration()
            var byAddress = Self.configuration("https://127.0.0.1:\(stack.port)", tls: clientTLS)
            byAddress.caFile = pki.caCertificate
            let otherHost = await Self.failure(byAddress)
            #expect(otherHost.contains("does not name its host"), "\(otherHost)")
            #expect(anonymous.contains("--client-cert"), "\(anonymous)")
            let tls = try ClientTLSFiles(caFile: pki.caCertificate, certificate: pki.clientCertificate, key: pki.clientKey).configuration()
            try await Self.attached(Self.configuration(url, admin: Self.adminToken, tls: tls), polling: false) { attach in
            #expect(attach.dashboardFeed.input(detailColo: nil).snapshot.windowSeconds == stack.monitor.windowSeconds)
            #expect(attach.dashboardFeed.capabilities == [.flush, .rewind])
            #expect(await attach.dashboardActions.perform(.flush(colo: "LHR"), screen: nil) == .flushed(colo: "LHR", entries: 3))
            #expect(stack.caches.entryCount(colo: Colo("LHR")!) == 0)
            #expect(stack.caches.entryCount(colo: Colo("SIN")!) > 0)
            }
        }
    }

    @Test("Remote flush: with the admin token it empties the caches and says how many; without one on the server it is off and refused")
    func remoteFlush() async throws {
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: true))) { stack in
            try await Self.traffic(stack)
            let total = stack.caches.colos.reduce(0) { $0 + stack.caches.entryCount(colo: $1) }
            #expect(total > 0)
            // Without the admin token here, the keys are off and say why.
            let reader = try await Attach.connect(Self.configuration(stack.baseURL))
            #expect(reader.dashboardFeed.capabilities == [.rewind])
            #expect(reader.dashboardMode == .attached(url: stack.baseURL, flushOff: "no admin token here (set ADMIN_TOKEN or --admin-token-file)"))
            await reader.release()
            // A wrong admin token is refused by the server.
            let guesser = try await Attach.connect(Self.configuration(stack.baseURL, admin: "wrong-admin-token-0123456789"))
            let refused = await guesser.dashboardActions.perform(.flush(colo: nil), screen: nil)
            guard case .failed(let why) = refused else { Issue.record("a wrong admin token flushed: \(String(describing: refused))"); return }
            #expect(why == "flush refused: the server does not take this admin token (ADMIN_TOKEN)")
            await guesser.release()
            #expect(stack.caches.colos.reduce(0) { $0 + stack.caches.entryCount(colo: $1) } == total)
            let admin = try await Attach.connect(Self.configuration(stack.baseURL, admin: Self.adminToken))
            #expect(await admin.dashboardActions.perform(.flush(colo: nil), screen: nil) == .flushed(colo: nil, entries: total))
            #expect(stack.caches.colos.reduce(0) { $0 + stack.caches.entryCount(colo: $1) } == 0)
            await admin.release()
        }
        try await LiveStack.with(.init(pumpEvents: true, access: try Self.access(admin: false))) { stack in
            try await Self.traffic(stack)
            let attach = try await Attach.connect(Self.configuration(stack.baseURL, admin: Self.adminToken))
            #expect(attach.dashboardFeed.capabilities == [.rewind])
            #expect(attach.dashboardMode == .attached(url: stack.baseURL, flushOff: "the server has no admin token (ADMIN_TOKEN where it runs)"))
            await attach.release()
            // Open admin means closed: a flush without any token is refused too.
            let reply = try await stack.request(.POST, "/api/flush", body: "{}")
            #expect(reply.status == 403 && reply.body.contains("ADMIN_TOKEN"))
            #expect(stack.caches.colos.reduce(0) { $0 + stack.caches.entryCount(colo: $1) } > 0)
        }
    }

    @Test("A lost server is a state: the last figures stay and the link says so; when it is back, the feed picks up")
    func reconnect() async throws {
        let options = LiveStack.Options(pumpEvents: true, access: try Self.access(admin: false))
        let first = try await LiveStack.start(options)
        let port = first.port
        try await Self.traffic(first)
        try await Self.attached(Self.configuration(first.baseURL)) { attach in
        let feed = attach.dashboardFeed
        let before = feed.input(detailColo: nil).snapshot
        await first.stop()
        let lost = try await Self.eventually("the link to go down", feed: feed) { $0.link?.isDown == true }
        #expect(lost.snapshot.all.figures.tally.requests == before.all.figures.tally.requests, "the last figures stay")
        #expect(lost.link?.problem != nil)
        let longer = try await Self.eventually("the time down to grow", feed: feed) { ($0.link?.downMillis ?? 0) >= 1_500 }
        #expect(longer.link?.isDown == true)

        var configuration = options.configuration
        configuration.listener = HTTPServerSettings(port: port)
        let second = try await Stack.start(configuration)
        do {
            let back = try await Self.eventually("the link to come back", feed: feed) { $0.link?.isDown == false }
            #expect(back.snapshot.all.figures.tally.requests == 0, "the new server's figures, not the old")
            #expect(back.snapshot.generatedAt > before.generatedAt)
            #expect(!back.engineHistory.isEmpty, "the seconds missed are read again")
        } catch {
            await second.shutdown()
            throw error
        }
        await second.shutdown()
        }
    }
}
