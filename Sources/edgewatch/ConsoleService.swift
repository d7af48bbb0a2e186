import CRMSimulator
import Console
import CursesTerminal
import Foundation
import LookupCore
import MetricsEngine
import ServiceLifecycle
import Synchronization

/// The dashboard as a service: owns the terminal on the main actor, polls keys, redraws about
/// four times a second from monitor snapshots, and never blocks the server. It never waits on
/// an effect either: flushes and fault changes run on an ``EffectQueue`` and come back as results.
struct ConsoleService: Service {
    let mode: Mode
    let monitor: LiveMonitor
    let executor: EffectExecutor
    let port: SharedPort
    let logFile: String?
    let noColor: Bool
    /// Where events are posted (watch), said on screen while none come.
    var ingestURL: (@Sendable (Int?) -> String)?
    /// A replay's player, whose position the screen shows.
    var player: PlaybackControls?

    func run() async throws {
        try await loop()
    }

    @MainActor
    private func loop() async throws {
        let terminal = try CursesTerminal(noColor: noColor, term: ProcessInfo.processInfo.environment["TERM"] ?? "")
        defer { terminal.close() }
        let effects = EffectQueue(executor: executor)
        defer { effects.close() }
        // Keys for what this process cannot do are not offered (faults need the simulator).
        var can = Capabilities.all(for: mode.kind)
        if executor.caches == nil { can.remove(.flush) }
        if executor.simulator == nil { can.remove(.faults) }
        if executor.traffic == nil { can.remove(.traffic) }
        if executor.player == nil { can.remove(.playback) }
        var state = DashboardState(mode: mode, capabilities: can)
        state.logFile = logFile
        state.playback = player?.status
        state.faults = executor.simulator?.faults.labels ?? []
        state.trafficRate = executor.traffic?.rate
        // Snapshots on a fixed 250 ms schedule (not 250 ms after the last one, which drifts to
        // about 3.6 a second with the key polling in between).
        var nextTick = ContinuousClock.now
        var lastRecorded = 0
        var lastRecordedAt: Int64?
        var rate = 0.0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var dirty = false
            // Effects run off this loop; it only queues them and takes in their results.
            while let key = terminal.nextKey() {
                dirty = true
                for effect in state.handle(key) {
                    if effect == .quit { return }
                    if !effects.submit(effect) { state.refused(effect) }
                }
            }
            // A colo just opened up close is fetched now, not at the next tick.
            if state.needsDetail, let colo = state.detailColo {
                state.apply(detail: monitor.detail(colo: colo))
                dirty = true
            }
            for result in effects.takeResults() {
                dirty = true
                state.receive(result)
            }
            let now = ContinuousClock.now
            if now >= nextTick {
                nextTick = nextTick + .milliseconds(250) > now ? nextTick + .milliseconds(250) : now + .milliseconds(250)
                // The ticker publishes; the screen only reads.
                let snapshot = monitor.snapshot
                // Over two seconds, not one tick: events posted in batches (a reporter's once a second)
                // would read as 0 on three ticks and a spike on the fourth.
                // By the snapshots' own clock (a replay's is virtual), so the count and the time match.
                let elapsed = Double(snapshot.generatedAt - (lastRecordedAt ?? snapshot.generatedAt)) / 1000
                if lastRecordedAt == nil || elapsed < 0 || snapshot.events.recorded < lastRecorded {
                    (lastRecorded, lastRecordedAt) = (snapshot.events.recorded, snapshot.generatedAt)
                } else if elapsed >= 2 {
                    rate = Double(snapshot.events.recorded - lastRecorded) / elapsed
                    (lastRecorded, lastRecordedAt) = (snapshot.events.recorded, snapshot.generatedAt)
                }
                state.port = port.port
                state.ingestURL = ingestURL?(port.port)
                if let player { state.playback = player.status }
                state.cacheEntries = Dictionary(uniqueKeysWithValues: (executor.caches?.colos ?? []).map {
                    ($0.code, executor.caches!.entryCount(colo: $0))
                })
                if let traffic = executor.traffic {
                    let counts = traffic.stats
                    state.trafficRate = traffic.rate
                    state.trafficLate = counts.late
                    state.trafficDropped = counts.dropped
                }
                if let caches = executor.caches {
                    let stats = caches.stats
                    if stats.hits + stats.replicatedHits > 0 {
                        state.kvSplit = KVSplit(ownHits: stats.hits, replicatedHits: stats.replicatedHits,
                                                awaitingReplication: stats.awaitingReplication)
                    }
                    if let colo = state.detailColo.flatMap(Colo.init), caches.colos.contains(colo) {
                        let counts = caches.cache(for: colo).stats
                        if counts.hits + counts.replicatedHits > 0 {
                            state.cacheSplits[colo.code] = KVSplit(ownHits: counts.hits, replicatedHits: counts.replicatedHits,
                                                                   awaitingReplication: counts.awaitingReplication)
                        }
                    }
                }
                state.apply(snapshot, eventsPerSecond: rate)
                if let colo = state.detailColo, !state.paused { state.apply(detail: monitor.detail(colo: colo)) }
                dirty = true
            }
            if dirty {
                let size = terminal.size
                state.screenSize = ScreenSize(width: size.width, height: size.height)
                terminal.draw(DashboardView.render(state, width: size.width, height: size.height))
            }
            try? await Task.sleep(until: min(nextTick, ContinuousClock.now + .milliseconds(30)), clock: .continuous)
        }
    }
}
