import ArgumentParser
import Foundation
import MetricsEngine

/// Reads a recording from a file path, or stdin for `-`, and warns about skipped lines.
enum RecordingInput {
    static func load(_ path: String) throws -> Recording {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no such file: \(path)") }
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("cannot read \(path): \(error.localizedDescription)")
            }
        }
        let recording = Recording(jsonLines: data)
        if !recording.errors.isEmpty {
            let shown = recording.errors.prefix(5).map(\.description).joined(separator: "; ")
            let more = recording.errors.count > 5 ? " (and \(recording.errors.count - 5) more)" : ""
            FileHandle.standardError.write(Data("edgewatch: skipped \(recording.errors.count) malformed line(s): \(shown)\(more)\n".utf8))
        }
        guard recording.firstMillis != nil else { throw ValidationError("\(path) holds no events") }
        return recording
    }

    /// `--at` as epoch milliseconds: ISO 8601, epoch ms, or an offset such as `+90s` from the first event.
    static func time(_ text: String, recording: Recording) throws -> Int64 {
        if text.hasPrefix("+"), let offset = DurationText.milliseconds(String(text.dropFirst())) {
            return recording.firstMillis! + Int64(offset)
        }
        if let millis = Int64(text) { return millis }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        throw ValidationError("--at must be an ISO 8601 time (2026-11-06T09:02:30Z), epoch milliseconds, or an offset like +90s")
    }
}
