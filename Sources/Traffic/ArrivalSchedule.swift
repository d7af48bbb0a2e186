import Foundation

/// Open-model arrivals: Poisson at the intended rate, never waiting for earlier responses.
public struct ArrivalSchedule: Sendable {
    /// Seconds until the next arrival at `rate` per second (exponential inter-arrival time).
    public static func gap(rate: Double, using rng: inout some RandomNumberGenerator) -> Double {
        guard rate > 0 else { return .infinity }
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        return -log(u) / rate
    }
}

/// How the total rate is split over colos by default: busier in the big European and US hubs.
public enum ColoMix {
    public static let defaultColos = ["LHR", "FRA", "IAD", "SJC", "SIN", "NRT", "SYD", "GRU"]
    static let weights: [String: Double] = ["LHR": 1.6, "FRA": 1.2, "IAD": 1.6, "SJC": 1.2, "SIN": 0.9, "NRT": 0.8, "SYD": 0.5, "GRU": 0.4]

    /// Per-colo rates summing to `total`.
    public static func rates(total: Double, colos: [String]) -> [String: Double] {
        let weight = colos.map { weights[$0] ?? 1 }
        let sum = weight.reduce(0, +)
        return Dictionary(uniqueKeysWithValues: zip(colos, weight.map { total * $0 / sum }))
    }
}
