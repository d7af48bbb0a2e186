import AccessControl
import ArgumentParser
import Foundation
import EdgeHTTP
import LookupServer
import NIOSSL

/// Credentials for `/lookup/customer`, from the environment or files, never from a flag's value
/// (flag values show in `ps`). The server checks them; `loadgen` and the synthetic callers send them.
struct LookupAccessOptions: ParsableArguments {
    @Option(help: ArgumentHelp("File holding user:password for Basic Auth on /lookup/customer. [env: LOOKUP_BASIC_AUTH]", valueName: "FILE"))
    var lookupBasicAuthFile: String?

    @Option(help: ArgumentHelp("File holding the bearer token for /lookup/customer (a Genesys User Defined credential). [env: LOOKUP_BEARER_TOKEN]", valueName: "FILE"))
    var lookupBearerTokenFile: String?

    func validate() throws { _ = try secrets() }

    func secrets() throws -> (basic: BasicSecret?, bearer: BearerSecret?) {
        let environment = ProcessInfo.processInfo.environment
        do {
            let basic = try SecretText.read(variable: "LOOKUP_BASIC_AUTH", fileFlag: "--lookup-basic-auth-file", path: lookupBasicAuthFile, environment: environment)
                .map { secret throws(SecretError) in try BasicSecret(parsing: secret.text, source: secret.source) }
            let bearer = try SecretText.read(variable: "LOOKUP_BEARER_TOKEN", fileFlag: "--lookup-bearer-token-file", path: lookupBearerTokenFile, environment: environment)
                .map { secret throws(SecretError) in try BearerSecret(parsing: secret.text, source: secret.source) }
            return (basic, bearer)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The lookup's secrets, read once: what the server checks and what its own callers send.
    struct Loaded {
        let credentials: Credentials
        /// What a client of the lookup sends: the bearer token when there is one, else Basic.
        let authorization: String?
    }

    /// Reads the variables or files once, so the server and its callers cannot see two
    /// different versions of a file that changed between reads.
    func load() throws -> Loaded {
        let secrets = try secrets()
        return Loaded(
            credentials: Credentials(basic: secrets.basic, bearer: secrets.bearer),
            authorization: secrets.bearer?.authorizationHeader ?? secrets.basic?.authorizationHeader
        )
    }
}

/// Protection of a listener: TLS and mutual TLS, the `/ingest` and read tokens, and the
/// refusal to listen beyond loopback without credentials.
struct ListenerSecurityOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PEM certificate chain: serve HTTPS (with --tls-key).", valueName: "FILE"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    @Option(help: ArgumentHelp("PEM CA that client certificates must chain to (mutual TLS; the Genesys regional CA in production).", valueName: "FILE"))
    var tlsClientCa: String?

    @Option(help: ArgumentHelp("File holding the token /ingest requires. [env: INGEST_TOKEN]", valueName: "FILE"))
    var ingestTokenFile: String?

    @Option(help: ArgumentHelp("File holding the token the read routes (/api/*, /metrics) require; attached consoles send it. [env: READ_TOKEN]", valueName: "FILE"))
    var readTokenFile: String?

    @Option(help: ArgumentHelp("File holding the token POST /api/flush requires; without one, nobody can flush remotely. [env: ADMIN_TOKEN]", valueName: "FILE"))
    var adminTokenFile: String?

    @Flag(help: "Listen on a non-loopback address even with no credential on the routes that need one.")
    var allowUnauthenticated = false

    func validate() throws {
        switch (tlsCert, tlsKey) {
        case (.some, nil): throw ValidationError("--tls-cert needs --tls-key")
        case (nil, .some): throw ValidationError("--tls-key needs --tls-cert")
        case (nil, nil) where tlsClientCa != nil: throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key")
        default: break
        }
        _ = try tls()
        _ = try ingestCredentials()
        _ = try readCredentials()
        _ = try adminCredentials()
    }

    var tlsFiles: TLSFiles? {
        guard let tlsCert, let tlsKey else { return nil }
        return TLSFiles(certificate: tlsCert, key: tlsKey, clientCA: tlsClientCa)
    }

    /// The listener's TLS configuration, or nil for plain HTTP.
    func tls() throws -> TLSConfiguration? {
        do { return try tlsFiles?.configuration() } catch { throw ValidationError(error.description) }
    }

    func ingestCredentials() throws -> Credentials { try token(variable: "INGEST_TOKEN", flag: "--ingest-token-file", path: ingestTokenFile) }
    func readCredentials() throws -> Credentials { try token(variable: "READ_TOKEN", flag: "--read-token-file", path: readTokenFile) }
    func adminCredentials() throws -> Credentials { try token(variable: "ADMIN_TOKEN", flag: "--admin-token-file", path: adminTokenFile) }

    /// Each route's credentials from the variables and files, with `lookup` for the lookup.
    func accessPolicy(lookup: Credentials = Credentials()) throws -> AccessPolicy {
        AccessPolicy(lookup: lookup, ingest: try ingestCredentials(), read: try readCredentials(), admin: try adminCredentials())
    }

    private func token(variable: String, flag: String, path: String?) throws -> Credentials {
        Credentials(bearer: try BearerOption.secret(variable: variable, flag: flag, path: path))
    }

    /// What an operator should hear about a listener that starts: open metrics routes beyond
    /// loopback, and credentials that would cross the network in clear text.
    func warnings(host: String, access: AccessPolicy) -> [String] {
        guard !LoopbackHost.contains(host) else { return [] }
        var warnings: [String] = []
        if access.ingest.isOpen {
            warnings.append("/ingest is open to anyone who can reach \(host): set INGEST_TOKEN so only your workers feed the metrics")
        }
        let guarded = !access.lookup.isOpen || !access.ingest.isOpen || !access.read.isOpen || !access.admin.isOpen
        if guarded && tlsFiles == nil {
            warnings.append("credentials are checked but travel in clear text on \(host): add --tls-cert and --tls-key, or terminate TLS in front")
        }
        return warnings
    }

    /// Refuses a non-loopback `host` while a route in `required` has no credential, naming the
    /// variables that would set one, unless `--allow-unauthenticated` was given.
    func requireCredentials(host: String, _ required: [(route: String, credentials: Credentials, variables: String)]) throws {
        guard !LoopbackHost.contains(host), !allowUnauthenticated else { return }
        let open = required.filter { $0.credentials.isOpen }
        guard let first = open.first else { return }
        throw ValidationError(
            "refusing to listen on \(host) with \(first.route) open to anyone: set \(first.variables), "
                + "or pass --allow-unauthenticated if something in front of edgewatch checks callers"
        )
    }
}

/// A bearer token given by a variable or a file flag (never a flag's value): read and checked
/// once, here, for every option group that takes one.
enum BearerOption {
    /// The token from `variable` or the file at `path` (given as `flag`), or nil when neither is
    /// set; a bad one is a usage error naming the variable or flag, never the value.
    static func secret(variable: String, flag: String, path: String?) throws -> BearerSecret? {
        do {
            let secret = try SecretText.read(variable: variable, fileFlag: flag, path: path, environment: ProcessInfo.processInfo.environment)
            return try secret.map { secret throws(SecretError) in try BearerSecret(parsing: secret.text, source: secret.source) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `Bearer <token>` for the token, when one is set.
    static func authorization(variable: String, flag: String, path: String?) throws -> String? {
        try secret(variable: variable, flag: flag, path: path)?.authorizationHeader
    }
}
