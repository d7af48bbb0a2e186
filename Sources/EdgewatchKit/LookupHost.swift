import CRMSimulator
import DemoWorld
import EdgeHTTP
import Foundation
import Logging
import LookupCore
import LookupServer
import Traffic

/// The middleware of a process: the CRM client (or the embedded simulator), the caches, the
/// lookup and its routes.
public struct LookupHost: Sendable {
    public let simulator: CRMSimulator?
    public let directory: HTTPCustomerDirectory
    public let caches: ColoCaches
    public let lookup: CustomerLookup
    public let crmURL: String
    /// The fast path: cached lookups answered on the event loop (with `--fast-path off` it only reads
    /// heads, and every request goes to the routes).
    public let fast: FastLookup

    /// Builds the host on `loops`, putting its events into `events`; starts the embedded
    /// simulator when the configuration asks for it (and says so through `announce`).
    static func make(
        _ configuration: LookupConfiguration, access: AccessPolicy, events: MetricEventStream, loops: EventLoops, logger: Logger,
        announce: (String) -> Void
    ) async throws -> LookupHost {
        var simulator: CRMSimulator?
        let crmURL: String
        switch configuration.crm {
        case .url(let url):
            crmURL = url
        case .simulator(let key):
            let sim = CRMSimulator(host: "127.0.0.1", apiKey: key, eventLoopGroup: loops.group, logger: logger)
            try await sim.start(port: 0)
            simulator = sim
            crmURL = sim.baseURL!
            announce("No CRM configured (--crm-url or CRM_API_BASE): started the embedded CRM simulator at \(crmURL)")
        }
        let directory = HTTPCustomerDirectory(baseURL: crmURL, apiKey: configuration.crmAPIKey, timeout: configuration.crmTimeout, loops: loops, logger: logger)
        let caches = ColoCaches(capacityPerColo: configuration.cacheCapacity, replicationDelayMillis: configuration.replicationDelayMillis)
        let crm: any CustomerDirectory = configuration.distances.isEmpty ? directory : NetworkDistance(base: directory, millis: configuration.distances)
        let clocks = configuration.clocks ?? SystemClocks(loops: loops)
        let lookup = CustomerLookup(settings: configuration.settings, caches: caches, crm: crm, clocks: clocks, sink: events)
        if let warm = configuration.warmUp {
            // The demo starts as a service that has been running does, its regular callers cached.
            let book = CustomerBook()
            let stored = CacheWarmUp.fill(
                caches, settings: configuration.settings, model: warm.model, colos: warm.colos, rate: warm.rate,
                seconds: Int(configuration.settings.foundTTLSeconds), now: clocks.monotonicMillis, record: { book.customer($0) }
            )
            announce("demo: caches warmed with the last \(configuration.settings.foundTTLSeconds) s of \(Int(warm.rate)) callers a second (\(stored) entries)")
        }
        return LookupHost(
            simulator: simulator, directory: directory, caches: caches, lookup: lookup, crmURL: crmURL,
            fast: FastLookup(lookup: lookup, credentials: access.lookup, answering: configuration.fastPath)
        )
    }

    /// Adds `/lookup/customer`, `/health` and `POST /api/flush` to `routes`.
    func addRoutes(to routes: JSONRouter, access: AccessPolicy, logger: Logger) {
        LookupRoutes.add(to: routes, lookup: lookup, access: access)
        FlushRoute.add(to: routes, caches: caches, access: access, logger: logger)
    }

    /// `url` without user name, password, query or fragment (where keys hide), for logs and messages.
    public static func displayed(url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(the configured CRM URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(the configured CRM URL)"
    }

    /// Reclaims expired cache entries while the host runs.
    var janitor: CacheJanitor { CacheJanitor(caches: caches) }

    /// Releases the CRM client and stops the simulator.
    func shutdown() async {
        try? await directory.shutdown()
        await simulator?.stop()
    }
}
