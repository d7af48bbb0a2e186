import Console
import MetricsServer
import Foundation

/// What keys do when the console is attached to another edgewatch: a flush goes to the server
/// (with the admin token), a window change changes only what this console reads, and a dump is
/// written here. Fault, traffic and player keys are never offered attached.
struct RemoteActions: DashboardActions {
    let feed: RemoteFeed
    let dumpFolder: String

    func perform(_ effect: Effect, screen: String?) async -> EffectResult? {
        switch effect {
        case .flush(let colo):
            do {
                return .flushed(colo: colo, entries: try await feed.engine.flush(colo: colo))
            } catch .refused(401, _) {
                return .failed("flush refused: the server does not take this admin token (ADMIN_TOKEN)")
            } catch .refused(let status, let message?) where status < 500 {
                return .failed("flush refused: " + message)
            } catch {
                return .failed("flush failed: " + error.short)
            }
        case .setWindow(let seconds):
            feed.setWindow(seconds: seconds)
            return .windowSet(seconds: seconds)
        case .dump:
            return ScreenDump.write(screen: screen ?? "", snapshot: feed.snapshot, folder: dumpFolder)
        case .rewind(let time):
            do {
                return .rewound(RewoundView(asked: time, try await feed.engine.rewind(at: time)))
            } catch .refused(let status, let message?) where [404, 422, 503].contains(status) {
                return .rewindFailed(asked: time, reason: message)
            } catch {
                return .rewindFailed(asked: time, reason: "rewind failed: " + error.short)
            }
        case .quit, .toggleFault, .clearFaults, .scaleTraffic, .playback:
            return nil
        }
    }
}

extension RewoundView {
    /// The screen's view of a moment found here or by a server (`/api/rewind`).
    init(asked: Int64, _ found: RewindSource.Found) {
        self.init(asked: asked, snapshot: found.snapshot, fromRecording: found.fromRecording, lastEvent: found.lastEvent)
    }
}
