import Hummingbird
import Logging
import HummingbirdCore
import HummingbirdTLS
import NIOCore
import NIOSSL

/// Listener settings shared by every HTTP server edgewatch runs.
public struct HTTPServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Idle keep-alive connections are kept open this long. Genesys pools connections and reports
    /// "Connection reset" when a server drops one silently, so the default is to never drop them.
    public var idleTimeout: Duration?
    /// Connections accepted at once; past this, new connections wait in the backlog.
    public var maximumConnections: Int
    /// HTTPS (and, with trust roots and verification set, mutual TLS); nil serves plain HTTP.
    public var tls: TLSConfiguration?
    /// A connection that has not sent a whole first request head by then (TLS handshake
    /// included) is closed.
    public var firstRequestTimeout: Duration = .seconds(10)
    /// Another HTTP/1 child channel built around Hummingbird's own (the lookup's fast path puts
    /// itself in front of the codec); nil for Hummingbird's. Not used with ``idleTimeout``:
    /// Hummingbird's idle timer counts only the requests it sees, and would close a connection
    /// busy with answers it did not see.
    public var http1Channel: (@Sendable (HTTP1Channel) -> any ServerChildChannel)?

    /// The port edgewatch listens on unless told otherwise.
    public static let defaultPort = 8787

    public init(
        host: String = "127.0.0.1", port: Int = HTTPServerSettings.defaultPort, idleTimeout: Duration? = nil, maximumConnections: Int = 4096,
        tls: TLSConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.tls = tls
    }

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(host, port: port),
            serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maximumConnections)
        )
    }

    /// HTTP/1.1, inside TLS when configured. Throws only for a TLS configuration that
    /// ``TLSFiles/configuration()`` did not build (it checks the files at start-up).
    public func serverBuilder() throws -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [FirstRequestDeadline(limit: .nanoseconds(firstRequestTimeout.nanoseconds))],
            idleTimeout: idleTimeout.map { .nanoseconds($0.nanoseconds) }
        )
        let builder: HTTPServerBuilder
        if idleTimeout == nil, let channel = http1Channel {
            builder = HTTPServerBuilder { responder in
                channel(HTTP1Channel(responder: responder, configuration: http1))
            }
        } else {
            builder = .http1(configuration: http1)
        }
        guard let tls else { return builder }
        return try .tls(builder, tlsConfiguration: tls)
    }

    /// The HTTP application serving `router` with these settings on `loops`; `onRunning` gets the
    /// bound port.
    public func application(
        router: Router<JSONRouter.Context>, loops: EventLoops, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> Application<RouterResponder<JSONRouter.Context>> {
        let port = self.port
        return Application(
            router: router,
            server: try serverBuilder(),
            configuration: applicationConfiguration,
            onServerRunning: { await onRunning($0.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(loops.group),
            logger: logger
        )
    }
}
