import AccessControl
import ArgumentParser
import Foundation
import LookupCore
import Traffic

/// `edgewatch loadgen`: the demo's caller model against any lookup endpoint, open-model.
struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Drive a lookup endpoint (ours or another) with the synthetic caller model, and report."
    )

    @Option(help: "Base URL of the middleware, e.g. http://127.0.0.1:8787 (POSTs go to /lookup/customer).")
    var target: String

    @Option(help: "How long to run, e.g. 30s or 2m.")
    var duration = "30s"

    @OptionGroup(title: "Callers") var callers: TrafficOptions

    @OptionGroup(title: "Credentials sent") var access: LookupAccessOptions

    @Option(help: "text or json.")
    var format: Format = .text

    @Option(help: "Seed for the caller model, for repeatable runs.")
    var seed: UInt64 = 42

    enum Format: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard URL(string: target)?.host != nil, target.hasPrefix("http") else {
            throw ValidationError("--target must be an http(s) URL such as http://127.0.0.1:8787")
        }
        guard callers.rate > 0 else { throw ValidationError("--rate must be above 0") }
        guard let seconds = DurationText.milliseconds(duration), seconds >= 1000, seconds <= 86_400_000 else {
            throw ValidationError("--duration must be between 1s and 24h, such as 30s")
        }
    }

    func run() async throws {
        let authorization = try access.load().authorization
        if authorization != nil, target.lowercased().hasPrefix("http://"), !LoopbackHost.contains(URL(string: target)?.host ?? "") {
            StandardError.write("edgewatch: warning: sending the lookup credential in clear text to \(target); use https\n")
        }
        let driver = callers.driver(authorization: authorization)!
        let runFor = Duration.milliseconds(Int64(DurationText.milliseconds(duration)!))
        let started = ContinuousClock.now
        let run = Task { await driver.run(target: target, seed: seed) }
        try? await Task.sleep(for: runFor)
        run.cancel()
        await run.value
        // A moment for answers already on the wire to be counted; later ones are not.
        try? await Task.sleep(for: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.inSeconds
        let stats = driver.stats
        let summary = Summary(
            target: target, seconds: seconds, rateAsked: callers.rate, requestsPerSecond: Double(stats.sent) / seconds,
            answered: stats.sent, errors: stats.errors, failed: stats.failed, late: stats.late, dropped: stats.dropped,
            p50Ms: driver.latency(percentile: 50), p90Ms: driver.latency(percentile: 90), p95Ms: driver.latency(percentile: 95),
            p99Ms: driver.latency(percentile: 99), maxMs: driver.maxLatency
        )
        await driver.shutdown()
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        case .text:
            print(summary.text)
        }
        if stats.sent == 0 { throw ExitCode.failure }
    }

    struct Summary: Codable {
        var target: String
        var seconds: Double
        var rateAsked: Double
        var requestsPerSecond: Double
        var answered: Int
        var errors: Int
        var failed: Int
        var late: Int
        var dropped: Int
        var p50Ms: Double
        var p90Ms: Double
        var p95Ms: Double
        var p99Ms: Double
        var maxMs: Double

        var text: String {
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
}
