import Benchmark
import LookupCore
import MetricsEngine

let start: Int64 = 1_794_000_000_000
let colos = (0..<30).map { "C" + String(format: "%02d", $0) }

func event(_ i: Int, at second: Int) -> MetricEvent {
    MetricEvent(timestamp: start + Int64(second) * 1000, colo: colos[i % colos.count], latencyMs: Double(i % 200) + 0.5,
                cacheHit: i % 4 != 0, customerFound: i % 5 != 0, errorType: i % 97 == 0 ? "crm_5xx" : nil, cpuMs: 0.8)
}

/// A monitor holding 30 colos × 60 one-second slots of data.
func fullMonitor() -> MetricsMonitor {
    var monitor = MetricsMonitor()
    for second in 0..<60 {
        for i in 0..<(30 * 20) { monitor.record(event(i, at: second), nowMillis: start + Int64(second) * 1000) }
    }
    return monitor
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3))

    Benchmark("record one event") { benchmark in
        var monitor = MetricsMonitor()
        let events = (0..<1000).map { event($0, at: 0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for event in events { monitor.record(event, nowMillis: start) }
        }
    }

    Benchmark("snapshot 30 colos x 60 slots", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5))) { benchmark in
        var monitor = fullMonitor()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(monitor.tick(nowMillis: start + 59_999))
        }
    }
}
