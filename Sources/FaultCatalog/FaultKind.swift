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
        case .errors: "503s"
        case .latency: "slow"
        case .timeouts: "hang"
        case .malformed: "bad JSON"
        case .trickle: "trickle"
        case .rateLimited: "429s"
        case .down: "down"
        }
    }

    /// What the key does, for the help overlay and the README.
    public var summary: String {
        switch self {
        case .errors: "CRM errors (503 on 50 % of requests)"
        case .latency: "CRM latency (+800 ms ± 200)"
        case .timeouts: "CRM timeouts (hang past the deadline)"
        case .malformed: "malformed CRM JSON"
        case .trickle: "a CRM that trickles its body (1 byte / 400 ms)"
        case .rateLimited: "CRM rate limiting (429, Retry-After: 5)"
        case .down: "CRM down (connection refused)"
        }
    }
}

extension FaultPlan {
    /// Turns `kind`'s preset on when it is off, and off when it is on. Other faults stay as they are.
    public mutating func toggle(_ kind: FaultKind) {
        let on = !has(kind)
        switch kind {
        case .errors: error = on ? ErrorStatus(probability: 0.5, status: 503) : nil
        case .latency: latency = on ? Latency(probability: 1, milliseconds: 800, jitterMilliseconds: 200) : nil
        case .timeouts: hang = on ? Hang(probability: 1, seconds: 30) : nil
        case .malformed: malformed = on ? Malformed(probability: 1) : nil
        case .trickle: trickle = on ? Trickle(probability: 1, intervalMilliseconds: 400) : nil
        case .rateLimited: rateLimit = on ? RateLimit(probability: 1, retryAfterSeconds: 5) : nil
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
