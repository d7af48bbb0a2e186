import HTTPTypes
import LookupCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// How each connection of an HTTP server ends: idle, after an answer that says
/// `Connection: close`, and after a request NIO's parser rejects. Two handlers share it:
/// ``ConnectionGuard`` in front of the HTTP codec (bytes) and ``AnswerWatch`` behind it (parts).
public struct ConnectionEdges: Sendable {
    /// Closes a connection that has sent and been sent nothing this long, unless the routes are
    /// still answering a request it sent whole. Nil never closes an idle connection.
    public var idleTimeout: Duration?
    /// After an answer with `Connection: close` (or to a request that said it), the output is
    /// closed and what the client still sends is read and thrown away (never parsed) for at most
    /// this long from the answer, then the connection is closed. Closing at once with unread bytes
    /// would send a reset, which can destroy the answer before the client reads it (nginx's
    /// `lingering_close` exists for the same reason). The time is the bound: thrown-away bytes
    /// take no memory, and a byte cap would reset a fast sender before it read its answer.
    public var lingerTime: Duration = .seconds(2)
    /// Each request must arrive whole (head and body) within this of its first byte, or the
    /// connection is closed: a client that trickles a request cannot hold a connection, or a
    /// route waiting for its body, for ever. (The first request's head has its own, shorter
    /// deadline, ``HTTPServerSettings/firstRequestTimeout``, which covers the TLS handshake.)
    public var requestTimeout: Duration = .seconds(30)
    /// The body for a request NIO's parser rejected, given the problem in words and the path of
    /// the request line when a handler in front of the codec saw it (``RequestLineSeen``); nil
    /// keeps `{"error": problem}`. The lookup server emits the request's event here.
    public var malformed: (@Sendable (_ problem: String, _ path: String?) -> String?)?
    /// What the connections' edges did, for `/metrics`.
    public var counts: ConnectionCounts

    public init(idleTimeout: Duration? = nil, counts: ConnectionCounts = ConnectionCounts()) {
        self.idleTimeout = idleTimeout
        self.counts = counts
    }

    /// The two handlers for one new connection.
    func handlers() -> (front: ConnectionGuard, behindCodec: AnswerWatch) {
        let state = ConnectionEdgeState()
        return (ConnectionGuard(edges: self, state: state), AnswerWatch(edges: self, state: state))
    }

    /// `{"error": "Malformed HTTP request: <problem>"}`, unless ``malformed`` words it.
    func malformedBody(problem: String, path: String?) -> String {
        malformed?(problem, path) ?? JSONText.errorObject("Malformed HTTP request: \(problem)")
    }
}

/// Connections closed idle or for a request not whole in time, requests NIO's parser rejected, and requests the lookup's fast path
/// answered, for `/metrics`. Shared by every connection of one listener.
public final class ConnectionCounts: Sendable {
    let idleClosed = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
    let requestTimeouts = Atomic<Int>(0)
    /// Requests (cached lookups and `/health`) the fast path answered.
    public let fastAnswers = Atomic<Int>(0)

    public init() {}

    public struct Values: Sendable, Equatable {
        public var idleClosed = 0
        public var malformed = 0
        public var requestTimeouts = 0
        public var fastAnswers = 0
        public init() {}
    }

    public var values: Values {
        var values = Values()
        values.idleClosed = idleClosed.load(ordering: .relaxed)
        values.malformed = malformed.load(ordering: .relaxed)
        values.requestTimeouts = requestTimeouts.load(ordering: .relaxed)
        values.fastAnswers = fastAnswers.load(ordering: .relaxed)
        return values
    }
}

/// Sent toward the codec by a handler in front of it (the lookup's fast path) when it passes on a
/// head it could not read itself: the path of its request line (at most 256 bytes), so a request
/// NIO then rejects can still be filed under its route.
public struct RequestLineSeen: Sendable {
    public let path: String
    public init(path: String) { self.path = path }
}

/// When the request now arriving on a connection began: its first byte's time, nil between
/// requests. A handler in front of the codec that consumes requests itself (the lookup's fast
/// path) says when one is complete; the codec's side says so for the requests it decodes.
public final class RequestClock {
    /// The first byte of a request not yet whole arrived then.
    var startedAt: NIODeadline?

    init() {}

    /// A request was read whole; `partialRemains` when the bytes after it hold the start of the
    /// next one (whose time starts now).
    public func completed(partialRemains: Bool) {
        startedAt = partialRemains ? .now() : nil
    }

    /// The start of a request is held and not yet whole: its time runs from now, unless it is
    /// running already.
    public func holding() {
        if startedAt == nil { startedAt = .now() }
    }
}

/// What the two handlers of one connection share, on its event loop.
final class ConnectionEdgeState {
    let request = RequestClock()
    /// Heads decoded whose answers the routes have not finished.
    var answersDue = 0
    /// A decoded head whose body has not all been decoded yet.
    var readingBody = false
    /// An answer with `Connection: close` went out: the rest of the input is thrown away.
    var lingering = false
    var lastActivity = NIODeadline.now()
}

/// In front of the HTTP codec (behind TLS): times idleness from the bytes that pass either way,
/// and throws input away once the connection is closing.
public final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = IOData
    public typealias OutboundOut = IOData

    private let idle: TimeAmount?
    private let requestTimeout: TimeAmount
    private var requestTimer: Scheduled<Void>?
    private let counts: ConnectionCounts
    private let state: ConnectionEdgeState
    private var timer: Scheduled<Void>?

    init(edges: ConnectionEdges, state: ConnectionEdgeState) {
        idle = edges.idleTimeout.map { .nanoseconds($0.nanoseconds) }
        requestTimeout = .nanoseconds(edges.requestTimeout.nanoseconds)
        counts = edges.counts
        self.state = state
    }

    /// The clock of the request now arriving, for a handler behind this one that reads whole
    /// requests itself (the lookup's fast path).
    public var requestClock: RequestClock { state.request }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context: context, at: .now()) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        arm(context: context, at: .now())
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        requestTimer?.cancel()
        requestTimer = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state.lingering { return }
        if idle != nil { state.lastActivity = .now() }
        if state.request.startedAt == nil, !Self.onlyLineEnds(unwrapInboundIn(data)) {
            let now = NIODeadline.now()
            state.request.startedAt = now
            if requestTimer == nil { armRequestDeadline(context: context, at: now + requestTimeout) }
        }
        context.fireChannelRead(data)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if !state.lingering { context.fireChannelReadComplete() }
    }

    /// A read of a few CR and LF bytes alone: the empty lines a client may send between requests
    /// (RFC 9112 §2.2), which start no request.
    static func onlyLineEnds(_ bytes: ByteBuffer) -> Bool {
        bytes.readableBytes <= 4 && bytes.readableBytesView.allSatisfy { $0 == 0x0D || $0 == 0x0A }
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if idle != nil { state.lastActivity = .now() }
        context.write(data, promise: promise)
    }

    /// One timer per connection, left to run out when the request it was armed for is whole: when
    /// it fires it looks at the request arriving now, if any.
    private func armRequestDeadline(context: ChannelHandlerContext, at deadline: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        requestTimer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            handler.requestTimer = nil
            guard let started = handler.state.request.startedAt, !handler.state.lingering else { return }
            let due = started + handler.requestTimeout
            if NIODeadline.now() >= due {
                handler.counts.requestTimeouts.add(1, ordering: .relaxed)
                context.close(promise: nil)
            } else {
                handler.armRequestDeadline(context: context, at: due)
            }
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client finished sending while we linger: nothing is left to wait for.
        if state.lingering, event as? ChannelEvent == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// One timer per connection, moved on lazily: reads and writes only note the time.
    private func arm(context: ChannelHandlerContext, at start: NIODeadline) {
        guard let idle, timer == nil else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: start + idle) {
            let (handler, context) = bound.value
            handler.timer = nil
            handler.idleCheck(context: context, idle: idle)
        }
    }

    private func idleCheck(context: ChannelHandlerContext, idle: TimeAmount) {
        // Closing already: the linger's own timer ends it.
        if state.lingering { return }
        // The routes are answering a request that came whole: that is not idleness.
        if state.answersDue > 0 && !state.readingBody {
            arm(context: context, at: .now())
        } else if NIODeadline.now() >= state.lastActivity + idle {
            counts.idleClosed.add(1, ordering: .relaxed)
            context.close(promise: nil)
        } else {
            arm(context: context, at: state.lastActivity)
        }
    }
}

/// Behind the HTTP codec: counts the routes' answers due, closes the connection (after a bounded
/// linger) once an answer that says `Connection: close`, or the answer to a request that said it,
/// is written, and turns the empty 400 Hummingbird writes for a request NIO's parser rejected into
/// a JSON answer naming the problem.
final class AnswerWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let edges: ConnectionEdges
    private let state: ConnectionEdgeState
    /// The path a handler in front saw on a head it passed on unread, until that head is decoded.
    private var seenPath: String?
    /// The JSON body for the parser's 400, from its error until that answer is written.
    private var malformedBody: String?
    /// The body of the parser's 400 whose head went out rewritten, until its end.
    private var rewriting: String?
    /// The answer being written says `Connection: close`.
    private var closing = false
    /// Heads decoded and answers ended so far; answers go out in the order of their requests.
    private var heads = 0
    private var answers = 0
    /// The first request that said `Connection: close`: after its answer the connection ends.
    private var lastRequest: Int?
    /// The parser's error came while a decoded request's body was being read.
    private var malformedInBody = false
    /// The parser's 400 is being dropped: its request already has an answer.
    private var droppingParserAnswer = false
    /// The parser failed: the connection ends after the next answer.
    private var endAfterNextAnswer = false

    init(edges: ConnectionEdges, state: ConnectionEdgeState) {
        self.edges = edges
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Closing: nothing more goes to the routes.
        if state.lingering { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            seenPath = nil
            heads += 1
            state.answersDue += 1
            state.readingBody = true
            if lastRequest == nil, head.headerFields.asksToClose {
                lastRequest = heads
            }
        case .end:
            state.readingBody = false
            state.request.completed(partialRemains: false)
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parser = error as? HTTPParserError, malformedBody == nil, !state.lingering {
            switch parser {
            case .invalidEOFState, .closedConnection:
                // The client stopped sending in the middle of a request: not malformed, and not
                // counted; if it still reads, the answer is JSON all the same.
                malformedBody = JSONText.errorObject("Malformed HTTP request: \(MalformedHTTP.problem(parser))")
                malformedInBody = state.readingBody
            default:
                edges.counts.malformed.add(1, ordering: .relaxed)
                if state.readingBody && answers >= heads {
                    // The body of a request already answered broke: that request has its answer,
                    // and a second one must not follow it. The connection just ends.
                    linger(context: context, after: nil, promise: nil)
                } else {
                    malformedBody = edges.malformedBody(problem: MalformedHTTP.problem(parser), path: seenPath)
                    malformedInBody = state.readingBody
                }
            }
            // Whatever answers next (the parser's 400, or a route that read the broken body and
            // answered it), the connection ends after it: nothing after the break can be read.
            endAfterNextAnswer = true
            seenPath = nil
        }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let seen = event as? RequestLineSeen {
            seenPath = seen.path
            return
        }
        // Our own closing of the output, while lingering: kept from Hummingbird, whose writer
        // would otherwise throw on the next answer (one to a request pipelined behind the closing
        // one) and close the connection at once, cutting the linger short. Its writes are dropped
        // here instead.
        if state.lingering, event as? ChannelEvent == .outputClosed { return }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The connection is closing: nothing may follow the closing answer out. The write is
        // dropped as if done, so Hummingbird waits for the close instead of closing at once.
        if state.lingering {
            promise?.succeed(())
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            closing = head.headerFields.asksToClose
            // Hummingbird's answer to a parser error: 400, `Connection: close`, no body.
            if let body = malformedBody, head.status == .badRequest, head.headerFields[.contentLength] == "0", head.headerFields[.contentType] == nil {
                malformedBody = nil
                // The body that broke was a request's the routes answered meanwhile (a route that
                // did not read it): that request has its answer, and no second one follows it.
                if malformedInBody && answers >= heads {
                    droppingParserAnswer = true
                    promise?.succeed(())
                    return
                }
                head.headerFields[.contentType] = "application/json"
                head.headerFields[.contentLength] = String(body.utf8.count)
                rewriting = body
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .end:
            if droppingParserAnswer {
                droppingParserAnswer = false
                promise?.succeed(())
                linger(context: context, after: nil, promise: nil)
                return
            }
            state.answersDue = max(0, state.answersDue - 1)
            answers += 1
            if let body = rewriting {
                rewriting = nil
                context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: body))), promise: nil)
            }
            if closing || answers == lastRequest || endAfterNextAnswer {
                closing = false
                linger(context: context, after: data, promise: promise)
                return
            }
        case .body:
            break
        }
        context.write(data, promise: promise)
    }

    /// Writes the closing answer's end (if any), closes the output once it is written, throws
    /// away what still comes in, and closes the connection ``ConnectionEdges/lingerTime`` after
    /// the answer was written out; if the client never reads it, one request timeout after that.
    private func linger(context: ChannelHandlerContext, after end: NIOAny?, promise: EventLoopPromise<Void>?) {
        state.lingering = true
        state.answersDue = 0
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let lingerTime = TimeAmount.nanoseconds(edges.lingerTime.nanoseconds)
        // A client that never reads its answer: the answer gets as long as a request may take.
        let backstop = context.eventLoop.scheduleTask(in: .nanoseconds(edges.requestTimeout.nanoseconds) + lingerTime) {
            bound.value.close(promise: nil)
        }
        context.channel.closeFuture.whenComplete { _ in backstop.cancel() }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        written.futureResult.whenComplete { _ in
            // Written out whole: the output closes, and the linger's time starts.
            let context = bound.value
            context.close(mode: .output, promise: nil)
            let timer = context.eventLoop.scheduleTask(in: lingerTime) { bound.value.close(promise: nil) }
            context.channel.closeFuture.whenComplete { _ in timer.cancel() }
        }
        if let end {
            context.writeAndFlush(end, promise: written)
        } else {
            context.flush()
            written.succeed(())
        }
    }
}

extension HTTPFields {
    /// A `Connection` field says `close` (in any case, alone or in a list): the connection ends
    /// after this message's answer.
    public var asksToClose: Bool {
        self[values: .connection].contains { $0.lowercased().contains("close") }
    }
}

/// NIO's parser errors in words, for the answer's `error`.
public enum MalformedHTTP {
    public static func problem(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidMethod: "the method is not a valid HTTP token"
        case .invalidURL: "the request target is not a valid URL"
        case .invalidVersion: "the HTTP version is not HTTP/1.0 or HTTP/1.1"
        case .invalidHeaderToken: "a header line is not a valid \"Name: value\" field"
        case .invalidContentLength: "Content-Length is not a valid length"
        case .unexpectedContentLength: "Content-Length is not allowed here (or comes with Transfer-Encoding)"
        case .invalidChunkSize: "a chunk size in the chunked body is not valid hexadecimal"
        case .headerOverflow: "the header is too large"
        case .lfExpected, .invalidConstant, .strictModeAssertion: "the request's framing is broken (a line does not end in CRLF)"
        case .invalidCharactersUsed: "the request contains characters HTTP does not allow there"
        case .trailingGarbage: "bytes follow the request where none may"
        case .invalidEOFState, .closedConnection: "the connection ended in the middle of the request"
        default: "the request is not valid HTTP/1.1"
        }
    }
}
