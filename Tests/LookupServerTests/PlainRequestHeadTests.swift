import EdgeHTTP
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PropertyBased
import TestSupport
import Testing
@testable import LookupServer

/// The fast path's head reader: what it calls plain, NIO's HTTP decoder frames the same way.
@Suite("Plain request heads")
struct PlainRequestHeadTests {
    static func scan(_ text: String, searched: Int = 0) -> PlainRequestHead.Scan {
        Array(text.utf8).withUnsafeBytes { PlainRequestHead.scan($0, searched: searched) }
    }

    @Test("A lookup's head: its length, body length, route and the two fields the answer depends on")
    func lookup() throws {
        let head = "POST /lookup/customer HTTP/1.1\r\nHost: x\r\ncontent-length: 21\r\nX-Edge-Colo:  SIN \r\n"
            + "Authorization: Bearer abc\r\nConnection: Keep-Alive\r\n\r\n"
        guard case .head(let read) = Self.scan(head + #"{"ani":"+15550000042"}"#) else { Issue.record("not plain"); return }
        #expect(read == PlainRequestHead(length: head.utf8.count, contentLength: 21, route: .lookup,
                                         authorization: "Bearer abc", colo: "SIN", repeatsAField: false))
        guard case .head(let health) = Self.scan("GET /health HTTP/1.1\r\n\r\n") else { Issue.record("not plain"); return }
        #expect(health.route == .health && health.contentLength == 0)
        guard case .head(let twice) = Self.scan("GET /health?x HTTP/1.1\r\nX-Edge-Colo: A\r\nx-edge-colo: B\r\n\r\n") else { Issue.record("not plain"); return }
        #expect(twice.route == nil && twice.repeatsAField)
    }

    @Test("Short of a blank line it waits, up to the limit; then, and for anything odd, it is not plain",
          arguments: [
              "GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
              "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
              "POST / HTTP/1.1\r\nContent-Length: 1234567890\r\n\r\n", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
              "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
              "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nA : b\r\n\r\n", "GET / HTTP/1.1\r\nA: caf\u{e9}\r\n\r\n",
              "GET / HTTP/1.1\r\nA: b\u{0}c\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "\r\nGET / HTTP/1.1\r\n\r\n", "G@T / HTTP/1.1\r\n\r\n", "GET abc HTTP/1.1\r\n\r\n",
              "POST / HTTP/1.1\r\nContent-Length: 2\t\r\n\r\n", "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n",
              "GET / HTTP/1.1\r\nA:\tb\r\n\r\n",
              "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 65) + "\r\n",
          ])
    func unplain(_ text: String) {
        #expect(Self.scan(text) == .unplain, "\(text.debugDescription)")
    }

    @Test("A head in pieces: incomplete until its blank line, found however it was searched before")
    func pieces() {
        let head = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        for cut in 1..<head.utf8.count {
            let part = String(head.utf8.prefix(cut))!
            #expect(Self.scan(part) == .incomplete, "\(part.debugDescription)")
            guard case .head = Self.scan(head, searched: cut) else { Issue.record("cut at \(cut)"); continue }
        }
        #expect(Self.scan(String(repeating: "a", count: PlainRequestHead.maximumLength - 1)) == .incomplete)
        #expect(Self.scan(String(repeating: "a", count: PlainRequestHead.maximumLength)) == .unplain)
    }

    static let requestLines = Gen.element(of: [
        "POST /lookup/customer HTTP/1.1", "GET /health HTTP/1.1", "POST /lookup/customer?x=1 HTTP/1.1", "PUT /x HTTP/1.1",
        "GET * HTTP/1.1", "POST /lookup/customer HTTP/1.0", "post /lookup/customer HTTP/1.1", "GET /a%20b HTTP/1.1",
        "GET / http/1.1", "GET /x HTTP/1.1 ", "GET abc HTTP/1.1", "GET http://x/health HTTP/1.1",
    ]).map { $0! }
    static let fields = Gen.element(of: [
        "Host: x", "Content-Length: 5", "content-length:0", "Content-Length: 05", "Content-Length: 5, 5", "Content-Length: ",
        "Transfer-Encoding: chunked", "Connection: keep-alive", "Connection: close", "X-Edge-Colo: SIN", "x-edge-colo:\tFRA \t",
        "Authorization: Bearer t", "Expect: 100-continue", " folded", "Bad Name: v", "Name:\tv", "Name: v\u{7f}", "Name: \u{e9}",
        "NoColon", "Content-Type: application/json", "A:", "X-Edge-Colo: SIN, FRA", "Content-Length: 0\t", "Content-Length:  3  ",
        "Proxy-Connection: close", "Proxy-Connection: keep-alive", "Content-Length:\t0",
    ]).map { $0! }
    static let endings = Gen.element(of: ["\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r"]).map { $0! }
    static let heads = zip(requestLines, zip(fields, endings).array(of: 0...6)).map { line, fields in
        line + "\r\n" + fields.map { $0 + $1 }.joined() + "\r\n"
    }

    /// Every part NIO's request decoder gives for `bytes`, or the error it throws.
    static func decoded(_ bytes: ByteBuffer) throws -> [HTTPServerRequestPart] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(bytes)
        var parts: [HTTPServerRequestPart] = []
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) { parts.append(part) }
        return parts
    }

    @Test("Seeded heads: whatever is plain, NIO's decoder reads as one whole request with the same length, route and fields")
    func agreesWithNIO() throws {
        var plain = 0
        try forAll(Self.heads, count: 5_000, seed: 0x4EAD) { text in
            guard case .head(let head) = Self.scan(text) else { return }
            plain += 1
            #expect(head.length == text.utf8.count)
            var bytes = ByteBuffer(string: text + String(repeating: "x", count: head.contentLength))
            bytes.writeString("GET /next HTTP/1.1\r\n\r\n")
            let parts = try Self.decoded(bytes)
            guard parts.count >= 3, case .head(let nio) = parts[0] else { Issue.record("\(text.debugDescription): \(parts)"); return }
            let body = parts.dropFirst().prefix { if case .body = $0 { true } else { false } }
            let bodyBytes = body.reduce(0) { total, part in if case .body(let chunk) = part { total + chunk.readableBytes } else { total } }
            #expect(bodyBytes == head.contentLength, "\(text.debugDescription)")
            guard case .end = parts[1 + body.count], case .head(let next) = parts[2 + body.count] else {
                Issue.record("\(text.debugDescription): \(parts)")
                return
            }
            #expect(next.uri == "/next")
            #expect((head.route == .lookup) == (nio.method == .POST && nio.uri == "/lookup/customer"))
            #expect((head.route == .health) == (nio.method == .GET && nio.uri == "/health"))
            #expect(nio.version == .http1_1 && nio.isKeepAlive)
            for (name, value) in [("X-Edge-Colo", head.colo), ("Authorization", head.authorization)] where !head.repeatsAField {
                #expect(nio.headers[name].first.map { $0.trimmingCharacters(in: .whitespaces) } == value, "\(text.debugDescription)")
            }
        }
        // Enough of them are plain for the agreement to mean something.
        #expect(plain > 300, "\(plain) plain heads")
    }

    @Test("Cores allowed by the affinity mask, from /proc/self/status")
    func allowedCores() {
        #expect(EventLoops.allowedCores(inStatus: "Name:\tx\nCpus_allowed_list:\t1\n") == 1)
        #expect(EventLoops.allowedCores(inStatus: "Cpus_allowed_list:\t0-3,8,10-11\nMems_allowed: 1") == 7)
        for odd in ["", "Cpus_allowed_list:\t", "Cpus_allowed_list:\t3-1", "Cpus_allowed_list:\t1,,2", "Cpus_allowed_list:\tx",
                    "Cpus_allowed_list:\t0-99999999999999999999", "Cpus_allowed_list:\t-1", "Cpus_allowed_list:\t1-2-3"] {
            #expect(EventLoops.allowedCores(inStatus: odd) == nil, "\(odd)")
        }
        #expect((1...System.coreCount).contains(EventLoops.count))
    }
}
