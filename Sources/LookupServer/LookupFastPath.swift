import EdgeHTTP
import AccessControl
import HTTPTypes
import LookupCore
import NIOCore
import NIOHTTPTypes

/// Answers `POST /lookup/customer` from the bytes on the wire when the answer is a fresh cache
/// entry, and `GET /health`: no HTTP decoder, no header types, no hop into Swift concurrency.
/// Everything else goes on, as the same bytes, to NIO's HTTP decoder and the Hummingbird routes.
///
/// It sits in front of the HTTP decoder (behind TLS, when there is TLS) and reads each request's
/// head with ``PlainRequestHead`` to find where the request ends:
/// - a lookup it may answer (below) is held until its body is in; a fresh hit is answered here,
///   anything else (a miss, a stale copy, a bad body) goes on whole; a bodiless `/health` is
///   answered here;
/// - any other plain request goes on as it comes, head first, then its body;
/// - a head that is not plain sends it and the rest of the connection to the decoder.
///
/// A lookup is answered here only when the credential passes ``AccessGate/passes(_:_:)`` (a
/// refusal, which the throttle counts, is left to the routes), no other field that decides the
/// answer came twice, the body fits ``LookupRequest/maximumBodyBytes``, answers can be written
/// now, the server is not shutting down, and every request passed on has been answered
/// (``AnswersDue``): answers keep their order.
final class LookupFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = IOData

    static let path = "/lookup/customer"

    private enum Mode {
        /// At the start of a request: its head is read here.
        case reading
        /// A lookup taken here whose body is still coming: `held` starts with its head, which is
        /// not read (or checked) again.
        case awaitingBody(PlainRequestHead)
        /// Passing on the rest of a passed-on request's body.
        case passingBody(remaining: Int)
        /// Everything goes on to the decoder, to the end of the connection.
        case passingAll
    }

    private let lookup: CustomerLookup
    private let credentials: Credentials
    private let answers: FastAnswers
    private let due: AnswersDue
    /// False with `--fast-path off`: every request goes on to the routes (heads are still read,
    /// so one NIO rejects can be filed under its route).
    private let answering: Bool
    /// The clock of the request arriving (EdgeHTTP's request deadline), told when requests
    /// answered here are whole.
    private let requestClock: RequestClock?
    private let dates = HTTPDate()
    private var mode = Mode.reading
    /// The start of a request not yet whole (bounded: a head of at most
    /// ``PlainRequestHead/maximumLength``, and the body of a lookup this handler may answer).
    private var held: ByteBuffer?
    /// Bytes of `held` known to hold no whole head.
    private var searched = 0
    /// Bytes copied to hold requests so far: each byte once when it is first held, again only
    /// when what is held is moved to the front of its storage or the storage grows (both
    /// amortised), never the whole request on every read.
    private(set) var copiedBytes = 0
    private var announcedHead = false
    /// Something was passed on since the last `channelReadComplete` (which goes on only then:
    /// the handlers behind have nothing to complete otherwise).
    private var passedOn = false

    init(lookup: CustomerLookup, credentials: Credentials, answers: FastAnswers, due: AnswersDue, answering: Bool = true,
         requestClock: RequestClock? = nil) {
        self.requestClock = requestClock
        self.lookup = lookup
        self.credentials = credentials
        self.answers = answers
        self.due = due
        self.answering = answering
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The routes answered with `Connection: close`: what follows is theirs to refuse.
        if due.closing { passEverything(context: context) }
        if case .passingAll = mode {
            passedOn = true
            context.fireChannelRead(data)
            return
        }
        var bytes = unwrapInboundIn(data)
        var own = false
        if var earlier = held {
            // `earlier` alone refers to its storage now, so this appends in place.
            held = nil
            if earlier.readerIndex > earlier.readableBytes {
                copiedBytes += earlier.readableBytes
                earlier.discardReadBytes()
            }
            // The new bytes are copied in; growing the storage copies what it held too.
            copiedBytes += bytes.readableBytes + (earlier.writableBytes < bytes.readableBytes ? earlier.writerIndex : 0)
            earlier.writeBuffer(&bytes)
            bytes = earlier
            own = true
        }
        if read(&bytes, own: own, context: context) {
            context.flush()
            // Requests answered here are whole; what is held now (or a passed-on body still
            // coming) started in this read.
            var partial = held != nil
            if case .passingBody = mode { partial = true }
            requestClock?.completed(partialRemains: partial)
        } else if held != nil {
            // (The decoder's end of a request passed on in this read may have stopped the clock.)
            requestClock?.holding()
        }
    }

    /// Answers or passes on the requests in `bytes`, and holds an unfinished one. True when an
    /// answer was written.
    private func read(_ bytes: inout ByteBuffer, own: Bool, context: ChannelHandlerContext) -> Bool {
        var answered = false
        while bytes.readableBytes > 0 {
            switch mode {
            case .passingAll:
                pass(bytes.readSlice(length: bytes.readableBytes)!, context: context)
            case .passingBody(let remaining):
                let count = min(remaining, bytes.readableBytes)
                pass(bytes.readSlice(length: count)!, context: context)
                mode = count == remaining ? .reading : .passingBody(remaining: remaining - count)
            case .awaitingBody(let head):
                guard bytes.readableBytes >= head.length + head.contentLength else {
                    hold(bytes, own: own)
                    return answered
                }
                mode = .reading
                answered = finish(head, in: &bytes, context: context) || answered
            case .reading:
                // An empty line between requests, which a client may send (RFC 9112 §2.2) and
                // NIO's decoder would skip too: dropped, so the next head still reads as plain.
                if searched == 0, bytes.readableBytes >= 2, bytes.getInteger(at: bytes.readerIndex, as: UInt16.self) == 0x0D0A {
                    bytes.moveReaderIndex(forwardBy: 2)
                    continue
                }
                let scan = bytes.withUnsafeReadableBytes { PlainRequestHead.scan($0, searched: searched) }
                switch scan {
                case .incomplete:
                    searched = bytes.readableBytes
                    hold(bytes, own: own)
                    return answered
                case .unplain:
                    mode = .passingAll
                    let path = bytes.withUnsafeReadableBytes { PlainRequestHead.requestPath($0) }
                    if let path { context.fireUserInboundEventTriggered(RequestLineSeen(path: path)) }
                case .head(let head):
                    searched = 0
                    announceFirstHead(context: context)
                    if takes(head, context: context) {
                        guard bytes.readableBytes >= head.length + head.contentLength else {
                            // Its body is still coming.
                            mode = .awaitingBody(head)
                            hold(bytes, own: own)
                            return answered
                        }
                        answered = finish(head, in: &bytes, context: context) || answered
                    } else {
                        passOn(head, from: &bytes, context: context)
                    }
                }
            }
        }
        return answered
    }

    /// Answers the whole request at the start of `bytes`, taken here, or passes it on when it is
    /// not a fresh hit. True when it was answered.
    private func finish(_ head: PlainRequestHead, in bytes: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard answer(head, in: bytes, context: context) else {
            passOn(head, from: &bytes, context: context)
            return false
        }
        bytes.moveReaderIndex(forwardBy: head.length + head.contentLength)
        return true
    }

    /// Passes on the request at the start of `bytes` (as much of it as is here; the rest of its
    /// body follows); its answer is now due before any given here.
    private func passOn(_ head: PlainRequestHead, from bytes: inout ByteBuffer, context: ChannelHandlerContext) {
        due.count += 1
        let whole = head.length + head.contentLength
        let count = min(whole, bytes.readableBytes)
        pass(bytes.readSlice(length: count)!, context: context)
        if count < whole { mode = .passingBody(remaining: whole - count) }
    }

    /// The most storage kept for what is held: twice the largest request taken here.
    static let largestKept = 2 * (PlainRequestHead.maximumLength + LookupRequest.maximumBodyBytes)

    /// The memory `held` keeps: its storage's capacity.
    var heldBytes: Int { held?.capacity ?? 0 }
    /// Where `held`'s storage is (for tests: appending in place keeps it where it is).
    var heldStorage: UInt? { held?.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) } }

    /// Keeps the start of an unfinished request, and only that. Bytes that came in a read's own
    /// buffer are copied into storage of their own size (the bytes before them, answered or
    /// passed on, and the rest of a large read's buffer are let go); storage already held is kept,
    /// and grows in place as the rest comes. What is held stays within one head and one body.
    private func hold(_ bytes: ByteBuffer, own: Bool) {
        // (Storage grown by a large pipelined read is not kept for a small remainder.)
        guard !own || bytes.capacity > Self.largestKept else {
            held = bytes
            return
        }
        copiedBytes += bytes.readableBytes
        held = ByteBuffer(bytes: bytes.readableBytesView)
    }

    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        passedOn = true
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard passedOn else { return }
        passedOn = false
        context.fireChannelReadComplete()
    }

    /// Whether this head starts a request this handler may answer.
    private func takes(_ head: PlainRequestHead, context: ChannelHandlerContext) -> Bool {
        guard answering, let route = head.route, !head.repeatsAField, due.count == 0, context.channel.isWritable else { return false }
        switch route {
        case .health:
            return head.contentLength == 0
        case .lookup:
            guard head.contentLength <= LookupRequest.maximumBodyBytes else { return false }
            if credentials.isOpen { return true }
            var fields = HTTPFields()
            if let authorization = head.authorization { fields[.authorization] = authorization }
            return AccessGate.passes(fields, credentials)
        }
    }

    /// Writes the answer to the request at the start of `bytes`: always for `/health`, and for a
    /// lookup when it is a fresh hit.
    private func answer(_ head: PlainRequestHead, in bytes: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        switch head.route {
        case .health:
            answers.add()
            write(LookupRoutes.health(lookup.colo(header: head.colo)), context: context)
            return true
        case .lookup:
            let reply = bytes.withUnsafeReadableBytes { request in
                lookup.respondFromCache(
                    to: UnsafeRawBufferPointer(rebasing: request[head.length..<(head.length + head.contentLength)]),
                    coloHeader: head.colo
                )
            }
            guard let reply else { return false }
            // Counted before the answer goes, so whoever reads the answer reads the count with it.
            answers.add()
            write(reply.body, at: reply.event.timestamp, context: context)
            return true
        case nil:
            return false
        }
    }

    /// A lookup's answer, dated by its event (which read the clock already).
    private func write(_ body: ProfileBody, at epochMillis: Int64, context: ChannelHandlerContext) {
        var out = output(capacity: 128 + body.byteCount, context: context)
        Self.writeHead(contentLength: body.byteCount, date: dates.at(epochMillis: epochMillis), into: &out)
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: body.byteCount) { body.render(into: $0) }
        send(out, context: context)
    }

    private func write(_ body: String, context: ChannelHandlerContext) {
        var out = output(capacity: 128 + body.utf8.count, context: context)
        Self.writeHead(contentLength: body.utf8.count, date: dates.now(), into: &out)
        out.writeString(body)
        send(out, context: context)
    }

    /// The buffer the last answer went out in. Once the socket has written it and let it go, the
    /// next answer is written into it (no allocation); while it is still queued, writing into it
    /// copies it first (copy on write), so a queued answer is never touched.
    private var lastOutput: ByteBuffer?
    /// A larger buffer is not kept.
    static let reusedOutputCapacity = 4_096

    private func output(capacity: Int, context: ChannelHandlerContext) -> ByteBuffer {
        guard var out = lastOutput, out.capacity >= capacity else {
            return context.channel.allocator.buffer(capacity: capacity)
        }
        lastOutput = nil  // `out` alone refers to it here, so a written buffer is reused in place
        out.clear()
        return out
    }

    private func send(_ out: ByteBuffer, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.byteBuffer(out)), promise: nil)
        lastOutput = out.capacity <= Self.reusedOutputCapacity ? out : nil
    }

    /// The status line and fields the routes write for a JSON 200 (every answer given here), in
    /// their order and case.
    static func writeHead(contentLength: Int, date: String, into out: inout ByteBuffer) {
        out.writeStaticString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ")
        out.writeString(String(contentLength))
        out.writeStaticString("\r\nDate: ")
        out.writeString(date)
        out.writeStaticString("\r\n\r\n")
    }

    /// The first head read stops the first-request deadline (EdgeHTTP), which sits behind the decoder and so
    /// never sees a request answered here.
    private func announceFirstHead(context: ChannelHandlerContext) {
        guard !announcedHead else { return }
        announcedHead = true
        context.fireUserInboundEventTriggered(RequestHeadArrived())
    }

    /// Hands what is held to the decoder, and from now on everything (again, harmlessly, if it
    /// already does): the connection is ending, and the routes finish (or refuse) an unfinished
    /// request as they would without this handler.
    private func passEverything(context: ChannelHandlerContext) {
        mode = .passingAll
        lastOutput = nil
        if let bytes = held {
            held = nil
            pass(bytes, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        passEverything(context: context)
        context.fireChannelInactive()
    }

    /// The peer closed its side (`inputClosed`), the routes closed ours after an answer
    /// (`outputClosed`: later requests must meet the routes, not answers nobody can send), or the
    /// server is shutting down (quiesce).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent || (event as? ChannelEvent).map({ $0 == .inputClosed || $0 == .outputClosed }) == true {
            passEverything(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Requests ``LookupFastPath`` passed on whose answers the routes have not finished writing;
/// shared by the two handlers of one connection, on its event loop.
final class AnswersDue {
    var count = 0
    /// The routes sent an answer with `Connection: close`; the fast path answers nothing more.
    var closing = false
}

/// Behind the HTTP codec: counts each answer the routes finish, so the fast path knows when it
/// may answer again without overtaking one.
final class AnswerCounter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let due: AnswersDue

    init(due: AnswersDue) {
        self.due = due
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.headerFields.asksToClose { due.closing = true }
        case .end:
            due.count = max(0, due.count - 1)
        case .body:
            break
        }
        context.write(data, promise: promise)
    }
}
