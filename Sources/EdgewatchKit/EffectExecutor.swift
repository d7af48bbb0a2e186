import Foundation
import CRMSimulator
import Console
import FaultCatalog
import LookupCore
import MetricsEngine
import MetricsServer
import Synchronization
import Traffic

/// Carries out what keys ask for, against this process's caches, simulator, monitor, callers and
/// player: the console's local ``DashboardActions``. It never touches the dashboard state: each
/// effect comes back as an ``EffectResult``.
struct EffectExecutor: DashboardActions {
    let caches: ColoCaches?
    let simulator: CRMSimulator?
    let monitor: LiveMonitor
    let traffic: TrafficDriver?
    /// A replay's player controls.
    var player: PlaybackControls?
    /// Where screen dumps go.
    var dumpFolder: String = FileManager.default.currentDirectoryPath
    /// Earlier figures: the engine's kept snapshots, then the recording.
    var rewind: RewindSource?

    /// Runs one effect (not `quit`, which the screen loop handles) and says what came of it.
    func perform(_ effect: Effect, screen: String?) async -> EffectResult? {
        switch effect {
        case .quit:
            return nil
        case .flush(let colo):
            guard let caches else { return nil }
            // OTHER is a real cache too: a name that is no three-letter code must not mean "all".
            let target: Colo? = colo.map { $0 == Colo.other.code ? .other : Colo($0) ?? .other }
            return .flushed(colo: colo, entries: caches.flush(colo: target))
        case .toggleFault(let kind):
            guard let simulator else { return .failed("faults work only with the embedded CRM simulator (no --crm-url)") }
            var plan = simulator.faults
            plan.toggle(kind)
            return await apply(plan, to: simulator, change: "\(kind.rawValue) \(plan.has(kind) ? "on" : "off")")
        case .clearFaults:
            guard let simulator else { return nil }
            return await apply(.none, to: simulator, change: "all faults cleared")
        case .setWindow(let seconds):
            monitor.setWindow(seconds: seconds)
            return .windowSet(seconds: seconds)
        case .dump:
            return ScreenDump.write(screen: screen ?? "", snapshot: monitor.snapshot, folder: dumpFolder)
        case .playback(let command):
            guard let player else { return nil }
            return .playback(player.apply(command))
        case .scaleTraffic(let factor):
            guard let traffic else { return nil }
            traffic.setRate(traffic.rate * factor)
            return .trafficScaled(rate: traffic.rate)
        case .rewind(let time):
            let source = rewind ?? RewindSource(monitor: monitor, folder: nil)
            switch await source.view(at: time) {
            case .success(let found):
                return .rewound(RewoundView(asked: time, found))
            case .failure(let problem):
                return .rewindFailed(asked: time, reason: problem.description)
            }
        }
    }

    private func apply(_ plan: FaultPlan, to simulator: CRMSimulator, change: String) async -> EffectResult {
        do {
            try await simulator.setFaults(plan)
            return .faultsChanged(labels: plan.labels, change: change)
        } catch {
            return .failed("could not change faults: \(error)")
        }
    }
}

/// Effects waiting to run, worked through in order by one task off the screen loop, and their
/// results waiting for the loop. Both sides are bounded; a key pressed while 32 effects are still
/// queued is refused with a notice rather than queued without end.
final class EffectQueue: Sendable {
    static let capacity = 32
    private let pending: AsyncStream<(Effect, String?)>.Continuation
    private let results = Inbox()
    private let worker: Task<Void, Never>
    /// The moment of the last rewind asked for: an older one still queued is passed over (keys
    /// held down must not queue a disk read each).
    private let newestRewind = Inbox.Newest()

    private final class Inbox: Sendable {
        let items = Mutex<[EffectResult]>([])
        final class Newest: Sendable {
            let moment = Mutex<Int64?>(nil)
        }
    }

    init(actions: any DashboardActions) {
        let (stream, continuation) = AsyncStream.makeStream(of: (Effect, String?).self, bufferingPolicy: .bufferingOldest(Self.capacity))
        pending = continuation
        let results = self.results
        let newest = newestRewind
        worker = Task {
            for await (effect, screen) in stream {
                if case .rewind(let moment) = effect, newest.moment.withLock({ $0 }) != moment { continue }
                guard let result = await actions.perform(effect, screen: screen) else { continue }
                results.items.withLock { $0.append(result) }
            }
        }
    }

    /// Queues an effect (with the screen's text, for a dump); returns false when the queue is full.
    func submit(_ effect: Effect, screen: String? = nil) -> Bool {
        if case .rewind(let moment) = effect { newestRewind.moment.withLock { $0 = moment } }
        if case .enqueued = pending.yield((effect, screen)) { return true }
        return false
    }

    /// The results that arrived since the last call, oldest first.
    func takeResults() -> [EffectResult] {
        results.items.withLock { results in
            defer { results = [] }
            return results
        }
    }

    /// Stops the worker; an effect still running is cancelled.
    func close() {
        pending.finish()
        worker.cancel()
    }
}
