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
    /// Every request must arrive whole within this of its first byte (``ConnectionEdges/requestTimeout``).
    public var requestTimeout: Duration = .seconds(30)
    /// What the connections' edges did (idle closes, rejected requests, fast-path answers).
    public var counts = ConnectionCounts()
    /// Words the answer to a request NIO's parser rejected (see ``ConnectionEdges/malformed``).
    public var malformedRequest: (@Sendable (_ problem: String, _ path: String?) -> String?)?
    /// Another HTTP/1 child channel built around edgewatch's own (the lookup's fast path puts
    /// itself in front of the codec); nil for edgewatch's own.
    public var http1Channel: (@Sendable (EdgeHTTP1Channel) -> any ServerChildChannel)?

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
        // Hummingbird's own idle timer is not used: it counts only the requests it sees, and
        // would close a connection busy with answers the fast path gave (``ConnectionGuard``
        // times the bytes instead).
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [FirstRequestDeadline(limit: .nanoseconds(firstRequestTimeout.nanoseconds))]
        )
        let edges = {
            var edges = ConnectionEdges(idleTimeout: idleTimeout, counts: counts)
            edges.malformed = malformedRequest
            edges.requestTimeout = requestTimeout
            return edges
        }()
        let wrap = http1Channel
        let builder = HTTPServerBuilder { responder in
            let channel = EdgeHTTP1Channel(base: HTTP1Channel(responder: responder, configuration: http1), edges: edges)
            return wrap?(channel) ?? channel
        }
        guard let tls else { return builder }
        return try .tls(builder, tlsConfiguration: tls)
    }

    /// The HTTP application serving `router` with these settings on `loops`; `onRunning` gets the
    /// bound port.
    public func application(
        router: Router<JSONRouter.Context>, loops: EventLoops, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> Application<RouterResponder<JSONRouter.Context>> {
        try application(router: router, group: loops.group, logger: logger, onRunning: onRunning)
    }

    /// The same on any event loop group (the CRM simulator's, made by whoever runs it).
    public func application(
        router: Router<JSONRouter.Context>, group: any EventLoopGroup, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> Application<RouterResponder<JSONRouter.Context>> {
        let port = self.port
        return Application(
            router: router,
            server: try serverBuilder(),
            configuration: applicationConfiguration,
            onServerRunning: { await onRunning($0.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(group),
            logger: logger
        )
    }
}
