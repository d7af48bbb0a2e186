/// The faults the dashboard switches with one key each: the key, what the help says, and the
/// preset it turns on. This is the one place a fault kind is described; the console's key map,
/// help and hint line and the effect that changes the simulator all read it from here.
public enum FaultKind: String, CaseIterable, Hashable, Sendable {
    case errors, latency, timeouts, malformed, trickle, rateLimited, down

    /// The dashboard key that toggles it.
    public var key: Character {
        switch self {
        case .errors: "e"
        case .latency: "l"
        case .timeouts: "t"
        case .malformed: "m"
        case .trickle: "b"
        case .rateLimited: "r"
        case .down: "d"
        }
    }

    /// A word or two, for the help overlay's one-line list of faults on a small screen.
    public var name: String {
        switch self {
        case .errors: preset.error.map { "\($0.status)s" } ?? "errors"
        case .latency: "slow"
        case .timeouts: "hang"
        case .malformed: "bad JSON"
        case .trickle: "trickle"
        case .rateLimited: "429s"  // what a rate limit answers, whatever the preset
        case .down: "down"
        }
    }

    /// The fault the key turns on: this is where its numbers live.
    public var preset: FaultPlan {
        switch self {
        case .errors: FaultPlan(error: .init(probability: 0.5, status: 503))
        case .latency: FaultPlan(latency: .init(probability: 1, milliseconds: 800, jitterMilliseconds: 200))
        case .timeouts: FaultPlan(hang: .init(probability: 1, seconds: 30))
        case .malformed: FaultPlan(malformed: .init(probability: 1))
        case .trickle: FaultPlan(trickle: .init(probability: 1, intervalMilliseconds: 400))
        case .rateLimited: FaultPlan(rateLimit: .init(probability: 1, retryAfterSeconds: 5))
        case .down: FaultPlan(down: true)
        }
    }

    /// What the key does, for the help overlay and the README, from its preset.
    public var summary: String {
        let plan = preset
        func share(_ probability: Double) -> String { probability >= 1 ? "" : " on \(FaultPlan.percent(probability).dropLast()) % of requests" }
        switch self {
        case .errors:
            let error = plan.error!
            return "CRM errors (\(error.status)\(share(error.probability)))"
        case .latency:
            let latency = plan.latency!
            return "CRM latency (+\(latency.milliseconds) ms ± \(latency.jitterMilliseconds)\(share(latency.probability)))"
        case .timeouts: return "CRM timeouts (hang past the deadline)"
        case .malformed: return "malformed CRM JSON"
        case .trickle: return "a CRM that trickles its body (1 byte / \(plan.trickle!.intervalMilliseconds) ms)"
        case .rateLimited: return "CRM rate limiting (429, Retry-After: \(plan.rateLimit!.retryAfterSeconds))"
        case .down: return "CRM down (connection refused)"
        }
    }
}

extension FaultPlan {
    /// Turns `kind`'s preset on when it is off, and off when it is on. Other faults stay as they are.
    public mutating func toggle(_ kind: FaultKind) {
        let on = !has(kind)
        let preset = kind.preset
        switch kind {
        case .errors: error = on ? preset.error : nil
        case .latency: latency = on ? preset.latency : nil
        case .timeouts: hang = on ? preset.hang : nil
        case .malformed: malformed = on ? preset.malformed : nil
        case .trickle: trickle = on ? preset.trickle : nil
        case .rateLimited: rateLimit = on ? preset.rateLimit : nil
        case .down: down = on
        }
    }

    /// Whether `kind` is on (at any setting, also one made through `/admin/faults`).
    public func has(_ kind: FaultKind) -> Bool {
        switch kind {
        case .errors: error != nil
        case .latency: latency != nil
        case .timeouts: hang != nil
        case .malformed: malformed != nil
        case .trickle: trickle != nil
        case .rateLimited: rateLimit != nil
        case .down: down
        }
    }
}
