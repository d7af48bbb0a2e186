/// A circuit breaker on the CRM, as a pure state machine: it is told each call's outcome and the
/// time, and answers whether a new call may start. Nothing here sleeps or reads a clock.
///
/// - closed: calls go through. It opens after `consecutiveFailures` failures in a row, or when at
///   least `minimumCalls` calls ended in the last `windowMillis` and `failureRatio` of them failed.
/// - open: no calls for `cooldownMillis`; then the next request becomes the probe (half-open).
/// - half-open: one probe at a time. Its success closes the breaker; its failure reopens it.
public struct CRMGuard: Sendable {
    public enum State: String, Sendable, Codable, Equatable {
        case closed
        case open
        case halfOpen = "half-open"
    }

    public struct Policy: Sendable, Equatable {
        public var consecutiveFailures: Int
        public var failureRatio: Double
        public var minimumCalls: Int
        public var windowMillis: Int64
        public var cooldownMillis: Int64

        public init(consecutiveFailures: Int = 5, failureRatio: Double = 0.5, minimumCalls: Int = 20, windowMillis: Int64 = 10_000, cooldownMillis: Int64 = 5_000) {
            self.consecutiveFailures = max(1, consecutiveFailures)
            self.failureRatio = failureRatio
            self.minimumCalls = max(1, minimumCalls)
            self.windowMillis = max(1, windowMillis)
            self.cooldownMillis = max(1, cooldownMillis)
        }
    }

    /// What the guard says about a new call.
    public enum Decision: Sendable, Equatable {
        case call
        /// This call is the half-open probe: report its outcome like any other.
        case probe
        case reject
    }

    public let policy: Policy
    public private(set) var state: State = .closed
    /// When the current state began (monotonic milliseconds).
    public private(set) var since: Int64
    /// Bumped on every change of state. A call reports with the generation it started in, and
    /// reports from an earlier one are ignored: a call that hung since before the breaker opened
    /// must not reopen it after a successful probe.
    public private(set) var generation = 0
    private var failuresInARow = 0
    private var probing = false
    /// Outcomes in the current window, by second: (second, calls, failures). At most window/1 s + 1 entries.
    private var recent: [(second: Int64, calls: Int, failures: Int)] = []
    /// State changes, for logs: (from, to, at). Callers drain it with ``takeChanges()``.
    private var changes: [(from: State, to: State, at: Int64)] = []

    public init(policy: Policy = Policy(), now: Int64 = 0) {
        self.policy = policy
        self.since = now
    }

    /// Whether a new CRM call may start at `now`. Moves open → half-open once the cooldown is over.
    public mutating func decide(now: Int64) -> Decision {
        switch state {
        case .closed:
            return .call
        case .open:
            guard now - since >= policy.cooldownMillis else { return .reject }
            move(to: .halfOpen, now: now)
            probing = true
            return .probe
        case .halfOpen:
            guard !probing else { return .reject }
            probing = true
            return .probe
        }
    }

    /// Reports a finished call that started in `generation` (nil: the current one). `probe` is
    /// true for the call that ``decide(now:)`` made the probe.
    public mutating func record(success: Bool, probe: Bool = false, generation: Int? = nil, now: Int64) {
        if probe { probing = false }
        guard (generation ?? self.generation) == self.generation else { return }
        count(success: success, now: now)
        switch state {
        case .halfOpen where probe:
            move(to: success ? .closed : .open, now: now)
        case .closed:
            if tripped(now: now) { move(to: .open, now: now) }
        default:
            // Calls that started before the breaker opened may still end; they change nothing.
            break
        }
    }

    /// State changes since the last call, oldest first.
    public mutating func takeChanges() -> [(from: State, to: State, at: Int64)] {
        defer { changes = [] }
        return changes
    }

    private mutating func count(success: Bool, now: Int64) {
        failuresInARow = success ? 0 : failuresInARow + 1
        let second = now / 1000
        recent.removeAll { $0.second <= second - policy.windowMillis / 1000 }
        if let last = recent.indices.last, recent[last].second == second {
            recent[last].calls += 1
            recent[last].failures += success ? 0 : 1
        } else {
            recent.append((second, 1, success ? 0 : 1))
        }
    }

    private func tripped(now: Int64) -> Bool {
        if failuresInARow >= policy.consecutiveFailures { return true }
        let calls = recent.reduce(0) { $0 + $1.calls }
        let failures = recent.reduce(0) { $0 + $1.failures }
        return calls >= policy.minimumCalls && Double(failures) >= policy.failureRatio * Double(calls)
    }

    private mutating func move(to next: State, now: Int64) {
        guard next != state else { return }
        changes.append((state, next, now))
        // Callers take the changes after every call; the bound only guards a caller that does not.
        if changes.count > 64 { changes.removeFirst(changes.count - 64) }
        state = next
        since = now
        generation += 1
        recent = []
        failuresInARow = 0
    }
}
