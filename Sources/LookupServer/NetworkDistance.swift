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

    /// Parses `SIN=80` entries.
    public static func parse(_ entries: [String]) throws(ConfigurationError) -> [Colo: Int] {
        var millis: [Colo: Int] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let colo = Colo(parts[0]), let value = Int(parts[1]), (0...10_000).contains(value) else {
                throw ConfigurationError("colo distance \"\(entry)\" must look like SIN=80 (milliseconds, 0–10000; the colo \(Colo.rule))")
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
