import NIOCore

/// Closes a connection that has not delivered a whole request head within `limit` of being
/// accepted (TLS handshake included), so a client that connects and stays silent, or sends its
/// first head a byte at a time, cannot hold one of the server's connection slots.
///
/// It sits after the HTTP decoder, so its first read is a decoded head (or, for a request the
/// fast path answers before the decoder, the fast path's ``HeadArrived``). Later requests on a
/// kept-alive connection are timed only once they start (``ConnectionEdges/requestTimeout``): the
/// wait between them is not, because Genesys pools connections and must not see them dropped
/// (`--idle-timeout` bounds that, when set).
final class FirstRequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let limit: TimeAmount
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: limit) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        cancel()
        context.fireChannelRead(data)
    }

    /// Sent by ``LookupFastPath`` (in front of the decoder) when it has read a whole head.
    typealias HeadArrived = RequestHeadArrived

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HeadArrived {
            cancel()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func cancel() {
        timer?.cancel()
        timer = nil
    }
}

/// The event a handler in front of the HTTP decoder sends when it answered a request itself (the
/// lookup's fast path): a whole request head arrived, so ``FirstRequestDeadline`` stops.
public struct RequestHeadArrived: Sendable {
    public init() {}
}
