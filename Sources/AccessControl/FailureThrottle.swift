/// Slows down clients that keep presenting wrong credentials: a leaky bucket per client.
///
/// Each failure adds one unit of debt; debt drains at one unit per ``Policy/drainMillis``. A
/// client whose debt would pass ``Policy/burst`` is throttled until enough has drained; what a
/// throttled client gets is the caller's decision (``wait(for:now:)`` only says how long).
/// Time is passed in, so tests move it by hand.
///
/// The table is bounded: when it is full, clients whose debt has drained are dropped (they are
/// the same as absent), then, if that frees too little, arbitrary clients; those are counted
/// in ``evictions``. Memory is a few dozen bytes per client, at most ``Policy/maximumClients``.
public struct FailureThrottle<Client: Hashable & Sendable>: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Failures allowed back to back before throttling starts.
        public var burst: Int
        /// Milliseconds for one failure's debt to drain: the sustained rate is one per this.
        public var drainMillis: Int64
        /// Most clients remembered at once.
        public var maximumClients: Int

        public init(burst: Int = 10, drainMillis: Int64 = 1000, maximumClients: Int = 16_384) {
            self.burst = max(1, burst)
            self.drainMillis = max(1, drainMillis)
            self.maximumClients = max(8, maximumClients)
        }
    }

    public let policy: Policy
    /// Debt in milliseconds (one failure = `drainMillis`) and when it was last brought up to date.
    private var debts: [Client: (millis: Int64, at: Int64)] = [:]
    /// Clients forgotten while they still had debt, because the table was full.
    public private(set) var evictions = 0

    public init(policy: Policy = Policy()) {
        self.policy = policy
    }

    public var trackedClients: Int { debts.count }

    /// Milliseconds until `client` may fail again unthrottled, or nil when it may now.
    public func wait(for client: Client, now: Int64) -> Int64? {
        let debt = currentDebt(of: client, now: now)
        let allowed = Int64(policy.burst - 1) * policy.drainMillis
        return debt > allowed ? debt - allowed : nil
    }

    /// Records one failed attempt by `client`.
    public mutating func recordFailure(by client: Client, now: Int64) {
        let debt = currentDebt(of: client, now: now)
        if debts[client] == nil && debts.count >= policy.maximumClients { makeRoom(now: now) }
        let ceiling = Int64(policy.burst) * policy.drainMillis
        debts[client] = (min(ceiling, debt + policy.drainMillis), now)
    }

    private func currentDebt(of client: Client, now: Int64) -> Int64 {
        guard let entry = debts[client] else { return 0 }
        // A clock that went backwards drains nothing rather than adding debt.
        return max(0, entry.millis - max(0, now - entry.at))
    }

    /// Drops drained clients; if that frees less than an eighth of the table, drops others too,
    /// so a full table costs one sweep per eighth of its size, not one per failure.
    private mutating func makeRoom(now: Int64) {
        debts = debts.filter { $0.value.millis - max(0, now - $0.value.at) > 0 }
        let target = policy.maximumClients - policy.maximumClients / 8
        guard debts.count > target else { return }
        for client in debts.keys.prefix(debts.count - target) {
            debts[client] = nil
            evictions += 1
        }
    }
}
