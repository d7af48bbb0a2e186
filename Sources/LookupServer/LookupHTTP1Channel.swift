import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with ``LookupFastPath`` in front of its HTTP encoder and decoder
/// (behind TLS, which wraps this channel) and ``AnswerCounter`` behind its codec.
struct LookupHTTP1Channel: HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let fast: HTTPServerSettings.FastLookup

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
