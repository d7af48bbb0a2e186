import ArgumentParser
import Console
import Foundation
import Logging
import LookupCore
import MetricsEngine
import ServiceLifecycle
import Synchronization

/// `edgewatch replay FILE`: a recording driven through the same engine and screen, on a
/// virtual clock. `--text` prints state changes and a final report instead.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recording (JSON Lines, or - for stdin) through the dashboard."
    )

    @Argument(help: "A JSON Lines file of metric events, or - for stdin.")
    var file: String

    @Option(help: "Playback speed: a factor such as 1, 10, 60, or max.")
    var speed = "1"

    @OptionGroup var metrics: MetricsOptions

    @Flag(help: "Print state changes and a final report instead of opening the dashboard.")
    var text = false

    @Flag(help: "No colours (also set by NO_COLOR).")
    var noColor = false

    @OptionGroup(title: "Screen dumps") var dump: DumpOptions

    static let speeds: ClosedRange<Double> = 0.01...100_000

    func validate() throws {
        guard speed == "max" || (Double(speed).map { $0.isFinite && Self.speeds.contains($0) } ?? false) else {
            throw ValidationError("--speed must be a number from 0.01 to 100000, or max, not \"\(speed)\"")
        }
    }

    /// Real time per simulated second, or nil for as fast as possible (speed validated above).
    var secondDuration: Duration? {
        Double(speed).map { .seconds(1 / $0) }
    }

    func run() async throws {
        if !text { try TerminalCheck.require(command: "replay (or add --text)") }
        let recording = try RecordingInput.load(file)
        if text { try await runText(recording) } else { try await runDashboard(recording) }
    }

    private func runText(_ recording: Recording) async throws {
        // Text output is for pipes and logs, so it runs at full speed whatever --speed says.
        var monitor = try metrics.monitor()
        let final = recording.play(into: &monitor) { snapshot in
            for change in snapshot.newTransitions { print(TextReport.describe(change)) }
            return true
        }
        if let final { print("\n" + TextReport.render(final, title: "edgewatch replay \(file): final state")) }
    }

    private func runDashboard(_ recording: Recording) async throws {
        let clock = VirtualClock(start: recording.firstMillis!.floorToSecond - 1)
        let monitor = LiveMonitor(monitor: try metrics.monitor(), now: { clock.now })
        let logPath = TerminalCheck.defaultLogFile()
        let logger = FileLogHandler.logger(label: "edgewatch", path: logPath, level: "info")
        let console = ConsoleService(
            mode: .replay(file: file), monitor: monitor,
            executor: EffectExecutor(caches: nil, simulator: nil, monitor: monitor, traffic: nil, dumpFolder: dump.folder),
            port: SharedPort(), logFile: logPath, noColor: noColor || ProcessInfo.processInfo.environment["NO_COLOR"] != nil
        )
        let player = Player(recording: recording, monitor: monitor, clock: clock, secondDuration: secondDuration)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: console, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: player, successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await group.run()
    }
}

/// Feeds a recording into the monitor second by second on the virtual clock, ticking the engine
/// each simulated second so pending periods and hysteresis follow the recording's own time.
struct Player: Service {
    let recording: Recording
    let monitor: LiveMonitor
    let clock: VirtualClock
    let secondDuration: Duration?

    func run() async throws {
        var cursor = PlaybackCursor(recording)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            cursor.drainSeconds = monitor.windowSeconds + 1  // the window may change with + and -
            guard let step = cursor.next() else { return }
            clock.set(step.nowMillis)
            monitor.record(contentsOf: Array(step.events))
            // Evaluate alerts every simulated second, as a live monitor would, whatever the speed.
            monitor.tick()
            if let secondDuration { try? await Task.sleep(for: secondDuration) } else { await Task.yield() }
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
