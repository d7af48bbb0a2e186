#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LookupCore

/// The real clocks: `CLOCK_MONOTONIC`, `CLOCK_REALTIME` and the calling thread's CPU clock.
public struct SystemClocks: LookupClocks {
    public init() {}

    public func monotonicNanos() -> UInt64 { read(CLOCK_MONOTONIC) }
    public func epochMillis() -> Int64 { Int64(read(CLOCK_REALTIME) / 1_000_000) }
    public func threadCPUNanos() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    private func read(_ clock: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
