import Hummingbird
import Logging
import HummingbirdCore
import NIOCore

/// Listener settings shared by every HTTP server edgewatch runs.
public struct HTTPServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Idle keep-alive connections are kept open this long. Genesys pools connections and reports
    /// "Connection reset" when a server drops one silently, so the default is to never drop them.
    public var idleTimeout: Duration?
    /// Connections accepted at once; past this, new connections wait in the backlog.
    public var maximumConnections: Int

    public init(host: String = "127.0.0.1", port: Int = 8787, idleTimeout: Duration? = nil, maximumConnections: Int = 4096) {
        self.host = host
        self.port = port
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
    }

    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(host, port: port),
            serverName: nil,
            availableConnectionsDelegate: MaximumAvailableConnections(maximumConnections)
        )
    }

    public var serverBuilder: HTTPServerBuilder {
        .http1(configuration: .init(idleTimeout: idleTimeout.map { .nanoseconds($0.nanoseconds) }))
    }

    /// The HTTP application serving `router` with these settings; `onRunning` gets the bound port.
    public func application(
        router: Router<BasicRequestContext>, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<RouterResponder<BasicRequestContext>> {
        let port = self.port
        return Application(
            router: router,
            server: serverBuilder,
            configuration: applicationConfiguration,
            onServerRunning: { await onRunning($0.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
