import LookupCore
import Prometheus
import PropertyBased
import TestSupport
import Testing
@testable import MetricsServer

/// Our own latency histograms against swift-prometheus's, which they replace on the pump's path.
@Suite("Prometheus histograms (property tests)")
struct DurationBucketsTests {
    /// Durations in nanoseconds: around the bucket bounds (exactly on them, one either side),
    /// anywhere up to an hour, and a few below zero.
    static let nanos = Gen.oneOf(
        zip(Gen.element(of: PrometheusExport.buckets.map(DurationBuckets.nanoseconds)), Gen.int(in: -1...1))
            .map { bound, offset in bound! + Int64(offset) },
        Gen.int64(in: 0...3_600_000_000_000),
        Gen.int64(in: 0...2_000_000),
        Gen.int64(in: -5...0)
    )

    /// What swift-prometheus writes for the same observations, under the same name and label.
    static func reference(_ values: [Int64], label: String) -> String {
        let registry = PrometheusCollectorRegistry()
        let histogram = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: "edgewatch_lookup_latency", unitName: "seconds", helpText: ""),
            labels: [("colo", label)], buckets: PrometheusExport.buckets
        )
        for value in values { histogram.record(.nanoseconds(max(0, value))) }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func ours(_ values: [Int64], label: String) -> String {
        let histogram = DurationBuckets(bounds: PrometheusExport.buckets)
        for value in values { histogram.record(nanos: value) }
        var buffer = Array("# TYPE edgewatch_lookup_latency_seconds histogram\n".utf8)
        histogram.snapshot.emit(name: "edgewatch_lookup_latency_seconds", labels: "colo=\"\(DurationBuckets.escapedLabel(label))\"", into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("The same observations give swift-prometheus's text, byte for byte")
    func agreesWithSwiftPrometheus() {
        let cases = zip(Self.nanos.array(of: 0...40), Gen.element(of: ["LHR", "OTHER", #"a"b\c"#, "x y"]).map { $0! })
        forAll(cases, count: 500, seed: 0x9157) { values, label in
            #expect(Self.ours(values, label: label) == Self.reference(values, label: label), "\(values) \(label)")
        }
    }

    @Test("A sum past Int64's nanoseconds carries on exactly")
    func longSum() {
        let histogram = DurationBuckets(bounds: PrometheusExport.buckets)
        let large = Int64.max / 2 + 7
        for _ in 0..<5 { histogram.record(nanos: large) }
        #expect(histogram.sum == .nanoseconds(large) * 5)
        #expect(histogram.count == 5)
    }

    @Test("The export writes both histograms for every colo, and leaves refusals out of them")
    func export() throws {
        let export = PrometheusExport()
        let events = (0..<6).map { (index: Int) -> MetricEvent in
            let colo = index < 4 ? "LHR" : "SIN"
            let error: String? = index == 5 ? MetricEvent.unauthorized : nil
            return MetricEvent(timestamp: 0, colo: colo, latencyMs: Double(index * 10), cacheHit: index % 2 == 0,
                               customerFound: true, errorType: error, cpuMs: 0.5)
        }
        export.record(contentsOf: events)
        let text = String(decoding: export.exposition(), as: UTF8.self)
        #expect(text.components(separatedBy: "# TYPE edgewatch_lookup_latency_seconds histogram\n").count == 2)
        #expect(text.components(separatedBy: "# TYPE edgewatch_lookup_cpu_seconds histogram\n").count == 2)
        // Each family's lines follow its TYPE line, colos in order.
        let lines = text.split(separator: "\n").map(String.init)
        for family in ["edgewatch_lookup_latency_seconds", "edgewatch_lookup_cpu_seconds"] {
            let type = try #require(lines.firstIndex(of: "# TYPE \(family) histogram"))
            let own = lines.indices.filter { lines[$0].hasPrefix(family + "_") }
            #expect(own.count == 2 * (PrometheusExport.buckets.count + 3))
            #expect(own == Array(type + 1...type + own.count), "\(family)'s lines are not together after its TYPE line")
            #expect(lines[own.first!].contains(#"colo="LHR""#) && lines[own.last!].contains(#"colo="SIN""#))
        }
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_count{colo="LHR"} 4"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_bucket{colo="LHR",le="0.02"} 3"#))
        #expect(text.contains(#"edgewatch_lookup_latency_seconds_count{colo="SIN"} 1"#))
        #expect(text.contains(#"edgewatch_lookup_cpu_seconds_bucket{colo="SIN",le="0.001"} 1"#))
        #expect(text.contains(#"edgewatch_lookups_total{colo="SIN",cache="hit",outcome="found"} 1"#))
        #expect(text.contains(#"edgewatch_lookups_total{colo="SIN",cache="miss",outcome="unauthorized"} 1"#))
    }
}
