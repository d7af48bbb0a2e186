import AccessControl
import Foundation
import LookupCore
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import HTTPTypes
import TestSupport
import Testing
@testable import LookupServer

/// `LookupFastPath` alone in an embedded channel: bytes in, answers out or bytes passed on.
@Suite("Fast path handler, byte by byte")
struct FastPathHandlerTests {
    struct Rig {
        let channel: EmbeddedChannel
        let handler: LookupFastPath
        let due: AnswersDue
        let sink: CollectingSink
        let answers: FastAnswers
        let lookup: CustomerLookup

        init() throws {
            sink = CollectingSink()
            lookup = CustomerLookup(settings: LookupSettings(), caches: ColoCaches(capacityPerColo: 10), crm: ScriptedCRM(.found(alice)),
                                        clocks: ManualClocks(), sink: sink)
            let fast = FastLookup(lookup: lookup, credentials: Credentials())
            answers = fast.answers
            due = AnswersDue()
            handler = LookupFastPath(lookup: lookup, credentials: fast.credentials, answers: fast.answers, due: due)
            channel = EmbeddedChannel(handler: handler)
        }

        func send(_ text: String) throws {
            try channel.writeInbound(ByteBuffer(string: text))
        }

        /// Everything answered here so far, as text.
        func answered() throws -> String {
            var text = ""
            while let part = try channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(let buffer) = part { text += String(buffer: buffer) }
            }
            return text
        }

        /// Everything passed on to the decoder so far, as text.
        func passedOn() throws -> String {
            var text = ""
            while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }
    }

    static let health = "GET /health HTTP/1.1\r\n\r\n"

    @Test("A 64 KiB lookup body a byte per read is held in place: the bytes copied stay a small multiple of the request, not its square")
    func heldGrowsInPlace() throws {
        let rig = try Rig()
        let body = #"{"ani":"+15550000042"}"# + String(repeating: " ", count: 65_536 - 22)
        let request = "POST /lookup/customer HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        let bytes = Array(request.utf8)
        // Where the held storage is, at each capacity: appending in place moves it only when it
        // grows. A copy on every read (a second reference to it, say) would move it every time.
        var storages: Set<UInt> = [], capacities: Set<Int> = []
        for byte in bytes {
            try rig.channel.writeInbound(ByteBuffer(bytes: [byte]))
            if let storage = rig.handler.heldStorage {
                storages.insert(storage)
                capacities.insert(rig.handler.heldBytes)
            }
        }
        #expect(storages.count <= capacities.count + 1, "\(storages.count) places for \(capacities.count) capacities")
        // Each byte is copied once as it comes, and again each time the storage doubles (at most
        // once more in all) or what is held moves to its front: under 4 copies of the request.
        // Copying the whole held request on every read, as before, is 2 GiB.
        #expect(rig.handler.copiedBytes < 4 * bytes.count, "copied \(rig.handler.copiedBytes) bytes for \(bytes.count)")
        #expect(rig.handler.copiedBytes >= bytes.count)
        // Not cached: the whole request goes on to the routes, unchanged.
        #expect(try rig.passedOn() == request)
        #expect(rig.handler.heldBytes == 0)
    }

    @Test("Pipelined requests cut mid-request on every read: all answered, and what is held stays within one request")
    func heldStaysSmall() throws {
        let rig = try Rig()
        let stream = String(repeating: Self.health, count: 2_000)
        var index = stream.startIndex
        var largestHeld = 0
        // Reads of 37 bytes: almost every one ends inside a request.
        while index < stream.endIndex {
            let end = stream.index(index, offsetBy: 37, limitedBy: stream.endIndex) ?? stream.endIndex
            try rig.send(String(stream[index..<end]))
            largestHeld = max(largestHeld, rig.handler.heldBytes)
            index = end
        }
        // Storage for one unfinished request, not the reads before it (2,000 requests, 48 KB).
        #expect(largestHeld <= 128, "held \(largestHeld) bytes")
        #expect(rig.handler.heldBytes == 0)
        #expect(try rig.answered().components(separatedBy: "HTTP/1.1 200 OK").count - 1 == 2_000)
        #expect(try rig.passedOn().isEmpty)
        #expect(rig.answers.value == 2_000)
    }

    @Test("A hit whose body comes a byte at a time is answered once, with one event")
    func trickledBody() async throws {
        let rig = try Rig()
        let body = #"{"ani":"+15550000042"}"#
        let head = "POST /lookup/customer HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        // The first lookup is a miss: passed on whole; the routes "answer" it.
        try rig.send(head + body)
        #expect(try rig.passedOn() == head + body)
        #expect(rig.due.count == 1)
        // The routes are not here: the lookup answers it as they would, which fills the cache.
        _ = await rig.lookup.respond(to: Data(body.utf8), coloHeader: nil)
        rig.due.count = 0
        let before = rig.sink.events.count
        try rig.send(head)
        for byte in body { try rig.send(String(byte)) }
        let answer = try rig.answered()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.contains(#""cacheHit":true"#))
        #expect(rig.sink.events.count == before + 1)
        #expect(try rig.passedOn().isEmpty)
    }

    @Test("After the routes close the output, later requests go to them, not answered into a closed connection")
    func outputClosed() throws {
        let rig = try Rig()
        try rig.send(Self.health)
        #expect(try rig.answered().hasPrefix("HTTP/1.1 200 OK"))
        rig.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        try rig.send(Self.health)
        #expect(try rig.answered().isEmpty)
        #expect(try rig.passedOn() == Self.health)
    }

    @Test("After the routes answer with Connection: close, later requests go to them")
    func routesClosing() throws {
        let due = AnswersDue()
        let counter = EmbeddedChannel(handler: AnswerCounter(due: due))
        try counter.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        #expect(!due.closing)
        try counter.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .unauthorized, headerFields: [.connection: "close"])))
        #expect(due.closing)
        _ = try counter.finish()

        let rig = try Rig()
        try rig.send(Self.health)
        #expect(try rig.answered().hasPrefix("HTTP/1.1 200 OK"))
        rig.due.closing = true
        try rig.send(Self.health)
        #expect(try rig.answered().isEmpty)
        #expect(try rig.passedOn() == Self.health)
    }

    @Test("A target not in origin form is not plain: it and the rest of the connection go to the decoder")
    func oddTarget() throws {
        let rig = try Rig()
        try rig.send("GET abc HTTP/1.1\r\n\r\n" + Self.health)
        #expect(try rig.answered().isEmpty)
        #expect(try rig.passedOn() == "GET abc HTTP/1.1\r\n\r\n" + Self.health)
    }

    @Test("Answers still queued are never written over: each later answer goes in a buffer of its own until the first is let go")
    func queuedAnswersKeepTheirBytes() async throws {
        let rig = try Rig()
        let body = #"{"ani":"+15550000042"}"#
        let lookup = "POST /lookup/customer HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        _ = await rig.lookup.respond(to: Data(body.utf8), coloHeader: nil)
        // Nothing is read out between these: the channel holds every answer written.
        try rig.send(Self.health)
        try rig.send(lookup)
        try rig.send(Self.health + lookup)
        var answers: [ByteBuffer] = []
        while let part = try rig.channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { answers.append(buffer) }
        }
        // Without the Date line, which may tick between answers.
        func undated(_ text: String) -> String {
            text.split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
        }
        let texts = answers.map { undated(String(buffer: $0)) }
        #expect(texts.count == 4)
        #expect(texts[0].hasPrefix("HTTP/1.1 200 OK\r\n") && texts[0].hasSuffix(LookupRoutes.health(rig.lookup.colo(header: nil))))
        #expect(texts[0] == texts[2], "the first answer was written over")
        #expect(texts[1] == texts[3], "the first lookup's answer was written over")
        #expect(texts[1].hasPrefix("HTTP/1.1 200 OK\r\n") && texts[1].contains(#""cacheHit":true"#))
        // Read out and let go, the last buffer is written into again: the answers stay right.
        for _ in 0..<3 { try rig.send(Self.health) }
        #expect(undated(try rig.answered()) == String(repeating: texts[0], count: 3))
    }

    @Test("A lookup's answer is dated by its event's clock reading, to the second")
    func datedByTheEvent() async throws {
        let rig = try Rig()
        let body = #"{"ani":"+15550000042"}"#
        _ = await rig.lookup.respond(to: Data(body.utf8), coloHeader: nil)
        try rig.send("POST /lookup/customer HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
        let answer = try rig.answered()
        // ManualClocks' wall clock stands at 1,790,000,000,000 ms.
        #expect(rig.sink.events.last?.timestamp == 1_790_000_000_000)
        #expect(answer.contains("\r\nDate: Mon, 21 Sep 2026 14:13:20 GMT\r\n"), "\(answer)")
        // And HTTPDate rounds down, before 1970 as after.
        let dates = HTTPDate()
        #expect(dates.at(epochMillis: 1_790_000_000_999) == "Mon, 21 Sep 2026 14:13:20 GMT")
        #expect(dates.at(epochMillis: -1) == "Wed, 31 Dec 1969 23:59:59 GMT")
    }
}
