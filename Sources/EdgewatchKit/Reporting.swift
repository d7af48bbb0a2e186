#if canImport(Glibc)
import Glibc
#endif
import MetricsServer

/// Forwarding this process's events to another edgewatch (`serve --report-to`).
public struct ReporterConfiguration: Sendable {
    /// The receiver's `/ingest` URL.
    public var url: String
    /// `Bearer <token>`, when the receiver's `/ingest` takes one.
    public var authorization: String?
    /// This instance's name on the receiving console; nil for `hostname:port`.
    public var instanceId: String?

    public init(url: String, authorization: String?, instanceId: String?) {
        self.url = url
        self.authorization = authorization
        self.instanceId = instanceId
    }

    /// The reporter's settings; the id defaults to hostname:port once the port is known.
    func settings(port: SharedPort) -> EventReporter.Settings {
        let fixed = instanceId
        let host = Self.hostName()
        return EventReporter.Settings(url: url, authorization: authorization) {
            fixed ?? String("\(host):\(port.port ?? 0)".prefix(64))
        }
    }

    /// This machine's name from `gethostname` (no DNS lookup), kept to printable ASCII: the
    /// receiver refuses a source that is not.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "edgewatch" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }.filter { (0x21...0x7E).contains($0) }, as: UTF8.self)
        return name.isEmpty ? "edgewatch" : String(name.prefix(48))
    }
}
