import Synchronization

/// Coalesces concurrent cache misses for the same key in the same colo into one CRM call
/// ("single flight"). Genesys can retry a Data Action, and a burst of calls from one caller can
/// arrive together; without this each would reach the CRM.
public final class InFlightLookups: Sendable {
    private let running = Mutex<[String: Task<CRMOutcome, Never>]>([:])
    private let joinedCount = Atomic<Int>(0)

    public init() {}

    /// Lookups that waited on another request's CRM call instead of making their own.
    public var joined: Int { joinedCount.load(ordering: .relaxed) }

    /// Runs `call` for `key`, or waits for the call already running for it. `madeCall` is true
    /// for the request that made the call (the one that should store its result).
    public func outcome(
        for key: String, _ call: @escaping @Sendable () async -> CRMOutcome
    ) async -> (outcome: CRMOutcome, madeCall: Bool) {
        let (task, leader) = running.withLock { running -> (Task<CRMOutcome, Never>, Bool) in
            if let existing = running[key] { return (existing, false) }
            let task = Task { await call() }
            running[key] = task
            return (task, true)
        }
        if !leader { joinedCount.add(1, ordering: .relaxed) }
        let outcome = await task.value
        if leader { running.withLock { _ = $0.removeValue(forKey: key) } }
        return (outcome, leader)
    }
}
