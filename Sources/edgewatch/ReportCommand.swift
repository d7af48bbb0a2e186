import ArgumentParser
import Foundation
import MetricsEngine

/// `edgewatch report FILE`: the dashboard's figures and alert states, computed from a recording.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compute the dashboard's figures and alert states from a recording (JSON Lines)."
    )

    @Argument(help: "A JSON Lines file of metric events, or - for stdin.")
    var file: String

    @OptionGroup var metrics: MetricsOptions

    @Option(help: ArgumentHelp("Report as of this time: ISO 8601, epoch ms, or +OFFSET from the first event (default: the last event).", valueName: "TIME"))
    var at: String?

    @Option(help: "text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let recording = try RecordingInput.load(file)
        let until = try at.map { try RecordingInput.time($0, recording: recording) } ?? recording.lastMillis!
        // Outside the recording the engine knows nothing: no figures, not an empty "OK".
        guard (recording.firstMillis!...recording.lastMillis!).contains(until) else {
            throw ValidationError("--at \(TextReport.timestamp(until)) is outside the recording: it runs from \(TextReport.timestamp(recording.firstMillis!)) to \(TextReport.timestamp(recording.lastMillis!)) (+\(RecordingInput.offset(recording.lastMillis! - recording.firstMillis!)))")
        }
        var monitor = try metrics.monitor()
        guard let snapshot = recording.play(into: &monitor, untilMillis: until) else { throw ExitCode.failure }
        switch format {
        case .text:
            print(TextReport.render(snapshot, title: "edgewatch report \(file) at \(TextReport.timestamp(until))"))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
        }
    }
}
