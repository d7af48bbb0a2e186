import Logging
import Synchronization

/// Keeps every log line a logger writes (message and metadata, rendered as the stream handler
/// renders them), up to `limit` lines, so tests can scan what reached the logs.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    private let limit: Int

    public init(limit: Int = 200_000) { self.limit = limit }

    /// A logger at `level` writing here.
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in Handler(capture: self, label: label) }
        logger.logLevel = level
        return logger
    }

    public var all: [String] { lines.withLock { $0 } }

    fileprivate func append(_ line: String) {
        lines.withLock { if $0.count < limit { $0.append(line) } }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(label) [\(event.source)] \(event.message) \(rendered)")
        }
    }
}
