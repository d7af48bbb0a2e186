import AccessControl
import ArgumentParser
import EdgeHTTP
import EdgewatchKit
import Foundation

/// `edgewatch attach URL`: the dashboard against a running `serve` or `watch`, from anywhere.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Open the dashboard against a running edgewatch serve or watch, over HTTP or HTTPS."
    )

    @Argument(help: ArgumentHelp("The server's base URL: http(s)://host:port, with a path if a proxy mounts it there.", valueName: "URL"))
    var url: String

    @Option(help: ArgumentHelp("File holding the server's read token. [env: READ_TOKEN]", valueName: "FILE"))
    var readTokenFile: String?

    @Option(help: ArgumentHelp("File holding the server's admin token: f and F flush its caches. [env: ADMIN_TOKEN]", valueName: "FILE"))
    var adminTokenFile: String?

    @Option(help: ArgumentHelp("PEM CA the server's certificate must chain to (a private CA; default: the system's roots).", valueName: "FILE"))
    var caFile: String?

    @Option(help: ArgumentHelp("PEM client certificate, for a server with mutual TLS (--tls-client-ca).", valueName: "FILE"))
    var clientCert: String?

    @Option(help: ArgumentHelp("PEM private key of --client-cert.", valueName: "FILE"))
    var clientKey: String?

    @OptionGroup(title: "Screen") var screen: ScreenOptions

    func validate() throws {
        _ = try baseURL()
        let tokens = try tokens()
        _ = try tls()
        if tokens.read != nil || tokens.admin != nil, let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
           let host = components.host, !LoopbackHost.contains(host) {
            throw ValidationError("refusing to send READ_TOKEN or ADMIN_TOKEN in clear text to \(host): use https://, or an SSH tunnel (ssh -L 8787:127.0.0.1:8787 \(host), then attach http://127.0.0.1:8787)")
        }
    }

    /// The URL, checked: http or https, a host, no user, password, query or fragment (never echoed:
    /// they may hold a secret).
    func baseURL() throws -> String {
        let problem = "the URL must be http:// or https:// with a host, and no user, password, query or fragment (tokens go in READ_TOKEN and ADMIN_TOKEN)"
        guard let components = InputLimits.httpURL(url) else { throw ValidationError(problem) }
        if let port = components.port { try InputLimits.port(port, flag: "the URL's port") }
        return url
    }

    /// `Bearer <token>` for the read and admin tokens, when set.
    func tokens() throws -> (read: String?, admin: String?) {
        (try BearerOption.authorization(variable: "READ_TOKEN", flag: "--read-token-file", path: readTokenFile),
         try BearerOption.authorization(variable: "ADMIN_TOKEN", flag: "--admin-token-file", path: adminTokenFile))
    }

    func tls() throws -> ClientTLSFiles? {
        let files = ClientTLSFiles(caFile: caFile, certificate: clientCert, key: clientKey)
        guard files != ClientTLSFiles() else { return nil }
        do { _ = try files.configuration() } catch { throw ValidationError(error.description) }
        return files
    }

    func run() async throws {
        try TerminalCheck.require(command: "attach")
        let log = Logs.file(label: "edgewatch", path: Logs.dashboardFile(), level: "info")
        defer { log.sayWhere() }
        var configuration = AttachConfiguration(url: try baseURL(), console: screen.console(log: log), logger: log.logger)
        (configuration.readAuthorization, configuration.adminAuthorization) = try tokens()
        configuration.tls = try tls()?.configuration()
        configuration.caFile = caFile
        let attach: Attach
        do {
            attach = try await Attach.connect(configuration)
        } catch {
            StandardError.write("edgewatch attach: \(error)\n")
            throw ExitCode(2)
        }
        do {
            try await attach.run()
        } catch {
            StandardError.write("edgewatch attach: \(error)\n")
            throw ExitCode.failure
        }
    }
}
