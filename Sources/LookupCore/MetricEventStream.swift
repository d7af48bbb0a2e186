import Synchronization

/// The bounded in-process queue lookups and `/ingest` put events into, drained in batches by one
/// consumer (the metrics pump). Putting never waits: past `capacity` waiting events, events are
/// refused and counted, so a slow consumer can never slow a lookup down or grow memory.
public final class MetricEventStream: MetricSink {
    public let capacity: Int

    private struct State {
        var buffer: [MetricEvent] = []
        var waiter: CheckedContinuation<[MetricEvent]?, Never>?
        var finished = false
    }

    private let state = Mutex(State())
    private let droppedCount = Atomic<Int>(0)
    private let refusedCount = Atomic<Int>(0)
    private let emittedCount = Atomic<Int>(0)

    /// `capacity` below 1 is taken as 1.
    /// Events waiting at most, unless told otherwise.
    public static let defaultCapacity = 65_536

    public init(capacity: Int = MetricEventStream.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Puts one event in, or drops and counts it (``dropped``) when the queue is full: the event
    /// is lost.
    public func emit(_ event: MetricEvent) {
        if !put(CollectionOfOne(event)) { droppedCount.add(1, ordering: .relaxed) }
    }

    /// Puts in all of `events`, or none of them when they do not all fit; those are counted as
    /// ``refused`` (the sender was told, and may send them again). Returns whether they went in.
    @discardableResult
    public func offer(_ events: some Collection<MetricEvent>) -> Bool {
        let accepted = put(events)
        if !accepted { refusedCount.add(events.count, ordering: .relaxed) }
        return accepted
    }

    private func put(_ events: some Collection<MetricEvent>) -> Bool {
        guard !events.isEmpty else { return true }
        emittedCount.add(events.count, ordering: .relaxed)
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<[MetricEvent]?, Never>?) in
            guard !state.finished, state.buffer.count + events.count <= capacity else { return (false, nil) }
            // Usually nobody waits (the pump is gathering): no continuation is copied then.
            guard state.waiter != nil else {
                state.buffer.append(contentsOf: events)
                return (true, nil)
            }
            return (true, state.waiter.take())
        }
        if let waiter { waiter.resume(returning: Array(events)) }
        return accepted
    }

    /// The events waiting, oldest first, as one batch; waits while there are none. Nil once the
    /// stream is finished and drained, or when the calling task is cancelled. One consumer only.
    public func nextBatch() async -> [MetricEvent]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[MetricEvent]?, Never>) in
                let ready = state.withLock { state -> [MetricEvent]?? in
                    if !state.buffer.isEmpty {
                        defer { state.buffer = [] }
                        return .some(state.buffer)
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter?.resume(returning: [])
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<[MetricEvent]?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume(returning: nil)
        }
    }

    /// The events waiting, taken at once without waiting (for a consumer that is stopping).
    public func takeWaiting() -> [MetricEvent] {
        state.withLock { state in
            defer { state.buffer = [] }
            return state.buffer
        }
    }

    /// Events offered, including dropped ones.
    public var emitted: Int { emittedCount.load(ordering: .relaxed) }
    /// Lookup events lost because the consumer fell behind by more than `capacity`.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }
    /// Offered events (from `/ingest`) refused on a full queue; their senders got a 503.
    public var refused: Int { refusedCount.load(ordering: .relaxed) }
    /// Events waiting for the consumer.
    public var waiting: Int { state.withLock { $0.buffer.count } }

    /// Ends the stream: later events are refused, and the consumer finishes after draining.
    public func finish() {
        state.withLock { state -> CheckedContinuation<[MetricEvent]?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume(returning: nil)
    }
}
