import AsyncHTTPClient
import Console
import EdgeHTTP
import Foundation
import Logging
import MetricsEngine
import MetricsServer
import NIOSSL
import ServiceLifecycle

/// `edgewatch attach URL`: the dashboard against another edgewatch (`serve` or `watch`), read
/// over HTTP(S) through its read API. Nothing runs here but the console and its poller.
public struct AttachConfiguration: Sendable {
    /// The server's base URL (`https://host:8443`, or with a path prefix behind a proxy).
    public var url: String
    /// `Bearer <READ_TOKEN>`, when the server has a read token.
    public var readAuthorization: String?
    /// `Bearer <ADMIN_TOKEN>`, for flushes.
    public var adminAuthorization: String?
    /// A private CA, a client certificate: nil for plain HTTP or the system's roots.
    public var tls: TLSConfiguration?
    /// The private CA's file, when `tls` trusts one (to say so when a certificate does not verify).
    public var caFile: String?
    public var timeout: Duration = RemoteEngine.defaultTimeout
    public var console: ConsoleConfiguration
    public var logger: Logger

    public init(url: String, console: ConsoleConfiguration, logger: Logger) {
        self.url = url
        self.console = console
        self.logger = logger
    }
}

/// An attached console's connection to its server: made by ``Attach/connect(_:)``, which reads
/// everything the screen shows first, so a wrong token or certificate is an error before any
/// screen is drawn; then ``run()`` shows the dashboard until it is quit.
public final class Attach: Sendable {
    public let configuration: AttachConfiguration
    let feed: RemoteFeed
    let mode: Mode
    private let loops: EventLoops
    private let client: HTTPClient

    private init(configuration: AttachConfiguration, feed: RemoteFeed, mode: Mode, loops: EventLoops, client: HTTPClient) {
        self.configuration = configuration
        self.feed = feed
        self.mode = mode
        self.loops = loops
        self.client = client
    }

    /// Reads the server's about, snapshot and history. Throws ``AttachError`` with a message
    /// that says what to change (the token, the CA, the URL), with everything released.
    public static func connect(_ configuration: AttachConfiguration) async throws(AttachError) -> Attach {
        let loops = EventLoops(count: 1)
        var clientConfiguration = HTTPClient.Configuration(tlsConfiguration: configuration.tls)
        clientConfiguration.timeout = .init(connect: .seconds(Int64(configuration.timeout.components.seconds)))
        // A refused connection is an answer (the server is down): say so now, not at the deadline.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        // Redirects would carry the token elsewhere.
        clientConfiguration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: loops.group, configuration: clientConfiguration)
        let base = configuration.url.hasSuffix("/") ? String(configuration.url.dropLast()) : configuration.url
        let engine = RemoteEngine(
            base: base, client: client, readAuthorization: configuration.readAuthorization,
            adminAuthorization: configuration.adminAuthorization,
            viewer: String(UInt64.random(in: 0...UInt64.max), radix: 16), timeout: configuration.timeout
        )
        do {
            let about = try await engine.about()
            let first = try await engine.snapshot(window: nil, since: 0)
            let history = try await engine.history()
            let flushOff = about.flushOff ?? (configuration.adminAuthorization == nil ? "no admin token here (set ADMIN_TOKEN or --admin-token-file)" : nil)
            let clocks = SystemClocks()
            let feed = RemoteFeed(engine: engine, capabilities: flushOff == nil ? [.flush, .rewind] : [.rewind], serverWindow: about.windowSeconds,
                                  first: first, history: history, now: { clocks.monotonicMillis }, logger: configuration.logger)
            return Attach(configuration: configuration, feed: feed, mode: .attached(url: base, flushOff: flushOff), loops: loops, client: client)
        } catch {
            try? await client.shutdown()
            await loops.shutdown()
            throw AttachError(error, url: base, hasToken: configuration.readAuthorization != nil, hasCAFile: configuration.caFile != nil)
        }
    }

    /// Shows the dashboard until it is quit or signalled, then releases the connection.
    public func run() async throws {
        let console = ConsoleService(mode: mode, feed: feed, actions: RemoteActions(feed: feed, dumpFolder: configuration.console.dumpFolder),
                                     configuration: configuration.console)
        var group = ServiceGroupConfiguration(services: [
            .init(service: feed),
            .init(service: console, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: configuration.logger)
        group.maximumGracefulShutdownDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            await release()
            throw error
        }
        await release()
    }

    /// The feed alone, for tests that read it without a terminal; ``release()`` after.
    public var dashboardFeed: any DashboardFeed { feed }
    public var dashboardActions: any DashboardActions { RemoteActions(feed: feed, dumpFolder: configuration.console.dumpFolder) }
    public var dashboardMode: Mode { mode }
    /// The poller, for tests that run it without a console.
    public var poller: any Service { feed }

    /// Closes the client and its event loop.
    public func release() async {
        try? await client.shutdown()
        await loops.shutdown()
    }
}

/// Why `attach` could not start, as the message the command prints before exiting 2.
public struct AttachError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ error: RemoteError, url: String, hasToken: Bool, hasCAFile: Bool) {
        switch error {
        case .refused(401, _):
            description = hasToken
                ? "\(url) refused the read token: set READ_TOKEN (or --read-token-file) to the token the server was started with"
                : "\(url) wants a read token: set READ_TOKEN (or --read-token-file) to the server's read token"
        case .refused(429, _):
            description = "\(url) is slowing this address down after wrong tokens: wait a minute, and check READ_TOKEN"
        case .refused(404, _):
            description = "\(url) has no edgewatch read API (/api/about): is it an edgewatch serve or watch, of this version?"
        case .refused(let status, let message):
            description = "\(url) answered HTTP \(status)" + (message.map { ": " + $0 } ?? "")
        case .timedOut(let limit):
            description = "no answer from \(url) within \(limit.components.seconds) s"
        case .tls(.certificate, _) where !hasCAFile:
            description = "TLS: the certificate of \(url) is signed by a CA this machine does not trust: pass --ca-file with the CA that signed it"
        case .tls(.certificate, _):
            description = "TLS: the certificate of \(url) does not verify against --ca-file: signed by another CA, expired, or not yet valid"
        case .tls(.hostname, _):
            description = "TLS: the certificate of \(url) does not name its host: attach with a name the certificate was issued for"
        case .tls(.handshake, let detail):
            description = "TLS handshake with \(url) failed (\(detail.prefix(160))); if the server asks for client certificates (--tls-client-ca), pass --client-cert and --client-key"
        case .unreachable(let why):
            description = "cannot reach \(url): \(why) (is edgewatch running there, on that port?)"
        case .badAnswer(let what):
            description = "\(url) sent \(what)"
        }
    }
}
