import AccessControl
import Foundation
import HTTPTypes
import HummingbirdCore
import LookupCore
import NIOCore
import NIOFoundationCompat
import NIOHTTPTypes

/// Answers `POST /lookup/customer` on the event loop when the answer is a fresh cache entry,
/// with no hop into Swift concurrency; everything else goes on, untouched, to the Hummingbird
/// routes.
///
/// It sits in HummingbirdCore's HTTP/1 pipeline (after the HTTP codec). A lookup is taken only
/// when it can be answered here and nothing else on the connection is waiting for an answer
/// (replies keep their order):
/// - the credential passes ``AccessGate/passes(_:_:)``, the same comparison the route's gate
///   makes first (a refusal, which the throttle counts, is left to the route);
/// - the request does not ask to close the connection, and its body fits
///   ``LookupRequest/maximumBodyBytes``;
/// - ``CustomerLookup/respondFromCache(to:coloHeader:)`` has a fresh entry, which it reads,
///   counts, times and emits exactly as the route's `respond` does for a hit.
/// Anything else (a miss, a stale copy, a bad body, a wrong credential) is passed on whole, and
/// the route answers it as before, so no request is counted twice.
final class LookupFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let path = "/lookup/customer"

    private enum State {
        case idle
        /// A lookup being read here (its head and body so far are in `collected`).
        case collecting
        /// A request the routes answer: its parts go on as they come.
        case passing
    }

    private let lookup: CustomerLookup
    private let credentials: Credentials
    private var state = State.idle
    /// The head and body of the lookup being collected. Kept out of `state`, so appending to the
    /// body writes in place instead of copying it for every chunk.
    private var collectedHead: HTTPRequest?
    private var collectedBody: ByteBuffer?
    /// Requests passed on whose answer has not been written yet (counted when their head goes on).
    private var awaitingAnswers = 0
    /// The server is shutting down: every request goes to the routes, which finish it properly.
    private var quiescing = false
    private let dates = HTTPDate()
    private let answers: HTTPServerSettings.FastAnswers

    init(lookup: CustomerLookup, credentials: Credentials, answers: HTTPServerSettings.FastAnswers) {
        self.lookup = lookup
        self.credentials = credentials
        self.answers = answers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.idle, .head(let head)):
            // Only while answers can go out: a client that sends and never reads meets the
            // routes' backpressure, not a queue of answers here.
            if awaitingAnswers == 0, !quiescing, context.channel.isWritable, takes(head) {
                state = .collecting
                collectedHead = head
                collectedBody = context.channel.allocator.buffer(capacity: 64)
            } else {
                state = .passing
                passOnHead(head, context: context)
            }
        case (.collecting, .body(let chunk)):
            guard (collectedBody?.readableBytes ?? 0) + chunk.readableBytes <= LookupRequest.maximumBodyBytes else {
                // Too large to answer here: the route refuses it as it refuses any other.
                passOnPartial(context: context)
                context.fireChannelRead(data)
                return
            }
            collectedBody?.writeImmutableBuffer(chunk)
        case (.collecting, .end):
            if let head = collectedHead, let body = collectedBody,
               let reply = lookup.respondFromCache(to: Data(buffer: body, byteTransferStrategy: .noCopy),
                                                   coloHeader: head.headerFields[LookupRoutes.coloHeader]) {
                state = .idle
                collectedHead = nil
                collectedBody = nil
                answer(reply, context: context)
            } else {
                // Not a fresh hit: the routes get the request whole, as it came.
                passOnPartial(context: context)
                state = .idle
                context.fireChannelRead(data)
            }
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(data)
        default:
            context.fireChannelRead(data)
        }
    }

    /// Hands a request's head to the routes; its answer is now due before any answered here.
    private func passOnHead(_ head: HTTPRequest, context: ChannelHandlerContext) {
        awaitingAnswers += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// A lookup cut short (the peer left, or the decoder gave up, before its end) goes to the
    /// routes as it came, so they refuse it and emit its event, as without this handler.
    func channelInactive(context: ChannelHandlerContext) {
        passOnPartial(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        passOnPartial(context: context)
        context.fireErrorCaught(error)
    }

    /// Shutting down: a lookup being collected goes to the routes, whose connection handler then
    /// finishes it before closing; later ones go there too.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            passOnPartial(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Hands the lookup collected so far (head and body) to the routes; its later parts follow.
    private func passOnPartial(context: ChannelHandlerContext) {
        guard case .collecting = state, let head = collectedHead else { return }
        let body = collectedBody
        state = .passing
        collectedHead = nil
        collectedBody = nil
        passOnHead(head, context: context)
        if let body, body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaitingAnswers = max(0, awaitingAnswers - 1) }
        context.write(data, promise: promise)
    }

    /// Whether this head starts a lookup this handler may answer.
    private func takes(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, head.path == Self.path, AccessGate.passes(head.headerFields, credentials) else { return false }
        return !head.headerFields[values: .connection].contains { $0.lowercased().contains("close") }
    }

    /// The reply as the route writes it: `Content-Type: application/json`, its length, the date.
    private func answer(_ reply: LookupReply, context: ChannelHandlerContext) {
        let body = context.channel.allocator.buffer(string: reply.body)
        var head = HTTPResponse(status: .init(code: reply.status))
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.date] = dates.now()
        // Counted before the answer goes, so whoever reads the answer reads the count with it.
        answers.count.add(1, ordering: .relaxed)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// An IMF-fixdate (`Fri, 27 Nov 2026 12:32:43 GMT`), as the `Date` header carries it, made once
/// a second. One per connection handler, so on one event loop: no lock.
final class HTTPDate {
    private var second: Int = -1
    private var text = ""
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let seconds = Int(time.tv_sec)
        if seconds != second {
            second = seconds
            text = Self.format(seconds)
        }
        return text
    }

    static func format(_ epochSeconds: Int) -> String {
        var raw = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&raw, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
