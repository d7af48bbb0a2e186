/// The faults the simulated CRM injects. Each is drawn per request with its own probability,
/// like Envoy's fault filter (not per connection, as toxiproxy does).
public struct FaultPlan: Codable, Sendable, Equatable {
    /// Extra delay of `milliseconds` ± `jitterMilliseconds`, uniformly.
    public struct Latency: Codable, Sendable, Equatable {
        public var probability: Double
        public var milliseconds: Int
        public var jitterMilliseconds: Int
        public init(probability: Double, milliseconds: Int, jitterMilliseconds: Int) {
            self.probability = probability
            self.milliseconds = milliseconds
            self.jitterMilliseconds = jitterMilliseconds
        }
    }

    /// An error status instead of an answer (503 by default; 429, 401, 500 … also work).
    public struct ErrorStatus: Codable, Sendable, Equatable {
        public var probability: Double
        public var status: Int
        public init(probability: Double, status: Int) {
            self.probability = probability
            self.status = status
        }
    }

    /// Never answer (until `seconds` have passed), so the client's deadline fires.
    public struct Hang: Codable, Sendable, Equatable {
        public var probability: Double
        public var seconds: Int
        public init(probability: Double, seconds: Int) {
            self.probability = probability
            self.seconds = seconds
        }
    }

    /// A 200 whose body is cut off mid-JSON.
    public struct Malformed: Codable, Sendable, Equatable {
        public var probability: Double
        public init(probability: Double) { self.probability = probability }
    }

    /// A 200 whose head comes at once and whose body then comes one byte every `intervalMilliseconds`,
    /// so only a deadline over the whole exchange (not just the head) stops the wait.
    public struct Trickle: Codable, Sendable, Equatable {
        public var probability: Double
        public var intervalMilliseconds: Int
        public init(probability: Double, intervalMilliseconds: Int) {
            self.probability = probability
            self.intervalMilliseconds = intervalMilliseconds
        }
    }

    /// 429 Too Many Requests with `Retry-After: retryAfterSeconds`, as a CRM's rate limiter answers.
    public struct RateLimit: Codable, Sendable, Equatable {
        public var probability: Double
        public var retryAfterSeconds: Int
        public init(probability: Double, retryAfterSeconds: Int) {
            self.probability = probability
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var latency: Latency?
    public var error: ErrorStatus?
    public var rateLimit: RateLimit?
    public var hang: Hang?
    public var malformed: Malformed?
    public var trickle: Trickle?
    /// The listener is closed: connections are refused. Not drawn per request: it is on or off.
    public var down: Bool

    public init(
        latency: Latency? = nil, error: ErrorStatus? = nil, rateLimit: RateLimit? = nil, hang: Hang? = nil,
        malformed: Malformed? = nil, trickle: Trickle? = nil, down: Bool = false
    ) {
        self.latency = latency
        self.error = error
        self.rateLimit = rateLimit
        self.hang = hang
        self.malformed = malformed
        self.trickle = trickle
        self.down = down
    }

    public static let none = FaultPlan()

    enum CodingKeys: String, CodingKey { case latency, error, rateLimit, hang, malformed, trickle, down }

    /// Every key may be left out: `{"hang": {...}}` is a plan with only a hang.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            latency: try c.decodeIfPresent(Latency.self, forKey: .latency),
            error: try c.decodeIfPresent(ErrorStatus.self, forKey: .error),
            rateLimit: try c.decodeIfPresent(RateLimit.self, forKey: .rateLimit),
            hang: try c.decodeIfPresent(Hang.self, forKey: .hang),
            malformed: try c.decodeIfPresent(Malformed.self, forKey: .malformed),
            trickle: try c.decodeIfPresent(Trickle.self, forKey: .trickle),
            down: try c.decodeIfPresent(Bool.self, forKey: .down) ?? false
        )
    }

    public var isEmpty: Bool { self == .none }

    /// Short labels of the active faults, e.g. `["CRM 503 50%", "CRM +800ms±200"]`.
    public var labels: [String] {
        var labels: [String] = []
        if down { labels.append("CRM DOWN") }
        if let error { labels.append("CRM \(error.status) \(Self.percent(error.probability))") }
        if let rateLimit { labels.append("CRM 429 RETRY \(rateLimit.retryAfterSeconds)s \(Self.percent(rateLimit.probability))") }
        if let latency { labels.append("CRM +\(latency.milliseconds)ms±\(latency.jitterMilliseconds) \(Self.percent(latency.probability))") }
        if let hang { labels.append("CRM HANG \(Self.percent(hang.probability))") }
        if let malformed { labels.append("CRM BAD JSON \(Self.percent(malformed.probability))") }
        if let trickle { labels.append("CRM TRICKLE \(trickle.intervalMilliseconds)ms/B \(Self.percent(trickle.probability))") }
        return labels
    }

    static func percent(_ probability: Double) -> String { "\(Int((probability * 100).rounded()))%" }

    /// A problem with the plan, or nil when it can be used.
    public var problem: String? {
        for (name, probability) in [
            ("latency", latency?.probability), ("error", error?.probability), ("rateLimit", rateLimit?.probability),
            ("hang", hang?.probability), ("malformed", malformed?.probability), ("trickle", trickle?.probability),
        ] {
            if let probability, !(0...1).contains(probability) {
                return "\(name).probability must be between 0 and 1"
            }
        }
        if let error, !(400...599).contains(error.status) { return "error.status must be a 4xx or 5xx code" }
        if let latency, !(0...60_000).contains(latency.milliseconds) || !(0...60_000).contains(latency.jitterMilliseconds) {
            return "latency.milliseconds and latency.jitterMilliseconds must each be 0...60000"
        }
        if let rateLimit, !(1...3600).contains(rateLimit.retryAfterSeconds) { return "rateLimit.retryAfterSeconds must be 1...3600" }
        if let hang, !(1...300).contains(hang.seconds) { return "hang.seconds must be 1...300" }
        if let trickle, !(1...10_000).contains(trickle.intervalMilliseconds) { return "trickle.intervalMilliseconds must be 1...10000" }
        return nil
    }

    /// What to do with one request, drawn with `rng`.
    public func decide(using rng: inout some RandomNumberGenerator) -> FaultAction {
        var delay = 0
        if let latency, Double.random(in: 0..<1, using: &rng) < latency.probability {
            // Both are bounded by `problem`; clamped again so a plan built in code cannot overflow.
            let base = min(max(0, latency.milliseconds), 60_000)
            let jitter = min(max(0, latency.jitterMilliseconds), 60_000)
            delay = max(0, base + (jitter > 0 ? Int.random(in: -jitter...jitter, using: &rng) : 0))
        }
        if let hang, Double.random(in: 0..<1, using: &rng) < hang.probability {
            return FaultAction(delayMilliseconds: delay, reply: .hang(seconds: hang.seconds))
        }
        if let rateLimit, Double.random(in: 0..<1, using: &rng) < rateLimit.probability {
            return FaultAction(delayMilliseconds: delay, reply: .rateLimited(retryAfterSeconds: min(max(1, rateLimit.retryAfterSeconds), 3600)))
        }
        if let error, Double.random(in: 0..<1, using: &rng) < error.probability {
            return FaultAction(delayMilliseconds: delay, reply: .status(error.status))
        }
        if let malformed, Double.random(in: 0..<1, using: &rng) < malformed.probability {
            return FaultAction(delayMilliseconds: delay, reply: .malformed)
        }
        if let trickle, Double.random(in: 0..<1, using: &rng) < trickle.probability {
            return FaultAction(delayMilliseconds: delay, reply: .trickle(intervalMilliseconds: min(max(1, trickle.intervalMilliseconds), 10_000)))
        }
        return FaultAction(delayMilliseconds: delay, reply: .normal)
    }
}

/// The outcome of drawing a ``FaultPlan`` for one request.
public struct FaultAction: Sendable, Equatable {
    public enum Reply: Sendable, Equatable {
        case normal
        case status(Int)
        /// 429 with `Retry-After`.
        case rateLimited(retryAfterSeconds: Int)
        case malformed
        case hang(seconds: Int)
        /// The normal answer, one byte at a time.
        case trickle(intervalMilliseconds: Int)
    }

    public var delayMilliseconds: Int
    public var reply: Reply
}
