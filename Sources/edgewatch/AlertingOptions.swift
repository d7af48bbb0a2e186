import ArgumentParser
import EdgewatchKit
import Foundation
import LookupCore
import MetricsServer

/// `--alertmanager`: send the engine's alert states to Alertmanager.
struct AlertingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Alertmanager base URL to send alerts to (repeatable, e.g. an HA pair): alerts go to <URL>/api/v2/alerts.", valueName: "URL"))
    var alertmanager: [String] = []

    @Option(help: ArgumentHelp("File holding a bearer token for Alertmanager (behind a proxy that wants one). [env: ALERTMANAGER_TOKEN]", valueName: "FILE"))
    var alertmanagerTokenFile: String?

    @Option(help: ArgumentHelp("Added to every alert as its runbook_url annotation.", valueName: "URL"))
    var runbookUrl: String?

    @Option(help: ArgumentHelp("Severity of a silent colo's EdgewatchNoData alert: warning, critical, or off (for every colo).", valueName: "SEVERITY"))
    var noDataAlerts = AlertBook.NoData.warning.rawValue

    @Option(help: ArgumentHelp("A colo whose silence is expected: its NO DATA does not page (repeatable, or comma-separated; ALL for the whole row). For night hours, mute EdgewatchNoData in Alertmanager instead.", valueName: "COLO"))
    var quietColo: [String] = []

    /// `--quiet-colo` as the engine names colos: upper case, ALL for the whole row.
    func quietColos() throws -> Set<String> {
        let names = quietColo.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        guard names.count <= ColoName.maximumColos + 1 else { throw ValidationError("--quiet-colo names at most \(ColoName.maximumColos + 1) colos") }
        for name in names where name.isEmpty || name.utf8.count > ColoName.maximumLength || !name.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            throw ValidationError("--quiet-colo takes colo names of 1 to \(ColoName.maximumLength) printable characters (got \"\(String(String.UnicodeScalarView(name.unicodeScalars.filter { (0x20...0x7E).contains($0.value) }.prefix(24))))\")")
        }
        return Set(names)
    }

    func validate() throws {
        for url in alertmanager { _ = try Self.checked(url, flag: "--alertmanager") }
        // Each Alertmanager has a loop and a book of its own: a few, each once.
        guard alertmanager.count <= Self.maximumAlertmanagers else {
            throw ValidationError("--alertmanager is given \(alertmanager.count) times: at most \(Self.maximumAlertmanagers)")
        }
        let bases = alertmanager.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        guard Set(bases.map { $0.lowercased() }).count == bases.count else {
            throw ValidationError("--alertmanager names the same Alertmanager twice: each would get every alert twice")
        }
        if let runbookUrl { _ = try Self.checked(runbookUrl, flag: "--runbook-url", allowQuery: true) }
        guard AlertBook.NoData(rawValue: noDataAlerts) != nil else {
            throw ValidationError("--no-data-alerts must be warning, critical or off (got \"\(noDataAlerts)\")")
        }
        if alertmanager.isEmpty && (alertmanagerTokenFile != nil || runbookUrl != nil || !quietColo.isEmpty) {
            throw ValidationError("--alertmanager-token-file, --runbook-url and --quiet-colo only mean something with --alertmanager")
        }
        _ = try quietColos()
        _ = try authorization()
    }

    static let maximumAlertmanagers = 8

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
        configuration.quietColos = try quietColos()
        return configuration
    }
}
