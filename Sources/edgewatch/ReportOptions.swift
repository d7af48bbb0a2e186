import AccessControl
import ArgumentParser
import Foundation
import Logging
import MetricsServer

/// `serve --report-to`: forward this instance's events to the edgewatch whose console watches
/// the fleet.
struct ReportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Forward this instance's metric events to another edgewatch: its /ingest URL, or its base URL (http or https).", valueName: "URL"))
    var reportTo: String?

    @Option(help: ArgumentHelp("File holding the token the receiver's /ingest takes (its INGEST_TOKEN). [env: REPORT_TOKEN]", valueName: "FILE"))
    var reportTokenFile: String?

    @Option(help: ArgumentHelp("This instance's name on the receiving console: 1 to 64 printable ASCII characters. (default: hostname:port)", valueName: "ID"))
    var instanceId: String?

    func validate() throws {
        _ = try ingestURL()
        _ = try authorization()
        if let instanceId, !Self.isPlainID(instanceId) {
            throw ValidationError("--instance-id must be 1 to 64 printable ASCII characters, got \(instanceId.count) characters")
        }
        if reportTo == nil, reportTokenFile != nil || instanceId != nil {
            throw ValidationError("--report-token-file and --instance-id only mean something with --report-to")
        }
    }

    /// The receiver's ingest URL: `/ingest` is added to a base URL.
    func ingestURL() throws -> String? {
        guard let reportTo else { return nil }
        guard let components = URLComponents(string: reportTo), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
              components.user == nil, components.password == nil, reportTo.utf8.count <= 2048
        else {
            throw ValidationError("--report-to must be an http:// or https:// URL with a host and no user or password (a token goes in --report-token-file), got \(reportTo.prefix(80))")
        }
        var url = components
        if url.path.isEmpty || url.path == "/" { url.path = "/ingest" }
        return url.string ?? reportTo
    }

    /// `Bearer <token>` from REPORT_TOKEN or --report-token-file, when either is set.
    func authorization() throws -> String? {
        do {
            let secret = try SecretText.read(variable: "REPORT_TOKEN", fileFlag: "--report-token-file", path: reportTokenFile,
                                             environment: ProcessInfo.processInfo.environment)
            return try secret.map { secret throws(SecretError) in try BearerSecret(parsing: secret.text, source: secret.source).authorizationHeader }
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The reporter, when `--report-to` is given; its id defaults to hostname:port once the port is known.
    func reporter(port: SharedPort, logger: Logger) throws -> EventReporter? {
        guard let url = try ingestURL() else { return nil }
        let fixed = instanceId
        // The receiver refuses events whose source is not printable ASCII: keep the host name to that.
        let host = String(String.UnicodeScalarView(ProcessInfo.processInfo.hostName.unicodeScalars.filter { (0x21...0x7E).contains($0.value) }))
        let settings = EventReporter.Settings(url: url, authorization: try authorization()) {
            fixed ?? String("\(host):\(port.port ?? 0)".prefix(64))
        }
        return EventReporter(settings: settings, logger: logger)
    }

    static func isPlainID(_ text: String) -> Bool {
        let bytes = text.utf8
        return !bytes.isEmpty && bytes.count <= 64 && bytes.allSatisfy { (0x20...0x7E).contains($0) }
    }
}
