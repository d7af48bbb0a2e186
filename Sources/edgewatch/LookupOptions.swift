import AccessControl
import ArgumentParser
import Foundation
import LookupCore
import DemoWorld
import EdgeHTTP
import EdgewatchKit
import LookupServer

/// Options of the middleware, shared by every command that hosts it.
struct LookupOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port for the lookup API (0 picks a free one).")
    var port = HTTPServerSettings.defaultPort

    @Option(help: ArgumentHelp("This server's colo, used when a request has no X-Edge-Colo header; \(Self.defaults.serverColo) when neither is set. [env: EDGE_COLO]", valueName: "CODE"))
    var colo: String?

    @Option(help: ArgumentHelp("CRM API base, e.g. https://crm.example.com/api/v2. Without it, the embedded CRM simulator is started. [env: CRM_API_BASE]", valueName: "URL"))
    var crmURL: String?

    @Option(help: "CRM call deadline in seconds.")
    var crmTimeout = Double(HTTPCustomerDirectory.defaultTimeout.nanoseconds) / 1e9

    @Option(help: "Seconds a found customer stays cached.")
    var ttlFound = Self.defaults.foundTTLSeconds

    @Option(help: "Seconds a genuine not-found stays cached.")
    var ttlNotFound = Self.defaults.notFoundTTLSeconds

    @Option(help: "Most entries each colo's cache holds (LRU eviction past this).")
    var cacheCapacity = ColoCaches.defaultCapacityPerColo

    @Option(help: ArgumentHelp("How long a found customer is kept as a stale copy after its TTL, served when the CRM fails (0 turns stale serving off).", valueName: "DURATION"))
    var staleIfError = DurationText.text(millis: Self.defaults.staleIfErrorMillis)

    @Option(help: ArgumentHelp("Within this long after the TTL, serve the stale copy at once and refresh it in the background.", valueName: "DURATION"))
    var staleWhileRevalidate = DurationText.text(millis: Self.defaults.staleWhileRevalidateMillis)

    @Option(help: ArgumentHelp("With a stale copy at hand, how long the CRM gets before the caller gets the copy.", valueName: "DURATION"))
    var staleAfter = DurationText.text(millis: Self.defaults.staleAfterMillis)

    @Option(help: "Consecutive CRM failures that open the circuit breaker.")
    var breakerFailures = Self.defaults.breaker.consecutiveFailures

    @Option(help: ArgumentHelp("How long the open breaker makes no CRM calls before one probe.", valueName: "DURATION"))
    var breakerCooldown = DurationText.text(millis: Self.defaults.breaker.cooldownMillis)

    @Option(help: "Most CRM calls in flight; past this, lookups get a stale copy or crm_overloaded at once.")
    var crmConcurrency = Self.defaults.crmConcurrency

    /// The lookup's own defaults: every flag above starts from them.
    static let defaults = LookupSettings()

    @Option(help: ArgumentHelp("Override a tier's queue id, e.g. Enterprise=queue-123 (repeatable).", valueName: "TIER=QUEUE"))
    var tierQueue: [String] = []

    @Option(help: ArgumentHelp("Simulate KV replication between colos with this longest delay, as documented for Cloudflare KV; 0 turns it off. Default: 60s for the dashboard and serve --traffic, off for serve.", valueName: "DURATION"))
    var replicationDelay: String?

    @Option(help: ArgumentHelp("Simulated network distance from a colo to the CRM, added to its CRM calls (repeatable), e.g. SIN=80.", valueName: "COLO=MS"))
    var coloDistance: [String] = []

    @Option(help: "Seconds a connection may send and be sent nothing before the server closes it (default: never). Genesys pools connections; a request still being answered keeps its connection open.")
    var idleTimeout: Double?

    @Option(help: ArgumentHelp("Answer cached lookups and /health on the event loop, in front of the routes: on or off. Off sends every request through the routes (about 40 % of the speed); the answers are the same.", valueName: "on|off"))
    var fastPath: Switch = .on

    @Option(help: ArgumentHelp("File holding the CRM's API key, sent as a bearer token. [env: CRM_API_KEY]", valueName: "FILE"))
    var crmApiKeyFile: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @OptionGroup(title: "Lookup credentials") var access: LookupAccessOptions

    func validate() throws {
        if let colo, Colo(colo) == nil { throw ValidationError("--colo must be \(Colo.rule), not \"\(colo)\"") }
        if let env = ProcessInfo.processInfo.environment["EDGE_COLO"], colo == nil, Colo(env) == nil {
            throw ValidationError("EDGE_COLO must be \(Colo.rule), not \"\(env)\"")
        }
        try InputLimits.number(crmTimeout, in: 0.01...60, flag: "--crm-timeout")
        for (flag, ttl) in [("--ttl-found", ttlFound), ("--ttl-not-found", ttlNotFound)] where !Self.ttlRange.contains(ttl) {
            throw ValidationError("\(flag) must be 1 to \(Self.ttlRange.upperBound) seconds (30 days), not \(ttl)")
        }
        guard Self.cacheCapacityRange.contains(cacheCapacity) else {
            throw ValidationError("--cache-capacity must be 1 to \(Self.cacheCapacityRange.upperBound) entries per colo, not \(cacheCapacity)")
        }
        try InputLimits.port(port, flag: "--port")
        if let idleTimeout { try InputLimits.number(idleTimeout, in: 1...86_400, flag: "--idle-timeout") }
        _ = try InputLimits.logLevel(logLevel)
        _ = try apiKey()
        do { _ = try TierQueueMap.parsing(overrides: tierQueue) } catch { throw ValidationError(error.description) }
        do { _ = try NetworkDistance.parse(coloDistance) } catch { throw ValidationError(error.description) }
        for (flag, text, range, words) in [
            ("--stale-if-error", staleIfError, 0.0...2_592_000_000, "0 to 30d"), ("--stale-while-revalidate", staleWhileRevalidate, 0...86_400_000, "0 to 24h"),
            ("--stale-after", staleAfter, 0...60_000, "0 to 60s"), ("--breaker-cooldown", breakerCooldown, 1...3_600_000, "1ms to 1h"),
        ] {
            guard let millis = DurationText.milliseconds(text), range.contains(millis) else {
                throw ValidationError("\(flag) must be a duration from \(words), such as 30s or 500ms (got \"\(text)\")")
            }
        }
        guard (1...1_000).contains(breakerFailures) else { throw ValidationError("--breaker-failures must be 1 to 1000, not \(breakerFailures)") }
        guard (1...100_000).contains(crmConcurrency) else { throw ValidationError("--crm-concurrency must be 1 to 100000, not \(crmConcurrency)") }
        if let replicationDelay {
            guard let delay = DurationText.milliseconds(replicationDelay), delay <= 3_600_000 else {
                throw ValidationError("--replication-delay must be a duration up to 1h, such as 60s or 0 (got \"\(replicationDelay)\")")
            }
        }
        if let url = resolvedCRMURL, URL(string: url)?.host == nil || !(url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://")) {
            throw ValidationError("the CRM URL \"\(LookupHost.displayed(url: url))\" is not an absolute http(s) URL")
        }
    }

    /// A duration flag already checked by `validate()`.
    static func millis(_ text: String) -> Int64 { Int64(DurationText.milliseconds(text) ?? 0) }

    /// Cache lifetimes: one second to 30 days.
    static let ttlRange: ClosedRange<Int64> = 1...2_592_000
    /// Entries per colo: up to ten million (65 colos of that would be far past any machine).
    static let cacheCapacityRange = 1...10_000_000

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// `--crm-url`, else `CRM_API_BASE`, else nil (use the simulator).
    var resolvedCRMURL: String? {
        (crmURL ?? environment["CRM_API_BASE"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The CRM key from `CRM_API_KEY` or `--crm-api-key-file`; empty when neither is set.
    func apiKey() throws -> String {
        let secret: (text: String, source: String)?
        do {
            secret = try SecretText.read(variable: "CRM_API_KEY", fileFlag: "--crm-api-key-file", path: crmApiKeyFile, environment: environment)
        } catch {
            throw ValidationError(error.description)
        }
        guard let secret else { return "" }
        if secret.text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ValidationError("\(secret.source) holds a control character (a stray newline?); it cannot be sent in a header")
        }
        return secret.text
    }

    var lookupSettings: LookupSettings {
        LookupSettings(
            serverColo: (colo ?? environment["EDGE_COLO"]).flatMap { Colo($0) } ?? Self.defaults.serverColo,
            foundTTLSeconds: ttlFound,
            notFoundTTLSeconds: ttlNotFound,
            queues: (try? TierQueueMap.parsing(overrides: tierQueue)) ?? TierQueueMap(),
            staleIfErrorMillis: Self.millis(staleIfError),
            staleWhileRevalidateMillis: Self.millis(staleWhileRevalidate),
            staleAfterMillis: Self.millis(staleAfter),
            crmConcurrency: crmConcurrency,
            breaker: CRMGuard.Policy(consecutiveFailures: breakerFailures, cooldownMillis: Self.millis(breakerCooldown))
        )
    }

    /// The simulated replication delay: `--replication-delay` when given, else `defaultMillis`.
    func replicationDelayMillis(default defaultMillis: Int64) -> Int64 {
        replicationDelay.flatMap(DurationText.milliseconds).map { Int64($0) } ?? defaultMillis
    }

    var distances: [Colo: Int] { (try? NetworkDistance.parse(coloDistance)) ?? [:] }

    /// The middleware's configuration: the CRM (or, without one, the simulator), the caches and
    /// their replication, and the network distances.
    /// - `replicates`: replication on unless `--replication-delay` says otherwise (the dashboard's
    ///   and `serve --traffic`'s default).
    /// - `demoWorld`: the dashboard's: with the simulator, the demo world's distances to the CRM,
    ///   and `warmUp`'s callers in the caches at start.
    func lookupConfiguration(replicates: Bool, demoWorld: Bool = false, warmUp: TrafficConfiguration? = nil) throws -> LookupConfiguration {
        var configuration = LookupConfiguration(crm: resolvedCRMURL.map { .url($0) } ?? .simulator(requiredKey: nil), settings: lookupSettings)
        configuration.crmAPIKey = try apiKey()
        configuration.crmTimeout = .milliseconds(Int64(crmTimeout * 1000))
        configuration.cacheCapacity = cacheCapacity
        configuration.replicationDelayMillis = replicationDelayMillis(default: replicates ? DemoWorld.replicationMillis : 0)
        let simulated = resolvedCRMURL == nil
        configuration.distances = coloDistance.isEmpty && simulated && demoWorld ? DemoWorld.distances : distances
        configuration.fastPath = fastPath == .on
        if simulated && demoWorld { configuration.warmUp = warmUp }
        return configuration
    }

    /// The listener's settings, with TLS from `security`.
    func serverSettings(security: ListenerSecurityOptions) throws -> HTTPServerSettings {
        // Validated to 1 s...1 day, so the conversion is exact enough and cannot trap.
        HTTPServerSettings(host: host, port: port, idleTimeout: idleTimeout.map { .milliseconds(Int64($0 * 1000)) }, tls: try security.tls())
    }

    /// Who may call which route, from the lookup credentials and `security`'s tokens.
    func accessPolicy(lookup: Credentials, security: ListenerSecurityOptions) throws -> AccessPolicy {
        try security.accessPolicy(lookup: lookup)
    }

    /// The names an operator sets to give `/lookup/customer` a credential.
    static let lookupCredentialNames = "LOOKUP_BASIC_AUTH or LOOKUP_BEARER_TOKEN (or --lookup-basic-auth-file / --lookup-bearer-token-file)"
}

/// A flag's `on` or `off`.
enum Switch: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
