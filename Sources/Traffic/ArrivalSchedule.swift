import DemoWorld
import Foundation
import LookupCore

/// Open-model arrivals: Poisson at the intended rate, never waiting for earlier responses.
public struct ArrivalSchedule: Sendable {
    /// The longest gap returned: a stream at a rate of zero (or near it) wakes once an hour.
    public static let longestGap = 3_600.0

    /// Seconds until the next arrival at `rate` per second (exponential inter-arrival time),
    /// at most ``longestGap``, so it always converts to a `Duration`.
    public static func gap(rate: Double, using rng: inout some RandomNumberGenerator) -> Double {
        guard rate > 0, rate.isFinite else { return longestGap }
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        return min(-log(u) / rate, longestGap)
    }
}

/// Per-colo rates given as `SIN=20`.
public enum ColoRates {
    /// The highest rate taken, for one colo or all together.
    public static let maximum = 5_000.0

    /// Parses `COLO=RATE` entries: each colo a code from `colos`, each rate 0 (silent) to ``maximum``.
    public static func parse(_ entries: [String], colos: [String]) throws(ConfigurationError) -> [String: Double] {
        var rates: [String: Double] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let colo = Colo(parts[0]), let value = Double(parts[1]), value.isFinite, (0...maximum).contains(value) else {
                throw ConfigurationError("\"\(entry)\" must look like SIN=20 (a colo code and 0 to 5000 per second)")
            }
            guard colos.contains(colo.code) else {
                throw ConfigurationError("\(colo.code) is not one of the colos (\(colos.joined(separator: ",")))")
            }
            rates[colo.code] = value
        }
        return rates
    }
}

/// How the total rate is split over colos: by each colo's weight in the demo world.
public enum ColoMix {
    public static var defaultColos: [String] { DemoWorld.colos }

    /// Per-colo rates summing to `total`.
    public static func rates(total: Double, colos: [String]) -> [String: Double] {
        let weight = colos.map { DemoWorld.weight(of: $0) }
        let sum = weight.reduce(0, +)
        return Dictionary(zip(colos, weight.map { total * $0 / sum }), uniquingKeysWith: +)
    }
}
