import LookupCore

/// Adds each colo's simulated network distance to its CRM calls, so colos far from the CRM
/// show higher miss latency, as they would in the field. The delay comes before the call.
public struct NetworkDistance: CustomerDirectory {
    public let base: any CustomerDirectory
    /// Extra milliseconds per colo.
    public let millis: [Colo: Int]

    public init(base: any CustomerDirectory, millis: [Colo: Int]) {
        self.base = base
        self.millis = millis
    }

    /// The demo's distances to a CRM with regional endpoints (as the large SaaS CRMs have), the
    /// nearest one from each colo: round trips in ms.
    public static let demo: [Colo: Int] = [
        Colo("LHR")!: 3, Colo("FRA")!: 6, Colo("IAD")!: 12, Colo("SJC")!: 18,
        Colo("SIN")!: 25, Colo("NRT")!: 30, Colo("SYD")!: 40, Colo("GRU")!: 35,
    ]

    /// Parses `SIN=80` entries.
    public static func parse(_ entries: [String]) throws(ConfigurationError) -> [Colo: Int] {
        var millis: [Colo: Int] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let colo = Colo(parts[0]), let value = Int(parts[1]), (0...10_000).contains(value) else {
                throw ConfigurationError("colo distance \"\(entry)\" must look like SIN=80 (milliseconds, 0–10000)")
            }
            millis[colo] = value
        }
        return millis
    }

    public func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
        if let delay = millis[colo], delay > 0 {
            try? await Task.sleep(for: .milliseconds(delay))
        }
        return await base.lookUp(key, from: colo)
    }
}
