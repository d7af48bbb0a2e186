import AccessControl
import ArgumentParser
import EdgewatchKit
import Foundation
import MetricsEngine

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
        if reportTo == nil, reportTokenFile != nil || instanceId != nil {
            throw ValidationError("--report-token-file and --instance-id only mean something with --report-to")
        }
        _ = try ingestURL()
        _ = try authorization()
        if let instanceId, !EventLimits.isPlainText(instanceId) {
            throw ValidationError("--instance-id must be 1 to \(EventLimits.maximumTextLength) printable ASCII characters, got \(instanceId.count) characters")
        }
    }

    /// The receiver's ingest URL: `/ingest` is added to a base URL.
    func ingestURL() throws -> String? {
        guard let reportTo else { return nil }
        let problem = "--report-to must be an http:// or https:// URL with a host, and no user, password, query or fragment (a token goes in --report-token-file)"
        // The URL is not echoed back: a user, password or query may hold a secret.
        guard var url = InputLimits.httpURL(reportTo) else { throw ValidationError(problem) }
        if url.path.isEmpty || url.path == "/" { url.path = "/ingest" }
        return url.string ?? reportTo
    }

    /// `Bearer <token>` from REPORT_TOKEN or --report-token-file, when either is set.
    func authorization() throws -> String? {
        try BearerOption.authorization(variable: "REPORT_TOKEN", flag: "--report-token-file", path: reportTokenFile)
    }

    /// A token sent in clear text beyond this machine is worth a warning.
    func warnings() -> [String] {
        guard let url = try? ingestURL(), let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
              (try? authorization()) != nil, let host = components.host, !LoopbackHost.contains(host) else { return [] }
        return ["--report-to sends the ingest token in clear text over http:// to \(host); use https:// beyond this machine"]
    }

    /// The reporter's configuration, when `--report-to` is given; its id defaults to hostname:port.
    func configuration() throws -> ReporterConfiguration? {
        guard let url = try ingestURL() else { return nil }
        return ReporterConfiguration(url: url, authorization: try authorization(), instanceId: instanceId)
    }
}
