import Console
import Foundation
import Logging
import LookupCore
import MetricsEngine
import MetricsServer
import ServiceLifecycle
import Synchronization

/// The replay's ticker: feeds the recording into the monitor second by second on the virtual
/// clock, ticking the engine each simulated second, so pending periods and hysteresis follow
/// the recording's own time. It obeys the player's controls (pause, seek, speed); a seek back
/// plays the recording again from its start, at full speed, up to the new position. At the end
/// it waits, so the screen can still seek back.
struct Player: Service {
    let recording: Recording
    let monitor: LiveMonitor
    /// A monitor as the replay started with it, to start again from.
    let fresh: MetricsMonitor
    let clock: VirtualClock
    let controls: PlaybackControls
    let logger: Logger

    func run() async throws {
        let start = recording.firstMillis!.floorToSecond - 1000
        var cursor = PlaybackCursor(recording)
        var log = TransitionLog(withClock: true)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let target = controls.takeSeek(now: clock.now) {
                if target < clock.now {
                    clock.set(start)
                    monitor.reset(to: fresh)
                    cursor = PlaybackCursor(recording)
                    controls.reached(position: clock.now, ended: false)
                }
                // Up to the target at full speed, one tick a simulated second, as always.
                var steps = 0
                while clock.now < target, !Task.isCancelled, !Task.isShuttingDownGracefully, let step = cursor.next() {
                    play(step, log: &log)
                    steps += 1
                    if steps % 60 == 0 { await Task.yield() }
                }
                continue
            }
            if controls.isHeld {
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            cursor.drainSeconds = monitor.windowSeconds + 1  // the window may change with + and -
            guard let step = cursor.next() else {
                controls.reached(position: clock.now, ended: true)
                continue
            }
            play(step, log: &log)
            if let seconds = controls.secondDuration {
                await wait(seconds: seconds)
            } else {
                await Task.yield()
            }
        }
    }

    /// Waits a recording second's real time in slices of at most 50 ms, so a key (pause, a seek,
    /// another speed) or a shutdown takes effect at once even at a hundredth of real speed.
    private func wait(seconds: Double) async {
        let clock = ContinuousClock()
        let end = clock.now + .seconds(seconds)
        let version = controls.version
        while clock.now < end, !Task.isCancelled, !Task.isShuttingDownGracefully, controls.version == version {
            try? await Task.sleep(for: min(.milliseconds(50), end - clock.now))
        }
    }

    private func play(_ step: (nowMillis: Int64, events: ArraySlice<MetricEvent>), log: inout TransitionLog) {
        clock.set(step.nowMillis)
        monitor.record(contentsOf: Array(step.events))
        // Evaluate alerts every simulated second, as the live ticker would, whatever the speed.
        log.write(monitor.tick(), to: logger)
        controls.reached(position: step.nowMillis, ended: false)
    }
}

/// A replay's controls: set by the screen's keys (through the effect executor), read by the
/// player; and where the player stands, read by the screen.
final class PlaybackControls: Sendable {
    private struct State {
        var status: PlaybackStatus
        var seekTo: Int64?
        /// Bumped by every command, so a wait in progress ends when a key changes something.
        var version = 0
    }

    private let state: Mutex<State>
    /// Speeds the keys step through: ×2 and ÷2 between these, and past the top, as fast as possible.
    static let speeds: ClosedRange<Double> = 0.125...65_536

    init(first: Int64, last: Int64, speed: Double?) {
        state = Mutex(State(status: PlaybackStatus(firstMillis: first, lastMillis: last, positionMillis: first, speed: speed,
                                                   paused: false, ended: false)))
    }

    var status: PlaybackStatus { state.withLock { $0.status } }

    /// Paused, or at the end with nowhere to go.
    var isHeld: Bool { state.withLock { $0.status.paused || $0.status.ended } }

    /// Real seconds per recording second; nil for as fast as possible.
    var secondDuration: Double? { state.withLock { $0.status.speed.map { 1 / $0 } } }

    var version: Int { state.withLock { $0.version } }

    func apply(_ command: PlaybackCommand) -> PlaybackStatus {
        state.withLock { state in
            state.version &+= 1
            switch command {
            case .togglePause:
                if state.status.ended {
                    // At the end, play means from the start again.
                    state.seekTo = state.status.firstMillis
                    state.status.ended = false
                    state.status.paused = false
                } else {
                    state.status.paused.toggle()
                }
            case .seek(let seconds):
                let from = state.seekTo ?? state.status.positionMillis
                state.seekTo = min(max(from + Int64(seconds) * 1000, state.status.firstMillis), state.status.lastMillis)
                state.status.ended = false
            case .scaleSpeed(let factor):
                let current = state.status.speed ?? Self.speeds.upperBound * 2
                let next = current * factor
                state.status.speed = next > Self.speeds.upperBound ? nil : min(max(next, Self.speeds.lowerBound), Self.speeds.upperBound)
            }
            return state.status
        }
    }

    /// The position asked for by a seek, once (nil when none is waiting).
    func takeSeek(now: Int64) -> Int64? {
        state.withLock { state in
            defer { state.seekTo = nil }
            return state.seekTo
        }
    }

    func reached(position: Int64, ended: Bool) {
        state.withLock {
            $0.status.positionMillis = position
            $0.status.ended = ended
        }
    }
}

/// Time in a replay: set by the player, read by the monitor.
final class VirtualClock: Sendable {
    private let millis: Atomic<Int64>
    init(start: Int64) { millis = Atomic(start) }
    var now: Int64 { millis.load(ordering: .relaxed) }
    func set(_ value: Int64) { millis.store(value, ordering: .relaxed) }
}

extension Int64 {
    var floorToSecond: Int64 { self - ((self % 1000) + 1000) % 1000 }
}
