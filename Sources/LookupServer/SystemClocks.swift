#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LookupCore

/// The real clocks: `CLOCK_MONOTONIC` and `CLOCK_REALTIME`.
public struct SystemClocks: LookupClocks {
    public init() {}

    public func monotonicNanos() -> UInt64 { read(CLOCK_MONOTONIC) }
    public func epochMillis() -> Int64 { Int64(read(CLOCK_REALTIME) / 1_000_000) }

    private func read(_ clock: clockid_t) -> UInt64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
