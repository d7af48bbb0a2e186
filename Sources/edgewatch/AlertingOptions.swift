import ArgumentParser
import EdgewatchKit
import Foundation
import MetricsServer

/// `--alertmanager`: send the engine's alert states to Alertmanager.
struct AlertingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Alertmanager base URL to send alerts to (repeatable, e.g. an HA pair): alerts go to <URL>/api/v2/alerts.", valueName: "URL"))
    var alertmanager: [String] = []

    @Option(help: ArgumentHelp("File holding a bearer token for Alertmanager (behind a proxy that wants one). [env: ALERTMANAGER_TOKEN]", valueName: "FILE"))
    var alertmanagerTokenFile: String?

    @Option(help: ArgumentHelp("Added to every alert as its runbook_url annotation.", valueName: "URL"))
    var runbookUrl: String?

    @Option(help: ArgumentHelp("Severity of a silent colo's EdgewatchNoData alert: warning, critical, or off (for colos quiet at night).", valueName: "SEVERITY"))
    var noDataAlerts = AlertBook.NoData.warning.rawValue

    func validate() throws {
        for url in alertmanager { _ = try Self.checked(url, flag: "--alertmanager") }
        if let runbookUrl { _ = try Self.checked(runbookUrl, flag: "--runbook-url", allowQuery: true) }
        guard AlertBook.NoData(rawValue: noDataAlerts) != nil else {
            throw ValidationError("--no-data-alerts must be warning, critical or off (got \"\(noDataAlerts)\")")
        }
        if alertmanager.isEmpty && (alertmanagerTokenFile != nil || runbookUrl != nil) {
            throw ValidationError("--alertmanager-token-file and --runbook-url only mean something with --alertmanager")
        }
        _ = try authorization()
    }

    /// An http(s) URL with a host and no user or password (never echoed back: it may hold a secret).
    static func checked(_ url: String, flag: String, allowQuery: Bool = false) throws -> String {
        guard InputLimits.httpURL(url, allowQuery: allowQuery) != nil else {
            throw ValidationError("\(flag) must be an http:// or https:// URL with a host, and no user or password" + (allowQuery ? "" : ", query or fragment"))
        }
        return url
    }

    func authorization() throws -> String? {
        try BearerOption.authorization(variable: "ALERTMANAGER_TOKEN", flag: "--alertmanager-token-file", path: alertmanagerTokenFile)
    }

    /// The notifier's configuration, when `--alertmanager` is given.
    func configuration() throws -> AlertingConfiguration? {
        guard !alertmanager.isEmpty else { return nil }
        var configuration = AlertingConfiguration(urls: alertmanager, authorization: try authorization())
        configuration.noData = AlertBook.NoData(rawValue: noDataAlerts) ?? .warning
        configuration.runbookURL = runbookUrl
        return configuration
    }
}
