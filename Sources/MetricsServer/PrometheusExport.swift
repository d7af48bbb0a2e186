import CoreMetrics
import LookupCore
import MetricsEngine
import Prometheus
import Synchronization

/// Counters and latency histograms for Prometheus, fed from the same events as the dashboard.
///
/// Counters and gauges are made through swift-metrics with a `PrometheusMetricsFactory` of its own
/// (not the global bootstrap), so tests and several servers in one process each get their own
/// registry. The latency and CPU histograms are ``DurationBuckets``, written after the registry's
/// output. Prometheus summaries cannot be aggregated across instances, so latencies are
/// histograms: use `histogram_quantile()` for p50/p95.
public final class PrometheusExport: Sendable {
    private let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let handles = Mutex<[String: ColoHandles]>([:])
    let accessExported: Mutex<AccessHandles>
    let breakerExported: Mutex<BreakerHandles>
    let reportExported = Mutex<ReportHandles?>(nil)
    let viewerExported = Mutex<ViewerHandles?>(nil)
    let alertmanagerExported = Mutex<AlertmanagerHandles?>(nil)
    let recorderExported = Mutex<RecorderHandles?>(nil)
    let connectionExported = Mutex<ConnectionHandles?>(nil)
    let cacheExported = Mutex<[String: CoreMetrics.Gauge]>([:])

    /// A colo's histograms (our own: see ``DurationBuckets``) and counters.
    private struct ColoHandles {
        let labels: String
        let latency: DurationBuckets
        let cpu: DurationBuckets
        var counters: [String: CoreMetrics.Counter]

        init(colo: String) {
            labels = "colo=\"" + DurationBuckets.escapedLabel(colo) + "\""
            latency = DurationBuckets(bounds: PrometheusExport.buckets)
            cpu = DurationBuckets(bounds: PrometheusExport.buckets)
            counters = [:]
        }
    }

    static let latencyName = "edgewatch_lookup_latency_seconds"
    static let cpuName = "edgewatch_lookup_cpu_seconds"

    /// Latency and CPU buckets: 10 µs to 10 s, 1-2-5 in each decade (a cached lookup takes tens of
    /// microseconds; a CRM call tens of milliseconds), plus the seed's levels 30, 80 and 300 ms, so
    /// a rule can count the lookups on either side of a threshold exactly.
    static let buckets: [Duration] = [
        10, 20, 50, 100, 200, 500,
        1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 200_000, 300_000, 500_000,
        1_000_000, 2_000_000, 5_000_000, 10_000_000,
    ].map { .microseconds($0) }

    /// Label values come from ingested events, so both are bounded: colos past the cap become
    /// `OTHER`, and outcomes outside the known set become `other`.
    public let maximumColos: Int
    static let knownOutcomes: Set<String> = Set(["found", "not_found", MetricEvent.noLookupKey, MetricEvent.badRequest, MetricEvent.unauthorized]
        + CRMFailure.allCases.map(\.rawValue))

    public init(maximumColos: Int = ColoName.maximumColos) {
        self.maximumColos = maximumColos
        registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        accessExported = Mutex(AccessHandles(factory: factory))
        breakerExported = Mutex(BreakerHandles(factory: factory))
    }

    public func record(_ event: MetricEvent) {
        record(contentsOf: CollectionOfOne(event))
    }

    /// Records a batch: the handle table is locked once, each counter is added to once per
    /// batch, and a colo's handles are looked up once per run of its events (a batch is mostly
    /// one colo, one outcome), so no string is hashed per event.
    public func record(contentsOf events: some Collection<MetricEvent>) {
        var counts: [(key: CounterKey, count: Int)] = []
        var positions: [CounterKey: Int] = [:]
        handles.withLock { table in
            var lastColo: String?
            var current: (name: String, handles: ColoHandles)?
            for event in events {
                if event.colo != lastColo || current == nil {
                    lastColo = event.colo
                    // The engine's rule: the same colo has the same name on screen and in /metrics.
                    let normalised = ColoName.normalised(event.colo)
                    let name = ColoName.admitted(normalised, known: table[normalised] != nil, count: table.count, maximum: maximumColos)
                    let handles = table[name] ?? ColoHandles(colo: name)
                    table[name] = handles
                    current = (name, handles)
                }
                guard let (name, handles) = current else { continue }
                let outcome = event.errorType.map { Self.knownOutcomes.contains($0) ? $0 : "other" } ?? (event.customerFound ? "found" : "not_found")
                let key = CounterKey(colo: name, cache: event.isStale ? "stale" : event.cacheHit ? "hit" : "miss", outcome: outcome)
                if counts.last?.key == key {
                    counts[counts.count - 1].count += 1
                } else if let index = positions[key] {
                    counts[index].count += 1
                } else {
                    positions[key] = counts.count
                    counts.append((key, 1))
                }
                // As in the engine: refused credentials are counted, but kept out of the latency and CPU.
                if event.errorType != MetricEvent.unauthorized {
                    handles.latency.record(nanos: Self.nanoseconds(event.latencyMs))
                    if let cpuMs = event.cpuMs { handles.cpu.record(nanos: Self.nanoseconds(cpuMs)) }
                }
            }
            for (key, count) in counts {
                let counter = table[key.colo]?.counters[key.counter] ?? CoreMetrics.Counter(
                    label: "edgewatch_lookups_total",
                    dimensions: [("colo", key.colo), ("cache", key.cache), ("outcome", key.outcome)], factory: factory
                )
                table[key.colo]?.counters[key.counter] = counter
                counter.increment(by: count)
            }
        }
    }

    private struct CounterKey: Hashable {
        var colo: String
        var cache: String
        var outcome: String
        var counter: String { cache + "|" + outcome }
    }

    /// Milliseconds as nanoseconds, clamped to zero…one hour (never traps, whatever the double).
    static func nanoseconds(_ milliseconds: Double) -> Int64 {
        guard milliseconds.isFinite, milliseconds > 0 else { return 0 }
        return Int64(min(milliseconds, 3_600_000) * 1_000_000)
    }

    /// The text exposition format: swift-prometheus's registry, then the two histograms, colos
    /// in order, then the alert states of `alerts` (the snapshot the ticker last published); every
    /// family with its `# HELP` line.
    public func exposition(alerts: MetricsSnapshot? = nil) -> [UInt8] {
        var registered: [UInt8] = []
        registry.emit(into: &registered)
        var buffer = MetricsHelp.described(registered)
        if let alerts { MetricsHelp.alertStates(alerts, into: &buffer) }
        // Copied under the lock, written out after it, so a scrape holds up the pump only briefly.
        let colos = handles.withLock { table in
            table.sorted { $0.key < $1.key }.map { (labels: $0.value.labels, latency: $0.value.latency.snapshot, cpu: $0.value.cpu.snapshot) }
        }
        guard !colos.isEmpty else { return buffer }
        MetricsHelp.head(Self.latencyName, type: "histogram", into: &buffer)
        for colo in colos { colo.latency.emit(name: Self.latencyName, labels: colo.labels, into: &buffer) }
        MetricsHelp.head(Self.cpuName, type: "histogram", into: &buffer)
        for colo in colos { colo.cpu.emit(name: Self.cpuName, labels: colo.labels, into: &buffer) }
        return buffer
    }
}
