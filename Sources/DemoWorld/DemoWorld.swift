import LookupCore

/// The world the demo runs in, in one place: its colos (how busy each is, how far from the
/// nearest CRM endpoint) and its customers (``CustomerBook``). The synthetic callers, the CRM
/// simulator, the demo's network distances and the recorded sample scenarios all take it from
/// here.
public enum DemoWorld {
    /// One colo of the demo.
    public struct Site: Sendable, Equatable {
        public var code: String
        /// Its share of the callers, against the others' (a busy hub is 1.6).
        public var weight: Double
        /// The round trip to the nearest CRM endpoint, in ms.
        public var distanceMillis: Int
    }

    /// The demo's colos: busier in the big European and US hubs; a CRM with regional endpoints
    /// (as the large SaaS CRMs have) a few milliseconds from each.
    public static let sites: [Site] = [
        Site(code: "LHR", weight: 1.6, distanceMillis: 3), Site(code: "FRA", weight: 1.2, distanceMillis: 6),
        Site(code: "IAD", weight: 1.6, distanceMillis: 12), Site(code: "SJC", weight: 1.2, distanceMillis: 18),
        Site(code: "SIN", weight: 0.9, distanceMillis: 25), Site(code: "NRT", weight: 0.8, distanceMillis: 30),
        Site(code: "SYD", weight: 0.7, distanceMillis: 40), Site(code: "GRU", weight: 0.6, distanceMillis: 35),
    ]

    /// The demo's colo codes, in order.
    public static var colos: [String] { sites.map(\.code) }

    /// Each colo's round trip to the CRM.
    public static var distances: [Colo: Int] {
        Dictionary(uniqueKeysWithValues: sites.compactMap { site in Colo(site.code).map { ($0, site.distanceMillis) } })
    }

    /// A colo's share of the callers, against the others'; 1 for a colo the demo does not know.
    public static func weight(of colo: String) -> Double {
        sites.first { $0.code == colo }?.weight ?? 1
    }

    /// Synthetic callers a second, all colos together.
    public static let callersPerSecond = 50.0

    /// The longest simulated KV replication delay between colos (Cloudflare documents up to 60 s).
    public static let replicationMillis: Int64 = 60_000

    /// The six colos the recorded sample scenarios tell their stories in.
    public static let sampleColos = ["LHR", "FRA", "IAD", "SJC", "SIN", "SYD"]

    /// The extra CRM distance of each sample colo in those stories, in ms: they were recorded
    /// with a single CRM in Europe, before the live demo's CRM had regional endpoints (``sites``).
    public static let sampleDistances: [String: Double] = ["LHR": 0, "FRA": 4, "IAD": 12, "SJC": 16, "SIN": 20, "SYD": 22]
}
