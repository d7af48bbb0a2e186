import EdgewatchKit
import ArgumentParser
import Foundation
import LookupCore
import MetricsEngine
import MetricsServer

/// Reads a recording from a file path, or stdin for `-`, and warns about skipped lines.
enum RecordingInput {
    /// The largest recording read (about ten million events).
    static let maximumBytes = 2 << 30

    static func load(_ path: String) throws -> Recording {
        let data = try InputLimits.read(path, limit: maximumBytes, what: "a recording")
        let recording = Recording(jsonLines: data)
        warnSkipped(recording)
        guard recording.firstMillis != nil else { throw ValidationError("\(path) holds no events") }
        return recording
    }

    /// Says on stderr how many lines were skipped (malformed, or torn by a crash), and the first few.
    static func warnSkipped(_ recording: Recording) {
        guard recording.errorCount > 0 else { return }
        let shown = recording.errors.map(\.description).joined(separator: "; ")
        let more = recording.errorCount > recording.errors.count ? " (and \(recording.errorCount - recording.errors.count) more)" : ""
        StandardError.write("edgewatch: skipped \(recording.errorCount) malformed line(s): \(shown)\(more)\n")
    }

    /// True when `path` is a folder (a recording folder, `--record DIR`), not a file.
    static func isFolder(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return path != "-" && FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }

    /// A recording folder and the first and last events it holds.
    static func folder(_ path: String) throws -> (folder: RecordingFolder, span: ClosedRange<Int64>) {
        let folder = RecordingFolder(path: path)
        guard let span = folder.span() else {
            throw ValidationError("\(path) holds no recording (segment files named like \(RecordingSegment.name(startMillis: 1_796_612_400_000)))")
        }
        return (folder, span)
    }

    /// The events of `folder` from `from` to `to`, with a plain message when the range is too wide.
    static func load(_ folder: RecordingFolder, in range: ClosedRange<Int64>) throws -> Recording {
        let recording: Recording
        do {
            recording = try folder.events(in: range)
        } catch let error as RecordingFolder.TooLarge {
            throw ValidationError(error.description + " with --from and --to")
        }
        warnSkipped(recording)
        return recording
    }

    /// `--at` as epoch milliseconds: ISO 8601, epoch ms, or an offset such as `+90s` from the
    /// first event. Always within the timestamps an event may carry (1970 to 2100).
    static func time(_ text: String, recording: Recording, flag: String = "--at") throws -> Int64 {
        try time(text, first: recording.firstMillis, flag: flag)
    }

    static func time(_ text: String, first: Int64?, flag: String) throws -> Int64 {
        let millis: Int64?
        if text.hasPrefix("+") {
            // DurationText caps at ten years and events at 2100, so the sum cannot overflow.
            let offset = DurationText.milliseconds(String(text.dropFirst()))
            millis = offset.flatMap { offset in first.map { $0 + Int64(offset.rounded()) } }
        } else if let epoch = Int64(text) {
            millis = epoch
        } else {
            millis = ISO8601DateFormatter().date(from: text).flatMap { Int64(exactly: ($0.timeIntervalSince1970 * 1000).rounded()) }
        }
        guard let millis, EventLimits.timestamps.contains(millis) else {
            throw ValidationError("\(flag) must be an ISO 8601 time (2026-11-06T09:02:30Z), epoch milliseconds, or an offset like +90s, between 1970 and 2100")
        }
        return millis
    }

    /// `6m40s`, `1h2m`, `45s`: an offset from the first event, as `--at +…` takes it.
    static func offset(_ millis: Int64) -> String {
        let seconds = max(0, millis / 1000)
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return (h > 0 ? "\(h)h" : "") + (m > 0 ? "\(m)m" : "") + (s > 0 || seconds == 0 ? "\(s)s" : "")
    }
}
