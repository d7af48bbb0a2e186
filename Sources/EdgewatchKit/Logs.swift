import Foundation
import Logging
import Synchronization

/// Where logs go: standard error for `serve` and the other headless commands, a file for the
/// dashboards (nothing may write to the terminal behind ncurses). One line an entry, the message
/// first, then its metadata: `2026-12-07T10:24:11Z notice alert 10:24:11 IAD … value=41.5`.
public enum Logs {
    /// A stderr logger at `level` (unknown levels fall back to info).
    public static func make(label: String, level: String) -> Logger {
        logger(label: label, level: level, sink: .standardError)
    }

    /// A logger appending to `path` (see ``LogSink/file(path:)`` for its bound).
    public static func file(label: String, path: String, level: String) -> LogFile {
        let sink = LogSink.file(path: path)
        return LogFile(path: path, logger: logger(label: label, level: level, sink: sink), sink: sink)
    }

    private static func logger(label: String, level: String, sink: LogSink) -> Logger {
        var logger = Logger(label: label) { _ in LineLogHandler(sink: sink) }
        logger.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .info
        return logger
    }

    /// Dashboards' log files in the temporary folder kept at most, newest first (a dashboard
    /// run without `--log-file` leaves one behind).
    public static let keptLogFiles = 20

    /// A new log file for a dashboard, `$TMPDIR/edgewatch-<pid>.log`, after removing all but the
    /// newest ``keptLogFiles`` such files left by earlier runs.
    public static func dashboardFile(folder: URL = FileManager.default.temporaryDirectory) -> String {
        let path = folder.appendingPathComponent("edgewatch-\(getpid()).log").path
        prune(folder: folder, keeping: keptLogFiles - 1, except: path)
        return path
    }

    /// Removes the oldest `edgewatch-*.log` (and rotated `.log.1`) files in `folder` past `keeping`.
    /// Returns how many it removed.
    @discardableResult
    public static func prune(folder: URL, keeping: Int, except path: String) -> Int {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { return 0 }
        let logs = names.filter { $0.hasPrefix("edgewatch-") && $0.hasSuffix(".log") }
            .map { folder.appendingPathComponent($0).path }
            .filter { $0 != path }
            .compactMap { file -> (String, Date)? in
                guard let attributes = try? manager.attributesOfItem(atPath: file), attributes[.type] as? FileAttributeType == .typeRegular else { return nil }
                return (file, attributes[.modificationDate] as? Date ?? .distantPast)
            }
            .sorted { $0.1 > $1.1 }
        var removed = 0
        for (file, _) in logs.dropFirst(max(0, keeping)) {
            if (try? manager.removeItem(atPath: file)) != nil { removed += 1 }
            try? manager.removeItem(atPath: file + ".1")
        }
        return removed
    }

}

/// A dashboard's log file: its logger, and where it is.
public struct LogFile: Sendable {
    public let path: String
    public let logger: Logger
    let sink: LogSink

    /// Says where the logs went, once the terminal is restored, and how many lines could not be
    /// written (a full disk), if any.
    public func sayWhere() {
        let lost = sink.lost.load(ordering: .relaxed)
        StandardError.write("edgewatch: logs are in \(path)" + (lost > 0 ? " (\(lost) lines could not be written)" : "") + "\n")
    }
}

/// Where ``LineLogHandler`` writes.
final class LogSink: Sendable {
    private enum Target {
        case standardError
        case file(path: String, handle: FileHandle?, written: Int)
    }

    private let target: Mutex<Target>
    /// Lines that could not be written (a full disk, a removed folder).
    let lost = Atomic<Int>(0)
    /// A file is moved to `.1` (replacing the one before) past this size, so a run keeps at most
    /// twice this much log.
    static let maximumFileBytes = 8 << 20

    private init(_ target: Target) { self.target = Mutex(target) }

    static let standardError = LogSink(.standardError)

    static func file(path: String) -> LogSink {
        let (handle, size) = open(path)
        return LogSink(.file(path: path, handle: handle, written: size))
    }

    private static func open(_ path: String) -> (FileHandle?, Int) {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)
        let size = (try? handle?.seekToEnd()).map { Int($0 ?? 0) } ?? 0
        return (handle, size)
    }

    func write(_ line: String) {
        let data = Data(line.utf8)
        let ok = target.withLock { target -> Bool in
            switch target {
            case .standardError:
                return (try? FileHandle.standardError.write(contentsOf: data)) != nil
            case .file(let path, var handle, var written):
                if written + data.count > Self.maximumFileBytes {
                    try? handle?.close()
                    try? FileManager.default.removeItem(atPath: path + ".1")
                    try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
                    (handle, written) = Self.open(path)
                }
                let ok = (try? handle?.write(contentsOf: data)) != nil
                if ok { written += data.count }
                target = .file(path: path, handle: handle, written: written)
                return ok
            }
        }
        if !ok { lost.add(1, ordering: .relaxed) }
    }
}

/// A swift-log handler writing one line an entry: time, level, message, then metadata.
struct LineLogHandler: LogHandler {
    let sink: LogSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601)
        sink.write("\(time) \(event.level) \(event.message)\(extra)\n")
    }
}

/// Standard error that never traps: a closed or full stderr loses the message, nothing more.
public enum StandardError {
    public static func write(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}
