import ArgumentParser
import EdgewatchKit
import Foundation
import MetricsEngine

/// `edgewatch replay FILE`: a recording driven through the same engine and screen, on a
/// virtual clock. `--text` prints state changes and a final report instead.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recording (a JSON Lines file, - for stdin, or a --record folder) through the dashboard."
    )

    @Argument(help: "A recording: a JSON Lines file, - for stdin, or a folder written by --record.")
    var file: String

    @Option(help: ArgumentHelp("Start here: ISO 8601, epoch ms, or +OFFSET from the first event (default: the first event).", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("Stop here (default: the last event).", valueName: "TIME"))
    var to: String?

    @Option(help: "Playback speed: a factor such as 1, 10, 60, or max.")
    var speed = "1"

    @OptionGroup var metrics: MetricsOptions

    @Flag(help: "Print state changes and a final report instead of opening the dashboard.")
    var text = false

    @OptionGroup(title: "Screen") var screen: ScreenOptions

    static let speeds: ClosedRange<Double> = 0.01...100_000

    func validate() throws {
        guard speed == "max" || (Double(speed).map { $0.isFinite && Self.speeds.contains($0) } ?? false) else {
            throw ValidationError("--speed must be a number from 0.01 to 100000, or max, not \"\(speed)\"")
        }
    }

    func run() async throws {
        if !text { try TerminalCheck.require(command: "replay (or add --text)") }
        let recording = try load()
        if text { try await runText(recording) } else { try await runDashboard(recording) }
    }

    /// The file, or the folder's segments from `--from` to `--to` (only those are read).
    private func load() throws -> Recording {
        let range: (Int64?) throws -> ClosedRange<Int64> = { first in
            let start = try from.map { try RecordingInput.time($0, first: first, flag: "--from") } ?? .min
            let end = try to.map { try RecordingInput.time($0, first: first, flag: "--to") } ?? .max
            guard start <= end else { throw ValidationError("--from must not be after --to") }
            return start...end
        }
        if RecordingInput.isFolder(file) {
            let (folder, span) = try RecordingInput.folder(file)
            let asked = try range(span.lowerBound)
            guard asked.overlaps(span) else {
                throw ValidationError("\(file) holds events from \(TextReport.timestamp(span.lowerBound)) to \(TextReport.timestamp(span.upperBound)), none from --from to --to")
            }
            let recording = try RecordingInput.load(folder, in: max(asked.lowerBound, span.lowerBound)...min(asked.upperBound, span.upperBound))
            guard recording.firstMillis != nil else { throw ValidationError("\(file) holds no events from --from to --to") }
            return recording
        }
        let recording = try RecordingInput.load(file)
        guard from != nil || to != nil else { return recording }
        let asked = try range(recording.firstMillis)
        let kept = Recording(events: recording.events.filter { asked.contains($0.timestamp) })
        guard kept.firstMillis != nil else { throw ValidationError("\(file) holds no events from --from to --to") }
        return kept
    }

    private func runText(_ recording: Recording) async throws {
        // Text output is for pipes and logs, so it runs at full speed whatever --speed says.
        var monitor = try metrics.monitor()
        let final = recording.play(into: &monitor) { snapshot in
            for line in TextReport.describe(snapshot.newTransitions) { print(line) }
            return true
        }
        if let final { print("\n" + TextReport.render(final, title: "edgewatch replay \(file): final state")) }
    }

    private func runDashboard(_ recording: Recording) async throws {
        let log = Logs.file(label: "edgewatch", path: Logs.dashboardFile(), level: "info")
        defer { log.sayWhere() }
        var configuration = StackConfiguration(logger: log.logger)
        configuration.metrics.monitor = try metrics.monitor()
        do {
            configuration.replay = try ReplayConfiguration(recording: recording, name: file, speed: Double(speed))
        } catch {
            throw ValidationError(error.description)
        }
        try await screen.run(configuration, log: log)
    }
}
