import LookupCore
import Synchronization

/// The bounded in-process stream lookups emit into. `emit` never waits: when the buffer is full
/// the new event is dropped and counted, so a slow consumer can never slow a lookup down.
public final class MetricEventStream: MetricSink {
    public let events: AsyncStream<MetricEvent>
    public let capacity: Int
    private let continuation: AsyncStream<MetricEvent>.Continuation
    private let droppedCount = Atomic<Int>(0)
    private let emittedCount = Atomic<Int>(0)

    public init(capacity: Int = 65_536) {
        precondition(capacity > 0)
        self.capacity = capacity
        (events, continuation) = AsyncStream.makeStream(of: MetricEvent.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    public func emit(_ event: MetricEvent) {
        emittedCount.add(1, ordering: .relaxed)
        if case .dropped = continuation.yield(event) {
            droppedCount.add(1, ordering: .relaxed)
        }
    }

    /// Events emitted, including dropped ones.
    public var emitted: Int { emittedCount.load(ordering: .relaxed) }
    /// Events dropped because the consumer fell behind by more than `capacity`.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Ends the stream; consumers finish after draining what is buffered.
    public func finish() { continuation.finish() }
}
