import EdgeHTTP
import LookupCore
import ServiceLifecycle

/// Reclaims expired cache entries on a timer, so memory follows the live entries even in colos
/// that are no longer read. Each pass holds one shard's lock at a time.
public struct CacheJanitor: Service {
    public let caches: ColoCaches
    public let clocks: any LookupClocks
    public let interval: Duration

    public init(caches: ColoCaches, clocks: any LookupClocks = SystemClocks(), interval: Duration = .seconds(5)) {
        self.caches = caches
        self.clocks = clocks
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                caches.purgeExpired(now: clocks.monotonicMillis)
                try? await Task.sleep(for: interval)
            }
        }
    }
}
