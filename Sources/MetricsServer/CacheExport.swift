import CoreMetrics
import LookupCore
import Prometheus
import Synchronization

extension PrometheusExport {
    /// Entries each colo's cache holds, as `edgewatch_cache_entries{colo}` (at most one gauge per
    /// colo with a cache, so the label is bounded as the caches are). Called just before each
    /// exposition.
    public func record(cacheEntries caches: ColoCaches) {
        let counts = caches.colos.map { ($0.code, caches.entryCount(colo: $0)) }
        cacheExported.withLock { gauges in
            for (colo, entries) in counts {
                let gauge = gauges[colo] ?? CoreMetrics.Gauge(label: Self.cacheEntriesName, dimensions: [("colo", colo)], factory: factory)
                gauges[colo] = gauge
                gauge.record(entries)
            }
        }
    }

    static let cacheEntriesName = "edgewatch_cache_entries"
}
