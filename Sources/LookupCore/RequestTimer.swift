/// Wall time since the request started, and the time it spent running on a thread (its CPU
/// time): the wall time outside its awaits.
///
/// Both come from the monotonic clock. The thread CPU clock is a system call on Linux, which
/// cost a quarter of a cached lookup; a request that does not wait runs on its thread the whole
/// time, so only a preemption in the middle of it (microseconds long) would tell the two apart.
struct RequestTimer {
    let clocks: any LookupClocks
    let started: UInt64
    private var onThread: UInt64 = 0
    private var segmentStart: UInt64?

    init(clocks: any LookupClocks) {
        self.clocks = clocks
        started = clocks.monotonicNanos()
        segmentStart = started
    }

    /// The cache's time at the start of the request.
    var startMillis: Int64 { Int64(started / 1_000_000) }

    /// Ends a segment on the thread: call before an await.
    mutating func pauseCPU() {
        guard let start = segmentStart else { return }
        onThread += clocks.monotonicNanos() &- start
        segmentStart = nil
    }

    mutating func resumeCPU() {
        segmentStart = clocks.monotonicNanos()
    }

    /// The request's latency and CPU time in milliseconds, from one reading of the clock.
    mutating func stop() -> (latency: Double, cpu: Double) {
        let now = clocks.monotonicNanos()
        if let start = segmentStart {
            onThread += now &- start
            segmentStart = nil
        }
        return (Double(now &- started) / 1_000_000, Double(onThread) / 1_000_000)
    }
}
