#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import Synchronization

/// A CRM on a loopback port that misbehaves on purpose, below HTTP's politeness: it can trickle
/// its body, go silent after the head, reset the connection mid-body, or never answer. Every
/// connection gets the current behaviour; each request closes its connection afterwards.
public final class ScriptedHTTPCRM: Sendable {
    public enum Behaviour: Sendable, Equatable {
        /// A whole response at once (after `delay`).
        case respond(status: Int, body: String, extraHeaders: String = "", delay: Duration = .zero)
        /// The head at once, then the body one byte every `interval`.
        case trickle(body: String, interval: Duration)
        /// The head, announcing a body that never comes.
        case silentAfterHead
        /// The head and half the body, then a TCP reset.
        case resetMidBody(body: String)
        /// Reads the request and never answers.
        case neverAnswer
    }

    public let port: Int
    private let channel: any Channel
    private let state: Script

    final class Script: Sendable {
        let current: Mutex<(behaviour: Behaviour, requests: Int)>
        init(_ behaviour: Behaviour) { current = Mutex((behaviour, 0)) }
    }

    /// A customer record in the CRM's answer shape.
    public static let found = #"{"results":[{"id":"CUST-1","firstName":"Ada","lastName":"Byron","accountTier":"Gold","preferredLanguage":"en-GB"}]}"#

    public static func start(_ behaviour: Behaviour) async throws -> ScriptedHTTPCRM {
        let state = Script(behaviour)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedHTTPCRM(port: channel.localAddress!.port!, channel: channel, state: state)
    }

    private init(port: Int, channel: any Channel, state: Script) {
        self.port = port
        self.channel = channel
        self.state = state
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/api/v2" }
    public var requests: Int { state.current.withLock { $0.requests } }
    public func behave(_ behaviour: Behaviour) { state.current.withLock { $0.behaviour = behaviour } }

    public func stop() async {
        try? await channel.close()
    }

    /// A loopback URL where nothing listens (the port was bound, then released).
    public static func refusingURL() async throws -> String {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return "http://127.0.0.1:\(port)/api/v2"
    }

    /// One per connection, used on its event loop only.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let script: Script
        private var received: [UInt8] = []
        private var answered = false

        init(state: Script) { script = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += Array(buffer: unwrapInboundIn(data))
            // A GET has no body: the request is complete at the blank line.
            guard !answered, received.count >= 4, received.suffix(4).elementsEqual("\r\n\r\n".utf8) else { return }
            answered = true
            let behaviour = script.current.withLock { $0.requests += 1; return $0.behaviour }
            answer(behaviour, channel: context.channel)
        }

        private func answer(_ behaviour: Behaviour, channel: any Channel) {
            let loop = channel.eventLoop
            switch behaviour {
            case .respond(let status, let body, let extra, let delay):
                let text = Self.head(status: status, length: body.utf8.count, extra: extra) + body
                loop.scheduleTask(in: .nanoseconds(delay.nanos)) {
                    channel.writeAndFlush(ByteBuffer(string: text)).whenComplete { _ in channel.close(promise: nil) }
                }
            case .trickle(let body, let interval):
                channel.writeAndFlush(ByteBuffer(string: Self.head(status: 200, length: body.utf8.count)), promise: nil)
                Self.trickle(Array(body.utf8)[...], every: interval, on: channel)
            case .silentAfterHead:
                channel.writeAndFlush(ByteBuffer(string: Self.head(status: 200, length: 500)), promise: nil)
            case .resetMidBody(let body):
                let half = String(body.prefix(body.count / 2))
                channel.writeAndFlush(ByteBuffer(string: Self.head(status: 200, length: body.utf8.count) + half)).whenComplete { _ in
                    // SO_LINGER 0 turns the close into a reset.
                    guard let socket = channel as? any SocketOptionProvider else { return channel.close(promise: nil) }
                    socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
                }
            case .neverAnswer:
                break
            }
        }

        private static func trickle(_ rest: ArraySlice<UInt8>, every interval: Duration, on channel: any Channel) {
            guard let byte = rest.first, channel.isActive else { return }
            channel.eventLoop.scheduleTask(in: .nanoseconds(interval.nanos)) {
                channel.writeAndFlush(ByteBuffer(bytes: [byte]), promise: nil)
                trickle(rest.dropFirst(), every: interval, on: channel)
            }
        }

        private static func head(status: Int, length: Int, extra: String = "") -> String {
            "HTTP/1.1 \(status) Scripted\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n\(extra)Connection: close\r\n\r\n"
        }
    }
}

extension Duration {
    var nanos: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
