import Synchronization
import LookupCore

/// Clocks the test moves by hand. Sleepers wake when `advance` passes their deadline (or when
/// their task is cancelled), so nothing in a test waits on real time.
public final class ManualClocks: LookupClocks {
    private let state = Mutex((nanos: UInt64(1_000_000_000), epoch: Int64(1_790_000_000_000)))
    private let sleepers = Mutex<(next: Int, waiting: [Int: (deadline: UInt64, continuation: CheckedContinuation<Void, Never>)])>((0, [:]))

    /// Each read of the monotonic clock moves it on by this much (0: it stands still), so code
    /// between two reads can be seen to take time.
    private let tick: UInt64

    public init(tickNanosPerRead: UInt64 = 0) {
        tick = tickNanosPerRead
    }

    /// Sleepers not yet woken.
    public var sleeping: Int { sleepers.withLock { $0.waiting.count } }

    public func sleep(untilNanos deadline: UInt64) async {
        let id = sleepers.withLock { state -> Int in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wakeNow = sleepers.withLock { sleepers -> Bool in
                    if Task.isCancelled || monotonicNanos() >= deadline { return true }
                    sleepers.waiting[id] = (deadline, continuation)
                    return false
                }
                if wakeNow { continuation.resume() }
            }
        } onCancel: {
            wake { $0 == id }
        }
    }

    private func wake(_ which: (Int) -> Bool) {
        let woken = sleepers.withLock { sleepers -> [CheckedContinuation<Void, Never>] in
            let ids = sleepers.waiting.keys.filter(which)
            return ids.compactMap { sleepers.waiting.removeValue(forKey: $0)?.continuation }
        }
        for continuation in woken { continuation.resume() }
    }

    public func monotonicNanos() -> UInt64 { state.withLock { $0.nanos += tick; return $0.nanos } }
    public func epochMillis() -> Int64 { state.withLock { $0.epoch } }

    public func advance(seconds: Double) {
        let now = state.withLock {
            $0.nanos += UInt64(seconds * 1e9)
            $0.epoch += Int64(seconds * 1000)
            return $0.nanos
        }
        let due = sleepers.withLock { sleepers in sleepers.waiting.filter { $0.value.deadline <= now }.map(\.key) }
        wake { due.contains($0) }
    }
}

/// A CRM that answers from a script and counts its calls.
public final class ScriptedCRM: CustomerDirectory {
    private let state: Mutex<(outcome: CRMOutcome, calls: [LookupKey])>

    public init(_ outcome: CRMOutcome) { state = Mutex((outcome, [])) }

    public func answer(with outcome: CRMOutcome) { state.withLock { $0.outcome = outcome } }
    public var calls: [LookupKey] { state.withLock { $0.calls } }

    public func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
        state.withLock { $0.calls.append(key); return $0.outcome }
    }
}

/// A sink that keeps every event.
public final class CollectingSink: MetricSink {
    private let collected = Mutex<[MetricEvent]>([])
    public init() {}
    public func emit(_ event: MetricEvent) { collected.withLock { $0.append(event) } }
    public var events: [MetricEvent] { collected.withLock { $0 } }
}

public let alice = CRMRecord(id: "CUST-000000", firstName: "Alice", lastName: " Smith ", accountTier: "Enterprise", preferredLanguage: "fr-CA")

/// A CRM that holds every call until the test opens the gate, so calls can be made concurrent.
public final class GatedCRM: CustomerDirectory {
    private let state = Mutex<(calls: Int, open: Bool, waiting: [CheckedContinuation<Void, Never>])>((0, false, []))

    public init() {}

    public var calls: Int { state.withLock { $0.calls } }

    public func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    public func lookUp(_ key: LookupKey, from colo: Colo) async -> CRMOutcome {
        await withCheckedContinuation { continuation in
            let proceed = state.withLock { state -> Bool in
                state.calls += 1
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
        return .found(alice)
    }
}
