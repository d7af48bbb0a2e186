#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LookupCore
import NIOCore

/// The real clocks: `CLOCK_MONOTONIC` and `CLOCK_REALTIME`, and timers on the given event loops.
public struct SystemClocks: LookupClocks {
    /// Where timers go; without loops, a sleeping task per timer.
    public let loops: EventLoops?

    public init(loops: EventLoops? = nil) {
        self.loops = loops
    }

    public func monotonicNanos() -> UInt64 { read(CLOCK_MONOTONIC) }
    public func epochMillis() -> Int64 { Int64(read(CLOCK_REALTIME) / 1_000_000) }

    /// On an event loop's timer heap (NIO's deadlines read `CLOCK_MONOTONIC` too): an insert,
    /// not a task and a timer per deadline.
    public func schedule(atNanos deadline: UInt64, _ action: @escaping @Sendable () -> Void) -> any ScheduledAction {
        guard let loops else {
            let clocks = self
            return SleepingTimer(task: Task {
                await clocks.sleep(untilNanos: deadline)
                if !Task.isCancelled { action() }
            })
        }
        return LoopTimer(scheduled: loops.group.any().scheduleTask(deadline: .uptimeNanoseconds(deadline), action))
    }

    private func read(_ clock: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// ``SystemClocks/schedule(atNanos:_:)``'s timer.
struct LoopTimer: ScheduledAction {
    let scheduled: Scheduled<Void>
    func cancel() { scheduled.cancel() }
}

/// ``SystemClocks/schedule(atNanos:_:)``'s timer without loops.
struct SleepingTimer: ScheduledAction {
    let task: Task<Void, Never>
    func cancel() { task.cancel() }
}
