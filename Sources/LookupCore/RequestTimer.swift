/// Wall time since the request started, and CPU time spent on it outside awaits.
struct RequestTimer {
    let clocks: any LookupClocks
    let started: UInt64
    private var cpuSpent: UInt64 = 0
    private var cpuSegmentStart: UInt64?

    init(clocks: any LookupClocks) {
        self.clocks = clocks
        started = clocks.monotonicNanos()
        cpuSegmentStart = clocks.threadCPUNanos()
    }

    var elapsedMillis: Double { Double(clocks.monotonicNanos() &- started) / 1_000_000 }
    var nowMillis: Int64 { clocks.monotonicMillis }
    var cpuMillis: Double { Double(cpuSpent) / 1_000_000 }

    /// Ends a CPU segment: call before an await, since the task may resume on another thread.
    mutating func pauseCPU() {
        guard let start = cpuSegmentStart else { return }
        let now = clocks.threadCPUNanos()
        if now > start { cpuSpent += now - start }
        cpuSegmentStart = nil
    }

    mutating func resumeCPU() {
        cpuSegmentStart = clocks.threadCPUNanos()
    }
}
