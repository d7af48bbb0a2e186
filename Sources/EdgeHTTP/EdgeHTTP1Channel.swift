import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with the ``ConnectionEdges`` handlers: ``ConnectionGuard``
/// in front of the HTTP encoder and decoder (behind TLS), ``AnswerWatch`` right behind the codec.
/// A server that puts handlers of its own around the codec (the lookup's fast path) wraps this one.
public struct EdgeHTTP1Channel: HTTPChannelHandler {
    public typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let edges: ConnectionEdges

    public var responder: Responder { base.responder }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let edges = self.edges
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let (front, behind) = edges.handlers()
            try pipeline.addHandler(front, position: .before(try pipeline.handler(type: HTTPResponseEncoder.self)))
            try pipeline.addHandler(behind, position: .after(try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
