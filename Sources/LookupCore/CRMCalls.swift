import Synchronization

/// Every CRM call goes through here: one call per key and colo at a time (later misses join it),
/// at most `maximumConcurrent` calls in flight (the bulkhead), and none while the circuit
/// breaker is open.
///
/// A call is an unstructured task that outlives whoever started it: a caller answered from a
/// stale copy at the soft deadline leaves the call running until the CRM answers or its own
/// deadline passes, and the task itself reports to the breaker and hands its outcome to
/// `finished` (which caches it). Nothing here reads the clock except through `clocks`.
public final class CRMCalls: Sendable {
    /// Whether a lookup got a call to wait on, or why not.
    public enum Admission: Sendable {
        case call(Task<CRMOutcome, Never>)
        case rejected(CRMFailure)
    }

    /// The breaker's state and when it began (wall-clock milliseconds), for snapshots and logs.
    public struct BreakerStatus: Sendable, Equatable, Codable {
        public var state: CRMGuard.State
        public var since: Int64
        public init(state: CRMGuard.State, since: Int64) {
            self.state = state
            self.since = since
        }
    }

    private struct State {
        var running: [String: Task<CRMOutcome, Never>] = [:]
        var breaker: CRMGuard
        var joined = 0
        var rejected: [CRMFailure: Int] = [:]
        /// Wall-clock time of the breaker's last change, for display.
        var breakerSinceEpoch: Int64
        /// Changes not yet taken by the log (at most 64; older ones are counted and dropped).
        var pendingChanges: [(from: CRMGuard.State, to: CRMGuard.State)] = []
        var droppedChanges = 0
    }

    public let maximumConcurrent: Int
    private let state: Mutex<State>
    private let crm: any CustomerDirectory
    private let clocks: any LookupClocks

    /// CRM calls in flight unless configured otherwise.
    public static let defaultMaximumConcurrent = 64

    /// A backstop over each call: the directory's own deadline should end it long before.
    public let callLimitMillis: Int64

    public init(
        crm: any CustomerDirectory, clocks: any LookupClocks, maximumConcurrent: Int = defaultMaximumConcurrent, breaker: CRMGuard.Policy = .init(),
        callLimitMillis: Int64 = 60_000
    ) {
        self.crm = crm
        self.clocks = clocks
        self.maximumConcurrent = max(1, maximumConcurrent)
        self.callLimitMillis = max(1, callLimitMillis)
        state = Mutex(State(breaker: CRMGuard(policy: breaker, now: clocks.monotonicMillis), breakerSinceEpoch: clocks.epochMillis()))
    }

    /// Joins the call in flight for `callKey`, or starts one if the breaker and the bulkhead
    /// allow. `finished` runs once per started call with its outcome (not for joiners).
    public func admit(
        _ callKey: String, key: LookupKey, colo: Colo, finished: @escaping @Sendable (CRMOutcome) -> Void
    ) -> Admission {
        let now = clocks.monotonicMillis
        return state.withLock { state -> Admission in
            if let running = state.running[callKey] {
                // While the breaker is not closed the call in flight is a probe or a leftover from
                // before it opened: answer now rather than wait on a CRM that is failing.
                guard state.breaker.state == .closed else {
                    state.rejected[.circuitOpen, default: 0] += 1
                    return .rejected(.circuitOpen)
                }
                state.joined += 1
                return .call(running)
            }
            guard state.running.count < maximumConcurrent else {
                state.rejected[.overloaded, default: 0] += 1
                return .rejected(.overloaded)
            }
            let decision = state.breaker.decide(now: now)
            noteChanges(&state)
            guard decision != .reject else {
                state.rejected[.circuitOpen, default: 0] += 1
                return .rejected(.circuitOpen)
            }
            let crm = self.crm
            let clocks = self.clocks
            let generation = state.breaker.generation
            let limit = clocks.monotonicNanos() + UInt64(callLimitMillis) * 1_000_000
            let task = Task { [self] in
                let call = Task { await crm.lookUp(key, from: colo) }
                let outcome = await FirstOf.value(of: call, orNilAt: limit, clocks: clocks) ?? .failed(.timeout)
                call.cancel()
                // Cache first, then leave the in-flight map: a lookup arriving in between must
                // find either the call or its answer, never neither.
                finished(outcome)
                let ended = clocks.monotonicMillis
                self.state.withLock { state in
                    state.running[callKey] = nil
                    state.breaker.record(success: outcome.isAnswer, probe: decision == .probe, generation: generation, now: ended)
                    noteChanges(&state)
                }
                return outcome
            }
            state.running[callKey] = task
            return .call(task)
        }
    }

    /// Lookups that joined a call already in flight.
    public var joined: Int { state.withLock { $0.joined } }
    /// Calls in flight now.
    public var inFlight: Int { state.withLock { $0.running.count } }
    /// Lookups refused a call, by reason (`crm_circuit_open`, `crm_overloaded`).
    public var rejected: [CRMFailure: Int] { state.withLock { $0.rejected } }

    public var breaker: BreakerStatus {
        state.withLock { BreakerStatus(state: $0.breaker.state, since: $0.breakerSinceEpoch) }
    }

    /// Breaker changes since the last call, oldest first, for the log.
    public func takeBreakerChanges() -> (changes: [(from: CRMGuard.State, to: CRMGuard.State)], dropped: Int) {
        state.withLock { state in
            defer { state.pendingChanges = []; state.droppedChanges = 0 }
            return (state.pendingChanges, state.droppedChanges)
        }
    }

    private func noteChanges(_ state: inout State) {
        let changes = state.breaker.takeChanges()
        guard !changes.isEmpty else { return }
        state.breakerSinceEpoch = clocks.epochMillis()
        state.pendingChanges.append(contentsOf: changes.map { ($0.from, $0.to) })
        if state.pendingChanges.count > 64 {
            state.droppedChanges += state.pendingChanges.count - 64
            state.pendingChanges.removeFirst(state.pendingChanges.count - 64)
        }
    }
}

extension CRMOutcome {
    /// An answer from the CRM (found or a genuine not-found): a success for the breaker.
    public var isAnswer: Bool {
        if case .failed = self { return false }
        return true
    }
}
