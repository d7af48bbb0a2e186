import Console
import EdgeHTTP
import Foundation
import Logging
import LookupCore
import LookupServer
import MetricsEngine
import MetricsServer
import NIOSSL
import ServiceLifecycle
import Synchronization
import Traffic

/// A running edgewatch: the parts a ``StackConfiguration`` asks for, built in one place and
/// run as one service group, with one shutdown. Every command and the tests' stacks start here.
public final class Stack: Sendable {
    public let loops: EventLoops
    public let metrics: MetricsHost
    public let lookup: LookupHost?
    public let reporter: EventReporter?
    public let traffic: TrafficDriver?
    /// The sender of alerts to Alertmanager, with `--alertmanager`.
    public let notifier: AlertmanagerNotifier?
    /// The recorder, with `--record`.
    public let recorder: EventRecorder?
    /// The listener's bound port, when there is a listener.
    public let port: Int?
    /// `http` or `https`.
    public let scheme: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    private let released = Mutex(false)

    /// The monitor everything reads (the ticker's).
    public var monitor: LiveMonitor { metrics.monitor }

    private init(
        loops: EventLoops, metrics: MetricsHost, lookup: LookupHost?, reporter: EventReporter?, traffic: TrafficDriver?, notifier: AlertmanagerNotifier?,
        recorder: EventRecorder?, port: Int?, scheme: String, group: ServiceGroup, task: Task<Void, any Error>
    ) {
        self.loops = loops
        self.metrics = metrics
        self.lookup = lookup
        self.reporter = reporter
        self.notifier = notifier
        self.recorder = recorder
        self.traffic = traffic
        self.port = port
        self.scheme = scheme
        self.group = group
        self.task = task
    }

    /// Builds every part, starts them, and returns once the listener (if any) is listening.
    /// Throws ``StartupError`` when a part cannot start (the port is taken, say), with
    /// everything already started released.
    public static func start(_ configuration: StackConfiguration) async throws -> Stack {
        let logger = configuration.logger
        let loops = EventLoops(count: configuration.loopCount)
        let events = MetricEventStream(capacity: configuration.metrics.eventCapacity)
        var parts = Parts(loops: loops)
        do {
            if let lookup = configuration.lookup {
                parts.lookup = try await LookupHost.make(lookup, access: configuration.access, events: events, loops: loops, logger: logger) {
                    logger.notice("\($0)")
                }
            }
        } catch {
            await parts.release()
            throw StartupError(message: "cannot start the CRM simulator: \(error)")
        }
        // A replay runs on the recording's clock, moved by its player; everything else on the wall's.
        let replayClock = configuration.replay.map { VirtualClock(start: $0.first.floorToSecond - 1000) }
        let wall = SystemClocks()
        let now: @Sendable () -> Int64
        if let replayClock { now = { replayClock.now } } else { now = { wall.epochMillis() } }
        let metrics = MetricsHost(monitor: configuration.metrics.monitor, events: events, calls: parts.lookup?.lookup.calls, caches: parts.lookup?.lookup.caches, now: now)
        let port = SharedPort()
        parts.reporter = configuration.reporter.map { EventReporter(settings: $0.settings(port: port), loops: loops, logger: logger) }
        parts.traffic = configuration.traffic.map { traffic in
            TrafficDriver(rate: traffic.rate, colos: traffic.colos, model: traffic.model, coloRates: traffic.coloRates,
                          authorization: traffic.authorization, tls: configuration.listener?.tls == nil ? nil : Self.selfCallTLS,
                          eventLoopGroup: loops.group)
        }
        // Alerts leave a process that runs its own ticker (not a replay).
        parts.notifier = configuration.replay == nil ? configuration.alerting.map { alerting in
            var settings = AlertmanagerNotifier.Settings(urls: alerting.urls, authorization: alerting.authorization)
            settings.resend = alerting.resend
            settings.timeout = alerting.timeout
            let listener = configuration.listener
            let host = listener?.host ?? "127.0.0.1"
            let scheme = listener?.scheme ?? "http"
            let shown = host.contains(":") ? "[\(host)]" : host
            let hostName = ReporterConfiguration.hostName()
            // The instance is named by the port the listener bound (`--port 0` included), so the
            // book is made once it has.
            let book: @Sendable () -> AlertBook? = {
                guard let listenerPort = listener == nil ? 0 : port.port else { return nil }
                return AlertBook(instance: String("\(hostName):\(listenerPort)".prefix(64)), noData: alerting.noData, quietColos: alerting.quietColos,
                                 runbookURL: alerting.runbookURL, generatorURL: "\(scheme)://\(shown):\(listenerPort)/api/snapshot",
                                 holdMillis: Int64(alerting.hold.components.seconds) * 1_000)
            }
            return AlertmanagerNotifier(settings: settings, book: book, monitor: metrics.monitor, loops: loops, logger: logger)
        } : nil
        let notifier = parts.notifier
        let controls = configuration.replay.map { replay in
            PlaybackControls(first: replay.first, last: replay.last, speed: replay.speed)
        }

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let reporter = parts.reporter {
            // First in, so last to stop: it sends what the pump drained on the way out.
            services.append(.init(service: reporter))
        }
        parts.recorder = configuration.recording.map { EventRecorder(settings: $0.settings, logger: logger) }
        let recorder = parts.recorder
        // Earlier figures: the engine's kept snapshots, then the recording.
        let rewind = RewindSource(monitor: metrics.monitor, folder: configuration.recording.map { RecordingFolder(path: $0.settings.folder) })
        if let recorder {
            // Before the pump, so it stops after it and writes what the pump drained on the way out.
            services.append(.init(service: recorder))
        }
        // The listener joins the group after the pump, so it stops first: what it took in before
        // it stopped is drained by the pump, written by the recorder and sent by the reporter.
        var listening: ServiceGroupConfiguration.ServiceConfiguration?
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let (started, startedSink) = AsyncStream.makeStream(of: Int.self)
        if var listener = configuration.listener {
            let routes = JSONRouter(logger: logger)
            parts.lookup?.addRoutes(to: routes, access: configuration.access, logger: logger)
            let flushOff: String? = parts.lookup == nil ? "this is a watch: the caches are in the instances reporting to it"
                : configuration.access.admin.isOpen ? "the server has no admin token (ADMIN_TOKEN where it runs)" : nil
            if let fast = parts.lookup?.fast { listener.answerOnEventLoop(fast) }
            metrics.addRoutes(to: routes, access: configuration.access, reporter: parts.reporter, notifier: notifier, recorder: recorder,
                              connections: listener.counts, role: parts.lookup == nil ? "watch" : "serve", flushOff: flushOff,
                              readAPI: configuration.metrics.engine, rewind: rewind)
            do {
                let app = try listener.application(router: routes.router, loops: loops, logger: logger) { bound in
                    port.set(bound)
                    portSink.yield(bound)
                    portSink.finish()
                    startedSink.yield(bound)
                    startedSink.finish()
                }
                listening = .init(service: app)
            } catch {
                await parts.release()
                throw StartupError(message: "cannot set up the listener: \(error)")
            }
        } else {
            portSink.finish()
            startedSink.finish()
        }
        if let notifier { services.append(.init(service: notifier)) }
        if configuration.metrics.pump { services.append(.init(service: metrics.pump(reporter: parts.reporter, recorder: recorder, engine: configuration.metrics.engine, loops: loops))) }
        if configuration.metrics.ticker && configuration.metrics.engine && configuration.replay == nil {
            services.append(.init(service: metrics.ticker(logger: logger, gate: configuration.access.gate)))
        }
        if let listening { services.append(listening) }
        if let lookup = parts.lookup { services.append(.init(service: lookup.janitor)) }
        if let traffic = parts.traffic {
            services.append(.init(service: TrafficService(driver: traffic, scheme: configuration.listener?.scheme ?? "http", started: started)))
        }
        if let replay = configuration.replay, let controls, let replayClock {
            let player = Player(recording: replay.recording, monitor: metrics.monitor, fresh: configuration.metrics.monitor,
                                clock: replayClock, controls: controls, logger: logger)
            services.append(.init(service: player, successTerminationBehavior: .ignore))
        }
        if let console = configuration.console {
            let mode: Mode = configuration.replay.map { .replay(file: $0.name) } ?? (parts.lookup != nil ? .live : .watch)
            var ingestURL: (@Sendable (Int?) -> String)?
            if mode == .watch {
                let scheme = configuration.listener?.scheme ?? "http"
                let host = configuration.listener?.host ?? "127.0.0.1"
                let shown = host.contains(":") ? "[\(host)]" : host
                ingestURL = { port in "\(scheme)://\(shown):\(port.map(String.init) ?? "…")/ingest" }
            }
            var feed = LocalFeed(
                monitor: metrics.monitor, caches: parts.lookup?.caches, simulator: parts.lookup?.simulator, traffic: parts.traffic,
                player: controls, port: port, ingestURL: ingestURL
            )
            feed.notifier = notifier
            feed.recorder = recorder
            feed.rewinds = controls == nil
            let actions = EffectExecutor(caches: parts.lookup?.caches, simulator: parts.lookup?.simulator, monitor: metrics.monitor,
                                         traffic: parts.traffic, player: controls, dumpFolder: console.dumpFolder, rewind: rewind)
            services.append(.init(service: ConsoleService(mode: mode, feed: feed, actions: actions, configuration: console),
                                  successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }

        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: configuration.handlesSignals ? [.sigterm, .sigint] : [], logger: logger
        )
        // However a stop starts (a signal, the console quitting, a part failing), what has not
        // finished within the grace is cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            defer {
                portSink.finish()
                startedSink.finish()
            }
            try await group.run()
        }
        var bound: Int?
        if let listener = configuration.listener {
            var iterator = ports.makeAsyncIterator()
            bound = await iterator.next()
            if bound == nil && Task.isCancelled {
                // Whoever started the stack gave up waiting: stop what did start, and say so.
                await group.stop(running: task)
                await parts.release()
                throw CancellationError()
            }
            if bound == nil {
                // The group ended before the listener bound: say why, plainly.
                let failure = await task.result
                await parts.release()
                if case .failure(let error) = failure {
                    throw StartupError(message: StartupError.describe(error, host: listener.host, port: listener.port))
                }
                throw StartupError(message: "the listener on \(listener.host):\(listener.port) stopped before it started")
            }
        }
        return Stack(loops: loops, metrics: metrics, lookup: parts.lookup, reporter: parts.reporter, traffic: parts.traffic, notifier: parts.notifier,
                     recorder: parts.recorder, port: bound, scheme: configuration.listener?.scheme ?? "http", group: group, task: task)
    }

    /// How long a stopping stack waits for its parts before cancelling them: the lookups in
    /// flight finish and then the reporter, last, has its whole send deadline (5 s by default)
    /// for what the pump drained on the way out.
    public static let shutdownGrace: Duration = .seconds(10)

    /// Waits for the stack to stop (the console quits, a signal, a part fails), then releases
    /// everything. Rethrows a part's failure.
    public func wait() async throws {
        let result = await task.result
        await release()
        try result.get()
    }

    /// Stops every part gracefully, cancelling what still runs after ``shutdownGrace``, and releases
    /// everything.
    public func shutdown() async {
        await group.stop(running: task, grace: Self.shutdownGrace)
        await release()
    }

    /// Clients, the simulator and the loops, once.
    private func release() async {
        guard released.withLock({ done in defer { done = true }; return !done }) else { return }
        var parts = Parts(loops: loops)
        parts.lookup = lookup
        parts.traffic = traffic
        await parts.release()
    }

    /// TLS for callers in this process calling its own listener on loopback: the certificate is
    /// the one this process serves, so there is nothing to verify it against.
    public static let selfCallTLS: TLSConfiguration = {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }()

    /// What a stack holds that must be released, in order: callers, clients, simulator, loops.
    private struct Parts {
        let loops: EventLoops
        var lookup: LookupHost?
        var reporter: EventReporter?
        var notifier: AlertmanagerNotifier?
        var recorder: EventRecorder?
        var traffic: TrafficDriver?

        func release() async {
            await traffic?.shutdown()
            await lookup?.shutdown()
            // The reporter's run closes its client; one never run is closed here.
            await reporter?.shutdown()
            await notifier?.shutdown()
            await loops.shutdown()
        }
    }
}

/// Starts the synthetic callers once the listener is up, and stops them at shutdown.
struct TrafficService: Service {
    let driver: TrafficDriver
    /// `http` or `https`, as the listener serves.
    let scheme: String
    let started: AsyncStream<Int>

    func run() async throws {
        var ports = started.makeAsyncIterator()
        guard let port = await ports.next() else { return }
        await cancelWhenGracefulShutdown {
            await driver.run(target: "\(scheme)://127.0.0.1:\(port)")
        }
    }
}
