import Console
import Foundation
import MetricsEngine

/// `w`: the screen as drawn and the snapshot behind it, written to files for a ticket (locally,
/// also when the console is attached to another edgewatch).
enum ScreenDump {
    /// Writes the screen's text and the snapshot as `edgewatch-<UTC time>.txt` and `.json`
    /// (with `-2`, `-3`… when a dump in the same second exists).
    static func write(screen: String, snapshot: MetricsSnapshot, folder dumpFolder: String) -> EffectResult {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        // The wall clock, also in a replay: the name says when the dump was taken.
        let stamp = formatter.string(from: Date())
        let folder = URL(fileURLWithPath: dumpFolder)
        var base = "edgewatch-" + stamp
        var suffix = 1
        func taken(_ base: String) -> Bool {
            [".txt", ".json"].contains { FileManager.default.fileExists(atPath: folder.appendingPathComponent(base + $0).path) }
        }
        while taken(base) {
            guard suffix < 100 else { return .failed("dump not written: 100 dumps this second already in \(dumpFolder)") }
            suffix += 1
            base = "edgewatch-\(stamp)-\(suffix)"
        }
        let text = folder.appendingPathComponent(base + ".txt")
        let json = folder.appendingPathComponent(base + ".json")
        do {
            try (try snapshot.jsonText() + "\n").write(to: json, atomically: true, encoding: .utf8)
        } catch {
            return .failed("dump not written (\(error.localizedDescription)) to \(dumpFolder)")
        }
        do {
            try (screen + "\n").write(to: text, atomically: true, encoding: .utf8)
        } catch {
            try? FileManager.default.removeItem(at: json)
            return .failed("dump not written (\(error.localizedDescription)) to \(dumpFolder)")
        }
        return .dumped(files: [text.path, json.path])
    }

}
