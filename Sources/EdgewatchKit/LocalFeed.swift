import CRMSimulator
import Console
import MetricsServer
import LookupCore
import MetricsEngine
import Traffic

/// The console's feed in the process that runs the engine: the snapshot the ticker last
/// published, the colo up close from the engine, and the caches, callers and player beside it.
struct LocalFeed: DashboardFeed {
    let monitor: LiveMonitor
    let caches: ColoCaches?
    let simulator: CRMSimulator?
    let traffic: TrafficDriver?
    let player: PlaybackControls?
    let port: SharedPort
    /// Where events are posted (watch).
    let ingestURL: (@Sendable (Int?) -> String)?
    /// The Alertmanager notifier, when this process pages.
    var notifier: AlertmanagerNotifier? = nil
    /// The recorder, when this process records.
    var recorder: EventRecorder? = nil
    /// Earlier moments can be shown (not in a replay, which has its player).
    var rewinds = false

    var capabilities: Capabilities {
        var can = Capabilities()
        if caches != nil { can.insert(.flush) }
        if simulator != nil { can.insert(.faults) }
        if traffic != nil { can.insert(.traffic) }
        if player != nil { can.insert(.playback) }
        if rewinds { can.insert(.rewind) }
        return can
    }

    func input(detailColo: String?) -> DashboardInput {
        var input = DashboardInput(snapshot: monitor.snapshot)
        input.detail = detailColo.flatMap { monitor.detail(colo: $0) }
        input.port = port.port
        input.ingestURL = ingestURL?(port.port)
        input.faults = simulator?.faults.labels
        input.playback = player?.status
        input.pagingFailure = notifier?.counts.lastFailure
        input.recording = recorder.map { RecordingStatus(failure: $0.counts.failure, dropped: $0.counts.dropped) }
        if let traffic {
            let counts = traffic.stats
            input.traffic = TrafficFigures(rate: traffic.rate, late: counts.late, dropped: counts.dropped)
        }
        if let caches {
            input.cacheEntries = Dictionary(uniqueKeysWithValues: caches.colos.map { ($0.code, caches.entryCount(colo: $0)) })
            let stats = caches.stats
            if stats.hits + stats.replicatedHits > 0 {
                input.kvSplit = KVSplit(ownHits: stats.hits, replicatedHits: stats.replicatedHits, awaitingReplication: stats.awaitingReplication)
            }
            if let colo = detailColo.flatMap(Colo.init), caches.colos.contains(colo) {
                let counts = caches.cache(for: colo).stats
                if counts.hits + counts.replicatedHits > 0 {
                    input.cacheSplits[colo.code] = KVSplit(ownHits: counts.hits, replicatedHits: counts.replicatedHits,
                                                           awaitingReplication: counts.awaitingReplication)
                }
            }
        }
        return input
    }
}
