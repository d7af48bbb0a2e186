import MetricsEngine

/// What the screen takes in once a tick, whatever feeds it. It goes through
/// ``DashboardState/receive(_:)``; nothing else writes the screen's figures.
public struct DashboardInput: Sendable, Equatable {
    /// The snapshot the engine's ticker last published.
    public var snapshot: MetricsSnapshot
    /// The colo shown up close, step by step, when one was asked for (nil when none was, or
    /// when the engine has nothing for it).
    public var detail: ColoDetail?
    /// The colo up close has been asked for but its figures have not come yet (a feed that reads
    /// them over a network): the screen keeps waiting rather than say there are none.
    public var detailPending = false
    /// The lookup listener's port, or the ingest port in watch mode.
    public var port: Int?
    /// Where events are posted (watch), said while none come.
    public var ingestURL: String?
    /// Cache entries per colo, for the flush question.
    public var cacheEntries: [String: Int] = [:]
    /// How all cache hits split between colos' own writes and replicas, and each colo's split.
    public var kvSplit: KVSplit?
    public var cacheSplits: [String: KVSplit] = [:]
    /// The synthetic callers' rate, and the arrivals late or dropped so far.
    public var traffic: TrafficFigures?
    /// The CRM faults in force, as labels (nil when this process has no simulator).
    public var faults: [String]?
    /// A replay's position, speed and whether it is paused or at its end.
    public var playback: PlaybackStatus?
    /// The connection to another edgewatch, for a feed that reads one (nil in the process itself).
    public var link: LinkStatus?
    /// The engine's own history (an attached server's, on connecting and reconnecting), oldest
    /// first: the seconds the screen did not see are taken in, so it shows the whole window at once.
    public var engineHistory: [HistoryPoint] = []
    /// The longest window the feed can show (what an attached server keeps); nil for any.
    public var windowLimit: Int?
    /// Why alerts are not reaching Alertmanager, while they are not (nil when they are, or when
    /// this process sends none).
    public var pagingFailure: String?
    /// The recording (`--record`), when this process keeps one.
    public var recording: RecordingStatus?

    public init(snapshot: MetricsSnapshot) {
        self.snapshot = snapshot
    }
}

/// A feed's connection to the edgewatch it reads: up, or lost for a while and being retried.
public struct LinkStatus: Sendable, Equatable {
    /// Where the feed reads from, as shown (no credentials).
    public var url: String
    /// How long the connection has been lost (ms of the feed's own clock); nil while it is up.
    public var downMillis: Int64?
    /// Why the last try failed, in a few words.
    public var problem: String?

    public init(url: String, downMillis: Int64? = nil, problem: String? = nil) {
        self.url = url
        self.downMillis = downMillis
        self.problem = problem
    }

    public var isDown: Bool { downMillis != nil }
}

/// The process's recording, as the header shows it.
public struct RecordingStatus: Sendable, Equatable {
    /// Why recording fails now (a full or read-only disk); nil while it works.
    public var failure: String?
    /// Events dropped from the recording so far (never from the engine).
    public var dropped: Int

    public init(failure: String?, dropped: Int) {
        self.failure = failure
        self.dropped = dropped
    }
}

/// The synthetic callers, as the header shows them.
public struct TrafficFigures: Sendable, Equatable {
    public var rate: Double
    public var late: Int
    public var dropped: Int

    public init(rate: Double, late: Int, dropped: Int) {
        self.rate = rate
        self.late = late
        self.dropped = dropped
    }
}

/// Where the screen's figures come from: the process itself, or another edgewatch. The console
/// asks once a tick, and at once for a colo just opened up close.
public protocol DashboardFeed: Sendable {
    /// What the process behind the feed can do: the keys the screen offers.
    var capabilities: Capabilities { get }
    /// The latest input, with `detailColo` (the colo shown up close) step by step. Returns at
    /// once with what the feed has: a feed that waits on a network keeps its own last answer.
    func input(detailColo: String?) -> DashboardInput
}

/// What carries out the screen's effects (flush, faults, window, dumps, the player), off the
/// screen loop; each answer comes back through ``DashboardState/receive(_:)-(EffectResult)``.
public protocol DashboardActions: Sendable {
    /// Carries out `effect`; `screen` is the screen's text, for a dump. Nil when nothing came of it.
    func perform(_ effect: Effect, screen: String?) async -> EffectResult?
}
