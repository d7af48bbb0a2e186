import AccessControl
import EdgeHTTP
import LookupServer
import Foundation
import Logging
import LookupCore
import MetricsEngine
import MetricsServer
import NIOSSL
import ServiceLifecycle
import Traffic

/// Everything a process runs, as values: what the commands build from their flags and the tests
/// build by hand. ``Stack/start(_:)`` turns it into running parts with one shutdown.
///
/// - `serve`: a listener, the lookup, the metrics, maybe a reporter and callers.
/// - the dashboard: the same, with the demo's callers and a console.
/// - `watch`: a listener and the metrics, with a console (or none, `--headless`).
/// - `replay`: a recording, a player and a console, no listener.
public struct StackConfiguration: Sendable {
    public var logger: Logger
    /// The event loops every server and client of the process runs on.
    public var loopCount: Int = EventLoops.count
    /// The HTTP listener (lookup routes when there is a lookup, metrics routes always); nil for none.
    public var listener: HTTPServerSettings?
    /// Who may call which route.
    public var access: AccessPolicy = .open
    /// The middleware, when this process runs it.
    public var lookup: LookupConfiguration?
    public var metrics = MetricsConfiguration()
    /// Forward this process's events to another edgewatch (`serve --report-to`).
    public var reporter: ReporterConfiguration?
    /// Alert states sent to Alertmanager.
    public var alerting: AlertingConfiguration?
    /// Every event written to a folder (`--record DIR`).
    public var recording: RecordingConfiguration?
    /// Synthetic callers against this process's own listener.
    public var traffic: TrafficConfiguration?
    /// A recording to play instead of a listener.
    public var replay: ReplayConfiguration?
    /// The terminal dashboard, when there is one.
    public var console: ConsoleConfiguration?
    /// SIGTERM and SIGINT shut the process down gracefully (a command's stack; not a test's).
    public var handlesSignals = false

    public init(logger: Logger) {
        self.logger = logger
    }
}

/// The middleware: its settings, its CRM and its caches.
public struct LookupConfiguration: Sendable {
    public enum CRM: Sendable {
        /// A real CRM at this API base.
        case url(String)
        /// The embedded simulator (the demo), answering with the demo world's customers; with a
        /// key, it refuses calls without it, as a real CRM would.
        case simulator(requiredKey: String?)
    }

    public var crm: CRM
    /// What the CRM client sends as its bearer token (empty for none).
    public var crmAPIKey = ""
    /// The CRM client's deadline over the whole exchange.
    public var crmTimeout = HTTPCustomerDirectory.defaultTimeout
    public var settings: LookupSettings
    public var cacheCapacity = ColoCaches.defaultCapacityPerColo
    /// Simulated KV replication between colos (0: none).
    public var replicationDelayMillis: Int64 = 0
    /// Simulated distance from each colo to the CRM, added to its calls.
    public var distances: [Colo: Int] = [:]
    /// Cached lookups answered on the event loop (`--fast-path`); off, every request goes to the routes.
    public var fastPath = true
    /// The lookup's clocks; nil for the system's, with timers on the process's loops.
    public var clocks: (any LookupClocks)?
    /// Fill the caches at start as the demo's callers would have (the dashboard's demo).
    public var warmUp: TrafficConfiguration?

    public init(crm: CRM, settings: LookupSettings) {
        self.crm = crm
        self.settings = settings
    }
}

/// The metrics engine and what feeds and reads it.
public struct MetricsConfiguration: Sendable {
    public var monitor = MetricsMonitor()
    /// The bounded queue between lookups or `/ingest` and the engine.
    public var eventCapacity = MetricEventStream.defaultCapacity
    /// Drain the queue into the engine (off only in tests that read the queue themselves).
    public var pump = true
    /// Advance alert states four times a second and log their changes (the process's one ticker).
    public var ticker = true
    /// Events go to the engine and the Prometheus export, and the engine's figures are served
    /// (`/api/*`); off for `edgewatch record`, which only writes events to disk.
    public var engine = true

    public init() {}
}

/// The synthetic callers.
public struct TrafficConfiguration: Sendable {
    public var rate: Double
    public var colos: [String]
    public var model = CallerModel()
    public var coloRates: [String: Double] = [:]
    /// What each lookup sends as `Authorization`, when the lookup requires one.
    public var authorization: String?

    public init(rate: Double, colos: [String]) {
        self.rate = rate
        self.colos = colos
    }
}

/// A recording played through the engine and the screen on a virtual clock.
public struct ReplayConfiguration: Sendable {
    /// A recording with at least one event.
    public let recording: Recording
    /// Its first and last events' times.
    public let first: Int64, last: Int64
    /// Its name on screen.
    public var name: String
    /// Recording seconds per real second; nil for as fast as possible.
    public var speed: Double?

    /// Refuses a recording without events: there is nothing to play.
    public init(recording: Recording, name: String, speed: Double?) throws(StartupError) {
        guard let first = recording.firstMillis, let last = recording.lastMillis else {
            throw StartupError(message: "\(name) holds no events to replay")
        }
        self.recording = recording
        self.first = first
        self.last = last
        self.name = name
        self.speed = speed
    }
}

/// The terminal dashboard.
public struct ConsoleConfiguration: Sendable {
    public var logFile: LogFile
    public var noColor = false
    /// Where `w` writes its dumps.
    public var dumpFolder = FileManager.default.currentDirectoryPath

    public init(logFile: LogFile) {
        self.logFile = logFile
    }
}

/// Alerts to Alertmanager (`--alertmanager`).
public struct AlertingConfiguration: Sendable {
    /// Alertmanager base URLs.
    public var urls: [String]
    /// `Bearer <token>`, when Alertmanager sits behind one.
    public var authorization: String?
    /// A silent colo's alert severity, or off.
    public var noData = AlertBook.NoData.warning
    /// Colos whose silence does not page (quiet at night); `ALL` for the whole row.
    public var quietColos: Set<String> = []
    /// Added to every alert as `runbook_url`.
    public var runbookURL: String?
    /// How often alerts that hold are sent again.
    public var resend: Duration = .seconds(30)
    /// How long Alertmanager keeps an alert without hearing of it again (`endsAt`): four resends.
    public var hold: Duration = .seconds(120)
    /// The deadline over each POST's whole exchange.
    public var timeout: Duration = .seconds(5)

    public init(urls: [String], authorization: String?) {
        self.urls = urls
        self.authorization = authorization
    }
}

/// Recording every event to a folder (`--record`).
public struct RecordingConfiguration: Sendable {
    public var settings: EventRecorder.Settings

    public init(folder: String, budget: RecordingBudget = RecordingBudget()) {
        settings = EventRecorder.Settings(folder: folder, budget: budget)
    }
}
