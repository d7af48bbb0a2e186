import ArgumentParser
import Foundation
import MetricsEngine
import MetricsServer

/// `edgewatch report FILE|DIR`: the dashboard's figures and alert states, computed from a
/// recording: a file, or a recording folder (`--record DIR`) over any range of it.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compute the dashboard's figures and alert states from a recording (a JSON Lines file, or a --record folder)."
    )

    @Argument(help: "A recording: a JSON Lines file, - for stdin, or a folder written by --record.")
    var file: String

    @OptionGroup var metrics: MetricsOptions

    @Option(help: ArgumentHelp("Report as of this time: ISO 8601, epoch ms, or +OFFSET from the first event (default: --to).", valueName: "TIME"))
    var at: String?

    @Option(help: ArgumentHelp("List state changes from this time (default: a folder's two windows and pending period before --at; a file's start).", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("The end of the range (default: the last event).", valueName: "TIME"))
    var to: String?

    @Option(help: "text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument { case text, json }

    func run() throws {
        let (snapshot, title) = RecordingInput.isFolder(file) ? try folderReport() : try fileReport()
        switch format {
        case .text:
            print(TextReport.render(snapshot, title: title))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
        }
    }

    /// A file played from its start (or `--from`), as before folders.
    private func fileReport() throws -> (MetricsSnapshot, String) {
        let recording = try RecordingInput.load(file)
        let first = recording.firstMillis!, last = recording.lastMillis!
        let end = try to.map { try RecordingInput.time($0, recording: recording, flag: "--to") } ?? last
        let until = try at.map { try RecordingInput.time($0, recording: recording) } ?? end
        // Outside the recording the engine knows nothing: no figures, not an empty "OK".
        guard (first...last).contains(until) else {
            throw ValidationError("--at \(TextReport.timestamp(until)) is outside the recording: it runs from \(TextReport.timestamp(first)) to \(TextReport.timestamp(last)) (+\(RecordingInput.offset(last - first)))")
        }
        try Self.order(from: first, at: until, to: end)
        let monitor = try metrics.monitor()
        guard let start = try from.map({ try RecordingInput.time($0, recording: recording, flag: "--from") }) else {
            var played = monitor
            guard let snapshot = recording.play(into: &played, untilMillis: until) else { throw ExitCode.failure }
            return (snapshot, "edgewatch report \(file) at \(TextReport.timestamp(until))")
        }
        try Self.order(from: start, at: until, to: end)
        let lead = RecordedView.leadMillis(for: monitor)
        let range = Recording(events: recording.events.filter { $0.timestamp >= start - lead && $0.timestamp <= until })
        guard let snapshot = RecordedView.play(range, at: until, from: start, like: monitor) else {
            throw ValidationError("nothing was recorded from \(TextReport.timestamp(start - lead)) to \(TextReport.timestamp(until))")
        }
        return (snapshot, "edgewatch report \(file) at \(TextReport.timestamp(until)) (state changes from \(TextReport.timestamp(start)))")
    }

    /// A recording folder: only the segments the range needs are read.
    private func folderReport() throws -> (MetricsSnapshot, String) {
        let (folder, span) = try RecordingInput.folder(file)
        let asked = try to.map { try RecordingInput.time($0, first: span.lowerBound, flag: "--to") }
        let until = try at.map { try RecordingInput.time($0, first: span.lowerBound, flag: "--at") } ?? asked ?? span.upperBound
        // After the last event is a gap like any other (NO DATA), up to now.
        let end = asked ?? max(until, span.upperBound)
        let monitor = try metrics.monitor()
        let lead = RecordedView.leadMillis(for: monitor)
        let start = try from.map { try RecordingInput.time($0, first: span.lowerBound, flag: "--from") } ?? until - lead
        try Self.order(from: start, at: until, to: end)
        guard until >= span.lowerBound else {
            throw ValidationError("--at \(TextReport.timestamp(until)) is before the recording: it starts at \(TextReport.timestamp(span.lowerBound))")
        }
        let view: RecordedView.View
        do {
            // Without --from, the view's own default (as a rewound console's): the same answer.
            guard let found = try RecordedView.view(at: until, from: from == nil ? nil : start, folder: folder, like: monitor) else { throw ExitCode.failure }
            view = found
        } catch let error as RecordingFolder.TooLarge {
            throw ValidationError(error.description + " with --from")
        }
        RecordingInput.warnSkipped(view.recording)
        var title = "edgewatch report \(file) at \(TextReport.timestamp(until)) (state changes from \(TextReport.timestamp(start)))"
        let silence = until - view.lastEvent
        if silence > Int64(monitor.thresholds.noDataAfterSeconds) * 1000 {
            title += "\nNO DATA: nothing recorded from \(TextReport.timestamp(view.lastEvent)) (edgewatch was not recording, or no events came)"
        }
        return (view.snapshot, title)
    }

    static func order(from: Int64, at: Int64, to: Int64) throws {
        guard from <= at, at <= to else {
            throw ValidationError("the times must be in order --from ≤ --at ≤ --to (got \(TextReport.timestamp(from)), \(TextReport.timestamp(at)), \(TextReport.timestamp(to)))")
        }
    }
}
