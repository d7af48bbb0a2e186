import AccessControl
import EdgeHTTP
import HummingbirdCore
import Logging
import LookupCore
import Synchronization
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// edgewatch's HTTP/1 child channel with ``LookupFastPath`` in front of its HTTP encoder and decoder
/// (behind TLS, which wraps this channel, and the connection guard) and ``AnswerCounter`` behind its codec.
struct LookupHTTP1Channel: HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let base: EdgeHTTP1Channel
    let fast: FastLookup

    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let fast = self.fast
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            // The encoder comes before the decoder: in front of both, the fast path's answers go
            // straight out, and every byte in reaches the decoder through it.
            let encoder = try pipeline.handler(type: HTTPResponseEncoder.self)
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            let due = AnswersDue()
            let clock = try pipeline.handler(type: ConnectionGuard.self).requestClock
            try pipeline.addHandler(
                LookupFastPath(lookup: fast.lookup, credentials: fast.credentials, answers: fast.answers, due: due, answering: fast.answering,
                               requestClock: clock),
                position: .before(encoder)
            )
            try pipeline.addHandler(AnswerCounter(due: due), position: .after(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Cached lookups answered on the event loop (``LookupFastPath``): the lookup and the credentials
/// `/lookup/customer` takes, and a count of what it answered.
public struct FastLookup: Sendable {
    public var lookup: CustomerLookup
    public var credentials: Credentials
    /// False (`--fast-path off`): every request goes on to the routes; heads are still read, so a
    /// request NIO rejects is filed under its route.
    public var answering: Bool
    /// Requests answered on the fast path so far.
    public let answers = FastAnswers()

    public init(lookup: CustomerLookup, credentials: Credentials, answering: Bool = true) {
        self.lookup = lookup
        self.credentials = credentials
        self.answering = answering
    }

    /// edgewatch's HTTP/1 channel with the fast path in front of its codec.
    public func channel(_ base: EdgeHTTP1Channel) -> any ServerChildChannel {
        LookupHTTP1Channel(base: base, fast: self)
    }
}

/// A count of the requests (cached lookups and `/health`) the fast path answered: the listener's
/// ``ConnectionCounts/fastAnswers`` once ``HTTPServerSettings/answerOnEventLoop(_:)`` joined them.
public struct FastAnswers: Sendable {
    let counts = ConnectionCounts()
    func add() { counts.fastAnswers.add(1, ordering: .relaxed) }
    public var value: Int { counts.fastAnswers.load(ordering: .relaxed) }
}

extension HTTPServerSettings {
    /// Answers cached lookups and `/health` on the event loop, in front of the routes, and files
    /// a lookup NIO's parser rejects as a `bad_request` event (under the server's own colo: its
    /// credentials were never read).
    public mutating func answerOnEventLoop(_ fast: FastLookup) {
        http1Channel = fast.channel
        counts = fast.answers.counts
        let lookup = fast.lookup
        malformedRequest = { problem, path in
            guard path == LookupFastPath.path else { return nil }
            return lookup.refuse(.malformedHTTP(problem), coloHeader: nil).body
        }
    }
}
