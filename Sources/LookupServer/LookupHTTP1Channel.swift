import AccessControl
import EdgeHTTP
import HummingbirdCore
import Logging
import LookupCore
import Synchronization
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with ``LookupFastPath`` in front of its HTTP encoder and decoder
/// (behind TLS, which wraps this channel) and ``AnswerCounter`` behind its codec.
struct LookupHTTP1Channel: HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
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
            try pipeline.addHandler(
                LookupFastPath(lookup: fast.lookup, credentials: fast.credentials, answers: fast.answers, due: due),
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
    /// Requests answered on the fast path so far.
    public let answers = FastAnswers()

    public init(lookup: CustomerLookup, credentials: Credentials) {
        self.lookup = lookup
        self.credentials = credentials
    }

    /// Hummingbird's HTTP/1 channel with the fast path in front of its codec.
    public func channel(_ base: HTTP1Channel) -> any ServerChildChannel {
        LookupHTTP1Channel(base: base, fast: self)
    }
}

/// A count of the requests (cached lookups and `/health`) the fast path answered.
public final class FastAnswers: Sendable {
    let count = Atomic<Int>(0)
    public var value: Int { count.load(ordering: .relaxed) }
}

extension HTTPServerSettings {
    /// Answers cached lookups and `/health` on the event loop, in front of the routes.
    public mutating func answerOnEventLoop(_ fast: FastLookup) {
        http1Channel = fast.channel
    }
}
