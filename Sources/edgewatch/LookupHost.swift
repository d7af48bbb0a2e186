import Foundation
import CRMSimulator
import Hummingbird
import Logging
import LookupCore
import LookupServer
import ServiceLifecycle

/// Everything the middleware needs, built from options: the CRM client (or the embedded
/// simulator), the caches, the event stream and the HTTP application.
struct LookupHost {
    let simulator: CRMSimulator?
    let directory: HTTPCustomerDirectory
    let caches: ColoCaches
    let events: MetricEventStream
    let lookup: CustomerLookup
    let routes: JSONRouter
    let crmURL: String
    let access: AccessPolicy

    /// Builds the host; starts the embedded simulator when no CRM URL is configured.
    /// `defaultDistances` apply when no `--colo-distance` was given (the demo's, for the dashboard).
    /// `replicationMillis` applies when no `--replication-delay` was given.
    static func make(
        options: LookupOptions, access: AccessPolicy, logger: Logger, defaultDistances: [Colo: Int] = [:], replicationMillis: Int64,
        announce: (String) -> Void
    ) async throws -> LookupHost {
        var simulator: CRMSimulator?
        let crmURL: String
        if let configured = options.resolvedCRMURL {
            crmURL = configured
        } else {
            let sim = CRMSimulator(host: "127.0.0.1", logger: logger)
            try await sim.start(port: 0)
            simulator = sim
            crmURL = sim.baseURL!
            announce("No CRM configured (--crm-url or CRM_API_BASE): started the embedded CRM simulator at \(crmURL)")
        }
        let directory = HTTPCustomerDirectory(
            baseURL: crmURL, apiKey: try options.apiKey(),
            timeout: .milliseconds(Int64(options.crmTimeout * 1000)), logger: logger
        )
        let caches = ColoCaches(
            capacityPerColo: options.cacheCapacity, replicationDelayMillis: options.replicationDelayMillis(default: replicationMillis)
        )
        let distances = options.coloDistance.isEmpty && simulator != nil ? defaultDistances : options.distances
        let crm: any CustomerDirectory = distances.isEmpty ? directory : NetworkDistance(base: directory, millis: distances)
        let events = MetricEventStream()
        let lookup = CustomerLookup(
            settings: options.lookupSettings, caches: caches, crm: crm, clocks: SystemClocks(), sink: events
        )
        let routes = JSONRouter(logger: logger)
        LookupRoutes.add(to: routes, lookup: lookup, access: access)
        return LookupHost(
            simulator: simulator, directory: directory, caches: caches, events: events,
            lookup: lookup, routes: routes, crmURL: crmURL, access: access
        )
    }

    /// The HTTP application serving `routes`; `onRunning` gets the bound port.
    func application(
        settings: HTTPServerSettings, logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void
    ) throws -> some Service {
        var settings = settings
        // Cached lookups answered on the event loop; the same lookup and credentials as the route.
        settings.fastLookup = .init(lookup: lookup, credentials: access.lookup)
        return try settings.application(router: routes.router, logger: logger, onRunning: onRunning)
    }

    /// `url` without any user name or password in it, for logs.
    static func displayed(url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else { return url }
        components.user = nil
        components.password = nil
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
