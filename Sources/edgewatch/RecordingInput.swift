import EdgewatchKit
import ArgumentParser
import Foundation
import LookupCore
import MetricsEngine

/// Reads a recording from a file path, or stdin for `-`, and warns about skipped lines.
enum RecordingInput {
    /// The largest recording read (about ten million events).
    static let maximumBytes = 2 << 30

    static func load(_ path: String) throws -> Recording {
        let data = try InputLimits.read(path, limit: maximumBytes, what: "a recording")
        let recording = Recording(jsonLines: data)
        if recording.errorCount > 0 {
            let shown = recording.errors.map(\.description).joined(separator: "; ")
            let more = recording.errorCount > recording.errors.count ? " (and \(recording.errorCount - recording.errors.count) more)" : ""
            StandardError.write("edgewatch: skipped \(recording.errorCount) malformed line(s): \(shown)\(more)\n")
        }
        guard recording.firstMillis != nil else { throw ValidationError("\(path) holds no events") }
        return recording
    }

    /// `--at` as epoch milliseconds: ISO 8601, epoch ms, or an offset such as `+90s` from the
    /// first event. Always within the timestamps an event may carry (1970 to 2100).
    static func time(_ text: String, recording: Recording) throws -> Int64 {
        let millis: Int64?
        if text.hasPrefix("+") {
            // DurationText caps at ten years and events at 2100, so the sum cannot overflow.
            let offset = DurationText.milliseconds(String(text.dropFirst()))
            millis = offset.flatMap { offset in recording.firstMillis.map { $0 + Int64(offset.rounded()) } }
        } else if let epoch = Int64(text) {
            millis = epoch
        } else {
            millis = ISO8601DateFormatter().date(from: text).flatMap { Int64(exactly: ($0.timeIntervalSince1970 * 1000).rounded()) }
        }
        guard let millis, EventLimits.timestamps.contains(millis) else {
            throw ValidationError("--at must be an ISO 8601 time (2026-11-06T09:02:30Z), epoch milliseconds, or an offset like +90s, between 1970 and 2100")
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
