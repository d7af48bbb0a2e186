/// The CRM as the lookup sees it: one call per cache miss.
public protocol CustomerDirectory: Sendable {
    func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome
}

/// The clocks a lookup reads, injected so tests control time.
public protocol LookupClocks: Sendable {
    /// Monotonic time in nanoseconds, for latency and cache expiry.
    func monotonicNanos() -> UInt64
    /// Wall-clock time in milliseconds since the Unix epoch, for event timestamps.
    func epochMillis() -> Int64
    /// Returns once the monotonic clock reaches `deadline`, or at once when the task is cancelled.
    func sleep(untilNanos deadline: UInt64) async
    /// Runs `action` once, when the monotonic clock reaches `deadline`, unless cancelled first.
    /// A deadline is set on every CRM call, so this should cost less than a task per deadline.
    func schedule(atNanos deadline: UInt64, _ action: @escaping @Sendable () -> Void) -> any ScheduledAction
}

/// A pending ``LookupClocks/schedule(atNanos:_:)``.
public protocol ScheduledAction: Sendable {
    /// Stops the action if it has not run (it may already be running).
    func cancel()
}

extension LookupClocks {
    public func sleep(untilNanos deadline: UInt64) async {
        let now = monotonicNanos()
        guard deadline > now else { return }
        try? await Task.sleep(nanoseconds: deadline - now)
    }

    /// A task that sleeps until the deadline: right for any clock, but a task and a timer each.
    public func schedule(atNanos deadline: UInt64, _ action: @escaping @Sendable () -> Void) -> any ScheduledAction {
        SleepingAction(task: Task {
            await sleep(untilNanos: deadline)
            if !Task.isCancelled { action() }
        })
    }

    /// Monotonic time in whole milliseconds: the cache's time.
    public var monotonicMillis: Int64 { Int64(monotonicNanos() / 1_000_000) }
}

/// Settings of the lookup itself (the HTTP side has its own).
public struct LookupSettings: Sendable {
    public var serverColo: Colo
    public var foundTTLSeconds: Int64
    public var notFoundTTLSeconds: Int64
    public var queues: TierQueueMap
    /// How long a found customer stays as a stale copy after its TTL (stale-if-error).
    public var staleIfErrorMillis: Int64
    /// Within this long after the TTL, a stale copy is served at once and refreshed behind it.
    public var staleWhileRevalidateMillis: Int64
    /// With a stale copy at hand, the CRM gets this long before the caller gets the copy.
    public var staleAfterMillis: Int64
    /// CRM calls in flight at most (the bulkhead).
    public var crmConcurrency: Int
    public var breaker: CRMGuard.Policy

    public init(
        serverColo: Colo = Colo("DEV")!, foundTTLSeconds: Int64 = 300, notFoundTTLSeconds: Int64 = 60,
        queues: TierQueueMap = TierQueueMap(), staleIfErrorMillis: Int64 = 86_400_000, staleWhileRevalidateMillis: Int64 = 30_000,
        staleAfterMillis: Int64 = 500, crmConcurrency: Int = CRMCalls.defaultMaximumConcurrent, breaker: CRMGuard.Policy = .init()
    ) {
        self.serverColo = serverColo
        self.foundTTLSeconds = foundTTLSeconds
        self.notFoundTTLSeconds = notFoundTTLSeconds
        self.queues = queues
        self.staleIfErrorMillis = staleIfErrorMillis
        self.staleWhileRevalidateMillis = staleWhileRevalidateMillis
        self.staleAfterMillis = staleAfterMillis
        self.crmConcurrency = crmConcurrency
        self.breaker = breaker
    }
}

/// ``LookupClocks/schedule(atNanos:_:)`` as a sleeping task.
struct SleepingAction: ScheduledAction {
    let task: Task<Void, Never>
    func cancel() { task.cancel() }
}
