import EdgeHTTP
import Foundation
import Traffic

/// `edgewatch loadgen`: the demo's caller model against any lookup endpoint, for a while, on
/// loops of its own.
public enum LoadRun {
    /// What came of a run.
    public struct Summary: Codable, Sendable {
        public var target: String
        public var seconds: Double
        public var rateAsked: Double
        public var requestsPerSecond: Double
        public var answered: Int
        public var errors: Int
        public var failed: Int
        public var late: Int
        public var dropped: Int
        public var p50Ms: Double
        public var p90Ms: Double
        public var p95Ms: Double
        public var p99Ms: Double
        public var maxMs: Double

        public var text: String {
            func ms(_ value: Double) -> String { String(format: "%.2f ms", value) }
            return """
            target      \(target)
            duration    \(String(format: "%.1f", seconds)) s at \(String(format: "%.0f", rateAsked)) req/s asked
            throughput  \(String(format: "%.1f", requestsPerSecond)) req/s answered (\(answered))
            latency     p50 \(ms(p50Ms))  p90 \(ms(p90Ms))  p95 \(ms(p95Ms))  p99 \(ms(p99Ms))  max \(ms(maxMs))  (from intended send time)
            errors      \(errors) 4xx/5xx, \(failed) without an answer
            arrivals    \(late) late (>50 ms behind schedule), \(dropped) dropped (over 512 in flight)
            """
        }
    }

    /// Drives `target` with `traffic` for `duration` and says what came of it.
    public static func run(_ traffic: TrafficConfiguration, target: String, duration: Duration, seed: UInt64) async -> Summary {
        let loops = EventLoops()
        let driver = TrafficDriver(rate: traffic.rate, colos: traffic.colos, model: traffic.model, coloRates: traffic.coloRates,
                                   authorization: traffic.authorization, eventLoopGroup: loops.group)
        let started = ContinuousClock.now
        let run = Task { await driver.run(target: target, seed: seed) }
        try? await Task.sleep(for: duration)
        run.cancel()
        await run.value
        // A moment for answers already on the wire to be counted; later ones are not.
        try? await Task.sleep(for: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let stats = driver.stats
        let summary = Summary(
            target: target, seconds: seconds, rateAsked: traffic.rate, requestsPerSecond: Double(stats.sent) / seconds,
            answered: stats.sent, errors: stats.errors, failed: stats.failed, late: stats.late, dropped: stats.dropped,
            p50Ms: driver.latency(percentile: 50), p90Ms: driver.latency(percentile: 90), p95Ms: driver.latency(percentile: 95),
            p99Ms: driver.latency(percentile: 99), maxMs: driver.maxLatency
        )
        await driver.shutdown()
        await loops.shutdown()
        return summary
    }
}
